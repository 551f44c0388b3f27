from django.urls import path

from claims import views
from claims.clearinghouse import views as ch_views
from claims.denials import views as denial_views

app_name = "claims"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.bulk, name="bulk"),
    path("queue/export.csv", views.export_csv, name="csv"),
    path("generate/", views.generate, name="generate"),
    path("jobs/<int:pk>/", views.job_status, name="job"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/837/", views.batch_download, name="batch_download"),
    path("batches/<int:pk>/cms1500.pdf", ch_views.batch_cms1500, name="batch_cms1500"),
    path("clearinghouse/", ch_views.connection_settings, name="ch_connection"),
    path("clearinghouse/submissions/", ch_views.submissions, name="ch_submissions"),
    path("clearinghouse/submissions/submit/", ch_views.submit_now, name="ch_submit"),
    path("clearinghouse/submissions/<int:pk>/", ch_views.submission_detail, name="ch_submission"),
    path("clearinghouse/submissions/<int:pk>/resend/", ch_views.submission_resend, name="ch_resend"),
    path("clearinghouse/files/", ch_views.inbound_files, name="ch_inbound"),
    path("clearinghouse/files/poll/", ch_views.poll_now, name="ch_poll"),
    path("clearinghouse/files/upload/", ch_views.inbound_upload, name="ch_upload"),
    path("clearinghouse/files/<int:pk>/", ch_views.inbound_detail, name="ch_inbound_detail"),
    path("clearinghouse/files/<int:pk>/download/", ch_views.inbound_download, name="ch_inbound_download"),
    path("clearinghouse/files/<int:pk>/reprocess/", ch_views.inbound_reprocess, name="ch_inbound_reprocess"),
    path("eligibility/coverage/<int:coverage_pk>/", ch_views.eligibility, name="eligibility"),
    path("denials/", denial_views.queue, name="denials"),
    path("denials/analytics/", denial_views.analytics, name="denial_analytics"),
    path("denials/<int:pk>/", denial_views.detail, name="denial"),
    path("denials/<int:pk>/act/", denial_views.act, name="denial_act"),
    path("appeals/<int:pk>/letter.pdf", denial_views.appeal_letter, name="appeal_letter"),
    path("appeals/<int:pk>/update/", denial_views.appeal_update, name="appeal_update"),
    path("<int:pk>/cms1500.pdf", ch_views.claim_cms1500, name="cms1500"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/scrub/", views.scrub, name="scrub"),
    path("<int:pk>/action/", views.action, name="action"),
]
