"""Multi-factor sign-in (TOTP through django-otp; security keys and passkeys through rcm.mfa_webauthn) and the rule
that nothing else is reachable without it.

Signing in is two steps: the password form (Django's LoginView, guarded by django-axes) makes the session
*authenticated*; the code from the user's authenticator app makes it *verified* (django-otp stores the
device in the session). `MfaRequiredMiddleware` lets an authenticated but unverified session reach only
the second step (a code or a security key; or enrolment, for a user who has no device yet) and sign-out. Every other way in — a
password reset, the admin site's login, the API — lands in the same place, so none of them skips the code.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from rcm.mfa_webauthn import credentials_for

# Reachable by a signed-in user whose second factor is not verified yet.
EXEMPT_PREFIXES = ("/login/", "/logout/", "/mfa/", "/healthz")


def is_verified(user: Any) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


class MfaRequiredMiddleware:
    """After django_otp's OTPMiddleware: an unverified session gets the second step, never a page or API answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (settings.RCM_MFA_REQUIRED and user is not None and user.is_authenticated and not is_verified(user)
                and not request.path.startswith((*EXEMPT_PREFIXES, settings.STATIC_URL))):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Second factor required: finish signing in at /mfa/verify/."}, status=403)
            target = "mfa_verify" if user_has_device(user) else "mfa_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return reverse("home")


def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue().decode()


def totp_secret_b32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step at sign-in: a code from the enrolled authenticator app."""
    if not request.user.is_authenticated:
        return redirect("login")
    if is_verified(request.user):
        return redirect(_next_url(request))
    if not user_has_device(request.user):
        return redirect(f"{reverse('mfa_setup')}?next={_next_url(request)}")
    error = None
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip().replace(" ", "")
        device = next((d for d in TOTPDevice.objects.filter(user=request.user, confirmed=True)
                       if token.isdigit() and d.verify_token(token)), None)
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()  # a new key once fully signed in, too
            return redirect(_next_url(request))
        error = "That code is not valid (or was already used). Enter the current code from your authenticator app."
    return render(request, "rcm/mfa_verify.html", {
        "error": error, "next": _next_url(request),
        "has_totp": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        "has_keys": bool(credentials_for(request.user)),
    }, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: a new TOTP secret shown once (QR code and text), confirmed by one valid code.

    A user who already has a confirmed device cannot enrol another here without first verifying with it,
    so a stolen password cannot replace the second factor."""
    if not request.user.is_authenticated:
        return redirect("login")
    if user_has_device(request.user) and not is_verified(request.user):
        return redirect(f"{reverse('mfa_verify')}?next={_next_url(request)}")
    device, _ = TOTPDevice.objects.get_or_create(user=request.user, confirmed=False, defaults={"name": "Authenticator app"})
    error = None
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip().replace(" ", "")
        if token.isdigit() and device.verify_token(token):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=True).exclude(pk=device.pk).delete()
            otp_login(request, device)
            request.session.cycle_key()
            return redirect(_next_url(request))
        error = "That code did not match. Check the time on your phone and enter the current code."
    return render(request, "rcm/mfa_setup.html", {
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - SVG markup we generated, no user input
        "secret": totp_secret_b32(device), "error": error, "next": _next_url(request),
    }, status=400 if error else 200)


@login_required
@require_http_methods(["GET"])
def account_security(request: HttpRequest) -> HttpResponse:
    """The signed-in user's second factors: the authenticator app and any security keys; add or remove a key."""
    return render(request, "rcm/account_security.html", factors_for(request.user))


@login_required
@require_http_methods(["POST"])
def remove_key(request: HttpRequest, pk: int) -> HttpResponse:
    error = remove_security_key(request.user, pk)
    if error:
        return render(request, "rcm/account_security.html", {**factors_for(request.user), "error": error}, status=400)
    return redirect("account_security")


def factors_for(user: Any) -> dict[str, Any]:
    return {
        "totp": TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first(),
        "keys": credentials_for(user),
    }


def remove_security_key(user: Any, pk: int) -> str | None:
    """Remove one of the user's keys, unless it is their last second factor (then sign-in would need none).

    Another user's key is "not found", never "forbidden", so key ids reveal nothing."""
    key = WebAuthnCredential.objects.filter(user=user, pk=pk).first()
    if key is None:
        raise Http404("No such security key.")
    others = WebAuthnCredential.objects.filter(user=user, confirmed=True).exclude(pk=pk).exists()
    if not others and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return "This is your only second factor: add an authenticator app or another key before removing it."
    key.delete()
    return None


def api_token(request: HttpRequest) -> HttpResponse:
    """`POST /api/v1/auth/token/` with username, password and (when MFA is required) a current `otp` code.

    Replaces DRF's `obtain_auth_token`, which takes a password alone and so would skip the second factor."""
    from rest_framework.authtoken.models import Token

    if request.method != "POST":
        return JsonResponse({"detail": "Use POST with username, password and otp."}, status=405)
    data: dict[str, Any] = request.POST.dict()
    if not data and request.content_type == "application/json":
        import json

        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"detail": "Body must be JSON or a form."}, status=400)
    user = authenticate(request, username=str(data.get("username", "")), password=str(data.get("password", "")))
    if user is None:
        return JsonResponse({"detail": "Unable to sign in with the provided credentials."}, status=400)
    if settings.RCM_MFA_REQUIRED:
        code = str(data.get("otp", "")).strip()
        if not (code.isdigit() and any(d.verify_token(code) for d in TOTPDevice.objects.filter(user=user, confirmed=True))):
            return JsonResponse({"detail": "A valid one-time code (otp) from your enrolled authenticator is required."},
                                status=400)
    token, _ = Token.objects.get_or_create(user=user)
    return JsonResponse({"token": token.key})
