"""The PHI access log (who viewed or exported what) and the change history browser.

Changes are captured by django-pghistory's PostgreSQL triggers, so bulk updates
and raw SQL are recorded too; reads are recorded here, by the pages and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.http import HttpRequest

from rcm.models import AccessLog


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def access_record(
    *,
    user: Any,
    practice_id: int,
    object_type: str,
    object_ids: Iterable[int],
    patient_ids: Iterable[int] = (),
    action: str = AccessLog.Action.VIEW,
    request: HttpRequest | None = None,
    via: str = "page",
) -> AccessLog:
    return AccessLog.objects.create(
        practice_id=practice_id,
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_ids=sorted({int(i) for i in object_ids}),
        patient_ids=sorted({int(i) for i in patient_ids}),
        path=(request.path if request is not None else "")[:300],
        via=via,
        ip=_client_ip(request),
    )


def access_record_many(*, user: Any, objects: Iterable[Any], object_type: str, action: str,
                       request: HttpRequest | None, via: str, patient_attr: str | None = "patient_id") -> None:
    """One access row per practice for a list of objects (a page of results, an export)."""
    by_practice: dict[int, tuple[list[int], list[int]]] = {}
    for obj in objects:
        ids, pats = by_practice.setdefault(obj.practice_id, ([], []))
        ids.append(obj.pk)
        if patient_attr == "self":
            pats.append(obj.pk)
        elif patient_attr:
            value: Any = obj
            for part in patient_attr.split("."):
                value = getattr(value, part)
            pats.append(value)
    for practice_id, (ids, pats) in by_practice.items():
        access_record(user=user, practice_id=practice_id, object_type=object_type, object_ids=ids,
                      patient_ids=pats, action=action, request=request, via=via)


def access_log_for(*, practice_ids: list[int]) -> QuerySet[AccessLog]:
    return AccessLog.objects.filter(practice_id__in=practice_ids).select_related("practice")


def tracked_event_models() -> dict[str, Any]:
    """Every practice-owned model whose changes PostgreSQL triggers record, by name ("Patient", "Claim" …).

    Discovered from the pghistory event models, so a model that starts being tracked shows up here
    (and in the change-history page) without being listed anywhere.
    """
    import pghistory.models

    found: dict[str, Any] = {}
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and any(f.name == "practice" for f in model._meta.fields):
            found[model.pgh_tracked_model.__name__] = model
    return dict(sorted(found.items()))


# The billing models whose changes are tracked (see `billing.models.tracked`); the seed bulk-loads these.
TRACKED_MODELS = ("Patient", "Coverage", "Encounter", "ChartNote", "Diagnosis", "ChargeLine")


def change_events_for(*, practice_ids: list[int], model: str | None = None, obj_id: int | None = None) -> list[dict[str, Any]]:
    """Change events of the tracked models, newest first, as plain dicts for pages and the API.

    Each tracked model has its own event table; the practice filter is on the snapshot's own
    practice_id column so it uses an index and never crosses tenants.
    """
    rows: list[dict[str, Any]] = []
    event_models = tracked_event_models()
    names = [model] if model in event_models else list(event_models)
    for name in names:
        event_model = event_models[name]
        qs = event_model.objects.filter(practice_id__in=practice_ids)
        if obj_id is not None:
            qs = qs.filter(pgh_obj_id=obj_id)
        for ev in qs.select_related("pgh_context").order_by("-pgh_created_at")[:500]:
            ctx = ev.pgh_context.metadata if ev.pgh_context_id else {}
            rows.append({
                "at": ev.pgh_created_at,
                "model": name,
                "object_id": ev.pgh_obj_id,
                "event": ev.pgh_label,
                "user_id": ctx.get("user"),
                "url": ctx.get("url", ""),
                "practice_id": ev.practice_id,
                "data": {f.attname: _jsonable(getattr(ev, f.attname)) for f in event_model._meta.concrete_fields
                         if not f.attname.startswith("pgh_")},
            })
    rows.sort(key=lambda r: r["at"], reverse=True)
    rows = rows[:500]
    from django.contrib.auth import get_user_model

    names = dict(get_user_model().objects.filter(pk__in={r["user_id"] for r in rows if r["user_id"]})
                 .values_list("pk", "username"))
    for r in rows:
        r["user"] = names.get(r["user_id"], f"user #{r['user_id']}") if r["user_id"] else "system"
    return rows


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str, bool, list, dict)):
        return value
    return str(value)
