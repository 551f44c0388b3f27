from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("patients/", views.patient_list, name="patients"),
    path("patients/new/", views.patient_edit, name="patient_new"),
    path("patients/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:pk>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<int:patient_pk>/coverage/new/", views.coverage_edit, name="coverage_new"),
    path("patients/<int:patient_pk>/coverage/<int:pk>/", views.coverage_edit, name="coverage_edit"),
    path("encounters/<int:pk>/", views.encounter_detail, name="encounter_detail"),
]
