from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "dorf.chat"
    label = "chat"
