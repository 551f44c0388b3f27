from django.urls import path

from coding import views

app_name = "coding"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/next/", views.next_encounter, name="next"),
    path("codes/", views.code_search, name="code_search"),
    path("acceptance/", views.acceptance, name="acceptance"),
    path("encounters/<int:pk>/", views.workbench, name="workbench"),
    path("encounters/<int:pk>/lines/", views.line_add, name="line_add"),
    path("encounters/<int:pk>/lines/<int:line_pk>/", views.line_decide, name="line_decide"),
    path("encounters/<int:pk>/accept-all/", views.accept_all, name="accept_all"),
    path("encounters/<int:pk>/resuggest/", views.resuggest, name="resuggest"),
    path("encounters/<int:pk>/complete/", views.complete, name="complete"),
    path("encounters/<int:pk>/release/", views.release, name="release"),
]
