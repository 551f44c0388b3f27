"""Shared pieces of the REST API: practice-scoped viewsets and serializers, and errors.

The API applies the same scoping as the pages: querysets are filtered to the
practices where the user's role grants the read permission, writes need the
write permission in the object's practice, and every related object named in a
payload must belong to the same practice (a hostile id from another practice is
"not found", never linked).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rcm import tenancy
from rcm.audit import access_record_many
from rcm.roles import Perm


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Model validation and constraint errors become 400s that say which field and why."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError({"non_field_errors": [_integrity_message(exc)]})
    return drf_exception_handler(exc, context)


def _integrity_message(exc: IntegrityError) -> str:
    cause = getattr(exc, "__cause__", None)
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return f"Rejected by the database rule {name!r}." if name else "Rejected by a database rule."


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to the requesting user's practices; others are 'does not exist'."""

    def __init__(self, *, perm: Perm = Perm.VIEW_PHI, **kwargs: Any) -> None:
        self.perm = perm
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return qs.none()
        field = "id" if qs.model._meta.model_name == "practice" else "practice_id"
        return qs.filter(**{f"{field}__in": tenancy.practice_ids(request.user, self.perm)})


class PracticeOwnedSerializer(serializers.ModelSerializer):
    """Checks that every related object shares the row's practice, then runs the model's clean()."""

    def get_unique_together_validators(self) -> list[Any]:
        # Uniqueness is enforced by PostgreSQL constraints (and reported as a 400 by the exception
        # handler); DRF's generated validators would also make optional fields such as `rank` required.
        return []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        practice = attrs.get("practice") or getattr(self.instance, "practice", None)
        practice_id = getattr(practice, "pk", None)
        for name, value in attrs.items():
            owner = getattr(value, "practice_id", None)
            if practice_id and owner is not None and name != "practice" and owner != practice_id:
                raise serializers.ValidationError({name: "Not found in this practice."})
        model = self.Meta.model
        candidate = model(**{k: v for k, v in {**self._instance_values(), **attrs}.items()})
        candidate.pk = getattr(self.instance, "pk", None)
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        return attrs

    def _instance_values(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        return {f.name: getattr(self.instance, f.name) for f in self.instance._meta.concrete_fields if not f.primary_key}


class PracticeScopedViewSet(viewsets.ModelViewSet):
    """Scope reads by `read_perm`, writes by `write_perm`; record PHI reads in the access log."""

    read_perm: Perm = Perm.VIEW_PHI
    write_perm: Perm = Perm.ADMIN
    audit_type: str | None = None  # set for PHI resources
    audit_patient_attr: str | None = "patient_id"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return tenancy.scope(super().get_queryset(), self.request.user, self.read_perm)

    def get_object(self) -> Any:
        obj = super().get_object()
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and not tenancy.has_perm(
            self.request.user, obj.practice_id, self.write_perm
        ):
            raise exceptions.PermissionDenied(f"Your role in this practice does not allow changes ({self.write_perm.value}).")
        return obj

    def check_create_allowed(self, practice_id: int | None) -> None:
        if practice_id is None or not tenancy.has_perm(self.request.user, practice_id, self.write_perm):
            raise exceptions.PermissionDenied(f"Your role in this practice does not allow changes ({self.write_perm.value}).")

    # --- access log -----------------------------------------------------------------------
    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        self._listed = page if page is not None else list(queryset)
        return page

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        if self.audit_type and getattr(self, "_listed", None):
            access_record_many(user=request.user, objects=self._listed, object_type=self.audit_type,
                               action="list", request=request, via="api", patient_attr=self.audit_patient_attr)
        return response

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        if self.audit_type:
            access_record_many(user=request.user, objects=[instance], object_type=self.audit_type,
                               action="view", request=request, via="api", patient_attr=self.audit_patient_attr)
        return Response(self.get_serializer(instance).data)

    def destroy(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


def not_found() -> Http404:
    return Http404("Not found.")
