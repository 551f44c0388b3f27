"""Cross-cutting pages: the audit trail and job progress."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from rcm import tenancy
from rcm.audit import access_log_for, change_events_for, tracked_event_models
from rcm.models import Job
from rcm.roles import Perm


@tenancy.require_perm(Perm.MANAGE)
def audit_access(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    qs = access_log_for(practice_ids=[practice_id])
    if request.GET.get("user"):
        qs = qs.filter(username=request.GET["user"])
    if request.GET.get("patient", "").isdigit():
        qs = qs.filter(patient_ids__contains=[int(request.GET["patient"])])
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "rcm/audit_access.html", {"page": page})


@tenancy.require_perm(Perm.MANAGE)
def audit_changes(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    model = request.GET.get("model") or None
    obj = request.GET.get("object")
    events = change_events_for(practice_ids=[practice_id], model=model, obj_id=int(obj) if obj and obj.isdigit() else None)
    return render(request, "rcm/audit_changes.html", {"events": events, "models": list(tracked_event_models()), "model": model})


def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of a batch job: an htmx fragment that re-polls itself until the job finishes."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication required."}, status=401)
    job = tenancy.get_scoped_or_404(Job.objects.exclude(practice=None), request.user, Perm.VIEW_PHI, pk=pk)
    return render(request, "rcm/job_progress.html", {"job": job})


def healthz(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True})
