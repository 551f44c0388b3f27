"""Admin: payer rules are edited here (or through the API) without a release; reference tables are browsable."""

from __future__ import annotations

from django.contrib import admin

from billing.admin import PracticeScopedAdmin
from claims import models


@admin.register(models.PayerRule)
class PayerRuleAdmin(PracticeScopedAdmin):
    list_display = ["payer", "kind", "value", "severity", "is_active", "updated_at"]
    list_filter = ["kind", "severity", "is_active"]
    list_editable = ["severity", "is_active"]
    search_fields = ["payer__name", "value", "message"]


@admin.register(models.NcciPtpEdit)
class NcciPtpEditAdmin(admin.ModelAdmin):
    list_display = ["column1", "column2", "effective_date", "deletion_date", "modifier_indicator", "rationale"]
    search_fields = ["column1", "column2"]
    show_full_result_count = False


@admin.register(models.MueEdit)
class MueEditAdmin(admin.ModelAdmin):
    list_display = ["code", "mue_value", "adjudication_indicator", "rationale"]
    search_fields = ["code"]


@admin.register(models.X12Batch)
class X12BatchAdmin(PracticeScopedAdmin):
    list_display = ["filename", "payer", "control_number", "claim_count", "total_charge", "created_at"]
    readonly_fields = ["practice", "payer", "control_number", "filename", "content", "claim_count", "total_charge",
                       "created_by", "created_at"]
