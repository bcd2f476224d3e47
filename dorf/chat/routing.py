from django.urls import URLPattern, URLResolver, path

from dorf.chat.consumers import ChatConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/", ChatConsumer.as_asgi()),
]
