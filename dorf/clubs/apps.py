from django.apps import AppConfig


class ClubsConfig(AppConfig):
    name = "dorf.clubs"
    label = "clubs"
