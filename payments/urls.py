from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("eras/", views.eras, name="eras"),
    path("eras/<int:pk>/", views.era_detail, name="era_detail"),
    path("eras/<int:pk>/835/", views.era_download, name="era_download"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("exceptions/<int:pk>/", views.exception_detail, name="exception_detail"),
    path("exceptions/<int:pk>/dismiss/", views.exception_dismiss, name="exception_dismiss"),
    path("posting/", views.batches, name="batches"),
    path("posting/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("posting/<int:pk>/commit/", views.batch_commit, name="batch_commit"),
    path("payments/<int:pk>/allocate/", views.payment_allocate, name="payment_allocate"),
    path("payments/<int:pk>/refund/", views.payment_refund, name="payment_refund"),
    path("deposits/", views.deposits, name="deposits"),
    path("deposits/close/", views.period_close, name="period_close"),
    path("underpayments/", views.underpayments_page, name="underpayments"),
    path("underpayments/<int:pk>/", views.underpayment_act, name="underpayment_act"),
    path("patients/<int:pk>/ledger/", views.patient_ledger, name="patient_ledger"),
    path("statements/", views.statement_runs, name="statements"),
    path("statements/runs/<int:pk>/", views.statement_run, name="statement_run"),
    path("statements/runs/<int:pk>/batch.csv", views.statement_run_file, name="statement_run_file"),
    path("statements/<int:pk>.pdf", views.statement_pdf, name="statement_pdf"),
]
