"""Biller pages of the denial work: the queue grouped by category, one case with its actions and full history,
the appeal letter PDF, and the denial analytics page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from claims.denials import selectors, services
from claims.denials.categories import CATEGORIES, LABELS, next_action
from claims.denials.models import Appeal, DenialCase
from rcm import tenancy
from rcm.roles import Perm

P = Perm.BILL


@tenancy.require_perm(P)
def queue(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, P)
    status = request.GET.get("status") or "open"
    groups = selectors.denial_queue(practice_id=practice_id, status=status, category=request.GET.get("category") or "")
    return render(request, "claims/denials/queue.html", {
        "groups": groups, "status": status, "categories": [(c, LABELS[c]) for c in CATEGORIES],
        "category": request.GET.get("category") or "", "today": dt.date.today()})


def _case(request: HttpRequest, pk: int) -> DenialCase:
    return tenancy.get_scoped_or_404(
        DenialCase.objects.select_related("claim__patient", "payer", "provider", "response", "new_claim"),
        request.user, P, pk=pk)


@tenancy.require_perm(P)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, "claims/denials/detail.html", {
        "case": case, "label": LABELS.get(case.category, case.category), "next_action": next_action(case.category),
        "actions": case.actions.select_related("user"), "appeals": case.appeals.order_by("level"),
        "is_open": case.status in services.OPEN_STATUSES})


def _money(raw: str) -> Decimal | None:
    try:
        return Decimal(raw) if raw.strip() else None
    except InvalidOperation:
        raise ValidationError("Not an amount.") from None


@tenancy.require_perm(P)
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """One action on a case: correct, void, write_off, transfer, appeal, note, close, reopen."""
    case = _case(request, pk)
    action, note = request.POST.get("action", ""), request.POST.get("note", "")
    user = request.user
    try:
        if action == "correct":
            claim = services.denial_correct(case=case, user=user, note=note)
            messages.success(request, f"Claim {claim.pcn} is ready to correct and resubmit.")
            return redirect("claims:detail", pk=claim.pk)
        if action == "void":
            claim = services.denial_void(case=case, user=user, note=note)
            messages.success(request, f"Claim {claim.pcn} voided.")
        elif action == "write_off":
            amount = services.denial_write_off(case=case, reason=note, user=user)
            messages.success(request, f"${amount} written off.")
        elif action == "transfer":
            amount = services.denial_transfer_to_patient(case=case, reason=note, user=user)
            messages.success(request, f"${amount} transferred to the patient.")
        elif action == "appeal":
            attachments = [a for a in request.POST.get("attachments", "").splitlines() if a.strip()]
            appeal = services.denial_appeal(case=case, argument=request.POST.get("argument", ""),
                                            attachments=attachments, contact=request.POST.get("contact", ""), user=user)
            messages.success(request, f"Level {appeal.level} appeal letter drafted; due {appeal.deadline:%m/%d/%Y}.")
        elif action == "note":
            services.denial_note(case=case, note=note, user=user)
        elif action == "close":
            services.denial_close(case=case, note=note, user=user)
        elif action == "reopen":
            services.denial_reopen(case=case, note=note, user=user)
        else:
            raise ValidationError(f"Unknown action {action!r}.")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("claims:denial", pk=case.pk)


@tenancy.require_perm(P)
def appeal_letter(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = tenancy.get_scoped_or_404(Appeal.objects.select_related("case"), request.user, P, pk=pk)
    response = HttpResponse(bytes(appeal.letter), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="appeal-{appeal.case.claim_id}-L{appeal.level}.pdf"'
    return response


@tenancy.require_perm(P)
@require_POST
def appeal_update(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = tenancy.get_scoped_or_404(Appeal.objects.select_related("case"), request.user, P, pk=pk)
    try:
        what = request.POST.get("action")
        if what == "sent":
            services.appeal_mark_sent(appeal=appeal, user=request.user)
        elif what in ("won", "lost"):
            services.appeal_outcome(appeal=appeal, won=what == "won", note=request.POST.get("note", ""),
                                    user=request.user)
        else:
            raise ValidationError("Unknown appeal update.")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("claims:denial", pk=appeal.case_id)


@tenancy.require_perm(P)
def analytics(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, P)
    try:
        months = max(1, min(24, int(request.GET.get("months") or 6)))
    except ValueError:
        months = 6
    data: dict[str, Any] = selectors.denial_analytics(practice_id=practice_id, months=months)
    return render(request, "claims/denials/analytics.html", {"data": data, "months": months,
                                                             "labels": dict(LABELS)})
