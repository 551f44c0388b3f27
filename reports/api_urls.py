"""This app's API routes, mounted under /api/v1/ by rcm/urls.py."""

from django.urls import path

from reports import apis

urlpatterns = [
    path("reports/dashboard/", apis.dashboard_api, name="api-reports-dashboard"),
    path("reports/lists/<str:kind>/", apis.list_api, name="api-reports-list"),
]
