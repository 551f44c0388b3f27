from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.bulk, name="bulk"),
    path("queue/export.csv", views.export_csv, name="csv"),
    path("generate/", views.generate, name="generate"),
    path("jobs/<int:pk>/", views.job_status, name="job"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/837/", views.batch_download, name="batch_download"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/scrub/", views.scrub, name="scrub"),
    path("<int:pk>/action/", views.action, name="action"),
]
