from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "dorf.deliveries"
    label = "deliveries"
