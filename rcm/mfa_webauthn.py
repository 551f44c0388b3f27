"""Security keys and passkeys (WebAuthn) as a second factor, beside TOTP, through django-otp-webauthn.

A credential is a django-otp device, so `MfaRequiredMiddleware`, `user_has_device` and `is_verified` treat it
exactly like an authenticator app. Passwordless sign-in stays off: the key is the second step after the password.

Why subclasses: the relying party is the host the app is served on (already checked against ALLOWED_HOSTS), so a
deployment works on `localhost` and on the practice's domain without another setting (`RCM_WEBAUTHN_RP_ID` and
`RCM_WEBAUTHN_ORIGINS` pin them); and a completed ceremony gets a new session key, as the TOTP step does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential


class RcmWebAuthnHelper(WebAuthnHelper):
    def get_relying_party_domain(self) -> str:
        if settings.RCM_WEBAUTHN_RP_ID:
            return settings.RCM_WEBAUTHN_RP_ID
        host = self.request.get_host()
        return host.rsplit(":", 1)[0] if not host.endswith("]") else host

    def get_relying_party_name(self) -> str:
        return "RCM"

    def get_allowed_origins(self) -> list[str]:
        return list(settings.RCM_WEBAUTHN_ORIGINS) or [f"{self.request.scheme}://{self.request.get_host()}"]


class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> Any:
        user = super().complete_auth(device)
        self.request.session.cycle_key()
        return user


class CompleteRegistration(webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> Any:
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            self.request.session.cycle_key()
        return response


def credentials_for(user: Any) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at"))


app_name = "otp_webauthn"  # the package's script tags reverse these names
urlpatterns = [
    path("registration/begin/", webauthn_views.BeginCredentialRegistrationView.as_view(),
         name="credential-registration-begin"),
    path("registration/complete/", CompleteRegistration.as_view(), name="credential-registration-complete"),
    path("authentication/begin/", webauthn_views.BeginCredentialAuthenticationView.as_view(),
         name="credential-authentication-begin"),
    path("authentication/complete/", CompleteAuthentication.as_view(), name="credential-authentication-complete"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
