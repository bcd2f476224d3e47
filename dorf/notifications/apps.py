from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dorf.notifications"
    label = "notifications"
