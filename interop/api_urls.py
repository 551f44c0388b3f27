"""This app's API routes, mounted under /api/v1/ by rcm/urls.py. FHIR paths follow FHIR's REST style
(`fhir/Bundle`, `fhir/ExplanationOfBenefit/{id}`, no trailing slash)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from interop import apis

router = DefaultRouter()
router.register("interop/messages", apis.InboundMessageViewSet, basename="inboundmessage")
router.register("interop/senders", apis.Hl7SenderViewSet, basename="hl7sender")
router.register("interop/csv-imports", apis.CsvImportViewSet, basename="csvimport")

urlpatterns = [
    path("fhir/Bundle", apis.fhir_bundle_api, name="api-fhir-bundle"),
    path("fhir/ExplanationOfBenefit", apis.eob_search_api, name="api-fhir-eob-search"),
    path("fhir/ExplanationOfBenefit/<int:pk>", apis.eob_read_api, name="api-fhir-eob"),
    path("fhir/Patient/<int:pk>", apis.patient_read_api, name="api-fhir-patient"),
    path("fhir/Coverage/<int:pk>", apis.coverage_read_api, name="api-fhir-coverage"),
    path("fhir/Invoice", apis.invoice_search_api, name="api-fhir-invoice-search"),
    path("interop/hl7/", apis.hl7_api, name="api-interop-hl7"),
    *router.urls,
]
