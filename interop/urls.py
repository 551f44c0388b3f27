from django.urls import path

from interop import views

app_name = "interop"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<int:pk>/", views.job_status, name="job_status"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/retry/", views.message_retry, name="message_retry"),
    path("messages/export.<str:fmt>", views.messages_export, name="messages_export"),
    path("csv/", views.csv_list, name="csv"),
    path("csv/<int:pk>/", views.csv_detail, name="csv_detail"),
    path("senders/", views.sender_list, name="senders"),
    path("senders/<int:pk>/", views.sender_list, name="sender_edit"),
    path("exports/", views.exports_page, name="exports"),
    path("exports/balances.<str:fmt>", views.balances_export, name="balances_export"),
    path("exports/eob/<int:pk>.json", views.eob, name="eob"),
]
