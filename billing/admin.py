"""Django admin for master data. Staff who are not superusers see only their practices' rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from billing import models
from rcm import tenancy
from rcm.roles import Perm


class PracticeScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(practice_id__in=tenancy.practice_ids(request.user, Perm.ADMIN))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if not request.user.is_superuser and field is not None:
            ids = tenancy.practice_ids(request.user, Perm.ADMIN)
            model = field.queryset.model
            if model is models.Practice:
                field.queryset = field.queryset.filter(pk__in=ids)
            elif any(f.name == "practice" for f in model._meta.fields):
                field.queryset = field.queryset.filter(practice_id__in=ids)
        return field


@admin.register(models.Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "npi", "tax_id", "city", "state"]
    search_fields = ["name", "npi"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk__in=tenancy.practice_ids(request.user, Perm.ADMIN))


@admin.register(models.Membership)
class MembershipAdmin(PracticeScopedAdmin):
    list_display = ["user", "practice", "role", "is_active"]
    list_filter = ["role", "is_active", "practice"]
    search_fields = ["user__username"]


@admin.register(models.Provider)
class ProviderAdmin(PracticeScopedAdmin):
    list_display = ["last_name", "first_name", "credential", "npi", "specialty", "practice", "is_active"]
    list_filter = ["specialty", "practice"]
    search_fields = ["last_name", "npi"]


@admin.register(models.Location)
class LocationAdmin(PracticeScopedAdmin):
    list_display = ["name", "pos_code", "city", "practice"]


@admin.register(models.Payer)
class PayerAdmin(PracticeScopedAdmin):
    list_display = ["name", "payer_id", "kind", "timely_filing_days", "practice", "is_active"]
    list_filter = ["kind", "practice"]
    search_fields = ["name", "payer_id"]


class FeeScheduleEntryInline(admin.TabularInline):
    model = models.FeeScheduleEntry
    fields = ["code", "modifier", "amount"]
    extra = 0


@admin.register(models.FeeSchedule)
class FeeScheduleAdmin(PracticeScopedAdmin):
    list_display = ["name", "kind", "payer", "effective_from", "effective_to", "practice"]
    list_filter = ["kind", "practice"]
    inlines = [FeeScheduleEntryInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for obj in formset.save(commit=False):
            obj.practice_id = form.instance.practice_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(models.Patient)
class PatientAdmin(PracticeScopedAdmin):
    list_display = ["mrn", "last_name", "first_name", "date_of_birth", "practice"]
    search_fields = ["mrn", "last_name"]
    list_filter = ["practice"]


@admin.register(models.Coverage)
class CoverageAdmin(PracticeScopedAdmin):
    list_display = ["patient", "payer", "priority", "member_id", "effective_from", "effective_to"]
    raw_id_fields = ["patient"]
    list_filter = ["priority", "practice"]
