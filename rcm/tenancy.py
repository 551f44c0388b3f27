"""Practice scoping: the one place that decides which practices a user may touch.

Every practice-owned read goes through `scope()` / `get_scoped_or_404()`; an object
of a practice the user is not a member of (or lacks the permission in) does not
exist for them, so pages and the API answer 404, never 403, and never leak it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from rcm.roles import Perm, role_has

M = TypeVar("M", bound=Model)
SESSION_KEY = "rcm_practice_id"


@dataclass(frozen=True)
class MembershipInfo:
    practice_id: int
    practice_name: str
    role: str


def memberships(user: Any) -> list[MembershipInfo]:
    """The user's active memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_staff or user.is_superuser:
        return []  # admin accounts are separate from practice ones (rcm.admin_site): no practice role, no PHI
    cached = getattr(user, "_rcm_memberships", None)
    if cached is None:
        from billing.models import Membership

        cached = [
            MembershipInfo(m.practice_id, m.practice.name, m.role)
            for m in Membership.objects.filter(user=user, is_active=True).select_related("practice").order_by("practice__name")
        ]
        user._rcm_memberships = cached
    return cached


def practice_ids(user: Any, perm: Perm = Perm.VIEW_PHI) -> list[int]:
    return [m.practice_id for m in memberships(user) if role_has(m.role, perm)]


def role_in(user: Any, practice_id: int | None) -> str | None:
    for m in memberships(user):
        if m.practice_id == practice_id:
            return m.role
    return None


def has_perm(user: Any, practice_id: int | None, perm: Perm) -> bool:
    return role_has(role_in(user, practice_id), perm)


def scope(qs: QuerySet[M], user: Any, perm: Perm = Perm.VIEW_PHI) -> QuerySet[M]:
    return qs.filter(practice_id__in=practice_ids(user, perm))


def get_scoped_or_404(qs: QuerySet[M], user: Any, perm: Perm = Perm.VIEW_PHI, **lookup: Any) -> M:
    try:
        return scope(qs, user, perm).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {qs.model._meta.verbose_name} matches the given query.") from exc


class PracticeMiddleware:
    """Sets `request.practice_id` and `request.role` from the session's active practice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.practice_id = None  # type: ignore[attr-defined]
        request.role = None  # type: ignore[attr-defined]
        mine = memberships(request.user)
        if mine:
            wanted = request.session.get(SESSION_KEY)
            active = next((m for m in mine if m.practice_id == wanted), mine[0])
            request.practice_id = active.practice_id  # type: ignore[attr-defined]
            request.role = active.role  # type: ignore[attr-defined]
        return self.get_response(request)


def practice_context(request: HttpRequest) -> dict[str, Any]:
    mine = memberships(getattr(request, "user", None))
    active = next((m for m in mine if m.practice_id == getattr(request, "practice_id", None)), None)
    return {
        "my_practices": mine,
        "active_practice": active,
        "active_role": active.role if active else None,
        "perms": {p.value: role_has(active.role, p) for p in Perm} if active else {},
    }


def require_perm(perm: Perm) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Page guard: login required, and the active practice's role must grant `perm`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not role_has(getattr(request, "role", None), perm) and not practice_ids(request.user, perm):
                raise PermissionDenied(f"Your role does not allow this ({perm.value}).")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def active_practice_for(request: HttpRequest, perm: Perm) -> int:
    """The practice a list page shows: `?practice=` if given (404 unless allowed), else the
    active one if the role allows, else the first that does."""
    wanted = request.GET.get("practice")
    if wanted:
        if not wanted.isdigit() or int(wanted) not in practice_ids(request.user, perm):
            raise Http404("No such practice.")
        return int(wanted)
    if role_has(getattr(request, "role", None), perm):
        return request.practice_id  # type: ignore[attr-defined,no-any-return]
    ids = practice_ids(request.user, perm)
    if not ids:
        raise PermissionDenied(f"Your role does not allow this ({perm.value}).")
    return ids[0]
