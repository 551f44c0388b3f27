"""This app's API routes, mounted under /api/v1/ by rcm/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from claims import apis
from claims.clearinghouse import apis as ch_apis

router = DefaultRouter()
router.register("claims", apis.ClaimViewSet, basename="claim")
router.register("claim-batches", apis.X12BatchViewSet, basename="claimbatch")
router.register("payer-rules", apis.PayerRuleViewSet, basename="payerrule")
router.register("clearinghouse/connections", ch_apis.ConnectionViewSet, basename="chconnection")
router.register("clearinghouse/submissions", ch_apis.SubmissionViewSet, basename="chsubmission")
router.register("clearinghouse/files", ch_apis.InboundFileViewSet, basename="chfile")
router.register("denials", ch_apis.DenialCaseViewSet, basename="denial")
router.register("eligibility", ch_apis.EligibilityViewSet, basename="eligibility")

urlpatterns = [
    path("claims/bulk/", apis.claims_bulk_api, name="api-claims-bulk"),
    path("claims/generate/", apis.claims_generate_api, name="api-claims-generate"),
    path("claims/scrub-rules/", apis.scrub_rules_api, name="api-claims-scrub-rules"),
    path("denials/analytics/", ch_apis.denial_analytics_api, name="api-denial-analytics"),
    *router.urls,
]
