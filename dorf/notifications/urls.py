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
    path(
        "notifications/unsubscribe/<str:token>/",
        api.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
    path("push/vapid-public-key/", api.VapidPublicKeyView.as_view(), name="vapid-public-key"),
    path("push/subscriptions/", api.PushSubscriptionsView.as_view(), name="push-subscriptions"),
]
