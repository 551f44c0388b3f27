"""This app's API routes, mounted under /api/v1/ by rcm/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from claims import apis

router = DefaultRouter()
router.register("claims", apis.ClaimViewSet, basename="claim")
router.register("claim-batches", apis.X12BatchViewSet, basename="claimbatch")
router.register("payer-rules", apis.PayerRuleViewSet, basename="payerrule")

urlpatterns = [
    path("claims/bulk/", apis.claims_bulk_api, name="api-claims-bulk"),
    path("claims/generate/", apis.claims_generate_api, name="api-claims-generate"),
    path("claims/scrub-rules/", apis.scrub_rules_api, name="api-claims-scrub-rules"),
    *router.urls,
]
