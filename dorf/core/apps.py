from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dorf.core"
    label = "core"
    verbose_name = "Kern"
