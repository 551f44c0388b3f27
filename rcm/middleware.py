"""Response and session hardening shared by every page and API answer.

- `SessionPolicyMiddleware`: idle timeout and absolute session limit (HIPAA 164.312(a)(2)(iii) automatic logoff).
- `NoStoreMiddleware`: no PHI in browser or proxy caches.
- `ContentSecurityPolicyMiddleware`: scripts only from our own static files (htmx and Chart.js are vendored).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LOGIN_AT = "_rcm_login_at"
LAST_SEEN = "_rcm_last_seen"
# Writing the session on every request would cost a write per htmx poll; this granularity is well below the timeout.
LAST_SEEN_GRANULARITY = 15


def session_started(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """`user_logged_in` receiver: the absolute limit counts from here (the session key was just cycled)."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now


class SessionPolicyMiddleware:
    """Signs a user out after `RCM_SESSION_IDLE_MINUTES` without a request or `RCM_SESSION_MAX_HOURS` after sign-in.

    A disabled user (is_active=False) is already cut off by Django itself: `ModelBackend.get_user` refuses
    inactive users, so the next request is anonymous (tests/rcm/test_sessions.py proves it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.get(LOGIN_AT)
            last_seen = session.get(LAST_SEEN)
            if login_at is None:  # a session from before this policy: start counting now
                session[LOGIN_AT] = login_at = now
            if last_seen is None:
                last_seen = now
            idle = now - int(last_seen) > settings.RCM_SESSION_IDLE_SECONDS
            expired = now - int(login_at) > settings.RCM_SESSION_MAX_SECONDS
            if idle or expired:
                logout(request)
                messages.info(request, "Your session expired; please sign in again." if expired
                              else "You were signed out after a period of inactivity.")
            elif now - int(last_seen) >= LAST_SEEN_GRANULARITY or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages and API answers for a signed-in user may hold PHI: browsers and proxies must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        user = getattr(request, "user", None)
        # The API is PHI whoever asks (token or session; DRF authenticates inside the view, after this middleware
        # saw an anonymous user), and a page is PHI once someone is signed in.
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


class ContentSecurityPolicyMiddleware:
    """`Content-Security-Policy` from `settings.RCM_CSP` on every response that has none yet.

    Django 5.2 has no built-in CSP (6.0 does); the policy is one string, so a dependency is not worth it.
    Scripts come only from 'self' (no inline scripts or handlers: static/js/app.js wires `data-*` behaviours).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.RCM_CSP and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.RCM_CSP
        return response
