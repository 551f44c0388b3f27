"""This app's API routes, mounted under /api/v1/ by rcm/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from payments import apis

router = DefaultRouter()
router.register("eras", apis.RemittanceViewSet, basename="era")
router.register("payment-exceptions", apis.RemitExceptionViewSet, basename="paymentexception")
router.register("ledger", apis.LedgerEntryViewSet, basename="ledgerentry")
router.register("payment-batches", apis.PaymentBatchViewSet, basename="paymentbatch")
router.register("credits", apis.CreditViewSet, basename="credit")
router.register("deposits", apis.BankDepositViewSet, basename="deposit")
router.register("underpayments", apis.UnderpaymentViewSet, basename="underpayment")
router.register("denials", apis.DenialViewSet, basename="denial")
router.register("statement-runs", apis.StatementRunViewSet, basename="statementrun")
router.register("statements", apis.StatementViewSet, basename="statement")

urlpatterns = [
    path("patients/<int:pk>/ledger/", apis.patient_ledger_api, name="api-patient-ledger"),
    path("reconciliation/", apis.reconciliation_api, name="api-reconciliation"),
    path("reconciliation/close/", apis.period_close_api, name="api-period-close"),
    *router.urls,
]
