"""This app's API routes, mounted under /api/v1/ by rcm/urls.py."""

from django.urls import path

from coding import apis

urlpatterns = [
    path("coding/suggest", apis.suggest_api, name="api-coding-suggest"),
    path("coding/codes", apis.code_search_api, name="api-coding-codes"),
    path("coding/queue", apis.queue_api, name="api-coding-queue"),
    path("coding/next", apis.next_api, name="api-coding-next"),
    path("coding/acceptance", apis.acceptance_api, name="api-coding-acceptance"),
    path("coding/worksheets/<int:pk>", apis.worksheet_api, name="api-coding-worksheet"),
    path("coding/worksheets/<int:pk>/lines", apis.add_line_api, name="api-coding-line-add"),
    path("coding/worksheets/<int:pk>/lines/<int:line_pk>/decision", apis.decide_api, name="api-coding-line-decide"),
    path("coding/worksheets/<int:pk>/complete", apis.complete_api, name="api-coding-complete"),
]
