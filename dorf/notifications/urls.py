from django.urls import path

from dorf.notifications import api

app_name = "notifications"

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="list"),
    path(
        "notifications/<int:notification_id>/read/",
        api.NotificationReadView.as_view(),
        name="read",
    ),
    path("notifications/read-all/", api.NotificationReadAllView.as_view(), name="read-all"),
    path("notifications/preferences/", api.PreferencesView.as_view(), name="preferences"),
]
