from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("pdf/", views.dashboard_pdf, name="pdf"),
    path("refresh/", views.refresh, name="refresh"),
    path("lists/<str:kind>/", views.report_list, name="list"),
]
