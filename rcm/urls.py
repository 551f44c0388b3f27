"""Pages under /, the JSON API under /api/ — each thin over the same services."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from billing import apis as billing_apis
from billing import views as billing_views
from rcm import apis as rcm_apis
from rcm import mfa
from rcm import views as rcm_views

router = DefaultRouter()
router.register("practices", billing_apis.PracticeViewSet, basename="practice")
router.register("providers", billing_apis.ProviderViewSet, basename="provider")
router.register("locations", billing_apis.LocationViewSet, basename="location")
router.register("payers", billing_apis.PayerViewSet, basename="payer")
router.register("fee-schedules", billing_apis.FeeScheduleViewSet, basename="feeschedule")
router.register("patients", billing_apis.PatientViewSet, basename="patient")
router.register("coverages", billing_apis.CoverageViewSet, basename="coverage")
router.register("encounters", billing_apis.EncounterViewSet, basename="encounter")
router.register("notes", billing_apis.ChartNoteViewSet, basename="chartnote")
router.register("diagnoses", billing_apis.DiagnosisViewSet, basename="diagnosis")
router.register("charge-lines", billing_apis.ChargeLineViewSet, basename="chargeline")

api_v1 = [
    path("", include(router.urls)),
    path("", include("coding.api_urls")),
    path("", include("claims.api_urls")),
    path("", include("payments.api_urls")),
    path("", include("interop.api_urls")),
    path("", include("reports.api_urls")),
    path("dashboard/summary/", billing_apis.dashboard_summary_api, name="api-dashboard-summary"),
    path("audit/access/", rcm_apis.access_log_api, name="api-audit-access"),
    path("audit/changes/", rcm_apis.change_log_api, name="api-audit-changes"),
    path("jobs/ping/", rcm_apis.job_ping_api, name="api-job-ping"),
    path("jobs/<int:pk>/", rcm_apis.job_detail_api, name="api-job-detail"),
    path("auth/token/", csrf_exempt(mfa.api_token), name="api-token"),
    path("auth/factors/", rcm_apis.factors_api, name="api-auth-factors"),
    path("auth/factors/keys/<int:pk>/", rcm_apis.factor_key_api, name="api-auth-factor-key"),
]

urlpatterns = [
    path("", billing_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("mfa/verify/", mfa.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", mfa.mfa_setup, name="mfa_setup"),
    path("mfa/webauthn/", include("rcm.mfa_webauthn", namespace="otp_webauthn")),
    path("account/security/", mfa.account_security, name="account_security"),
    path("account/security/keys/<int:pk>/remove/", mfa.remove_key, name="account_security_remove_key"),
    path("practice/switch/", billing_views.practice_switch, name="practice_switch"),
    path("healthz", rcm_views.healthz, name="healthz"),
    path("audit/access/", rcm_views.audit_access, name="audit_access"),
    path("audit/changes/", rcm_views.audit_changes, name="audit_changes"),
    path("jobs/<int:pk>/", rcm_views.job_status, name="job_status"),
    path("", include("billing.urls")),
    path("coding/", include("coding.urls")),
    path("claims/", include("claims.urls")),
    path("payments/", include("payments.urls")),
    path("interop/", include("interop.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
