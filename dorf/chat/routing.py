import os

from django.urls import URLPattern, URLResolver, path

from dorf.chat.consumers import ChatConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/", ChatConsumer.as_asgi()),
]

if os.environ.get("DORF_BENCH_ROUTES") == "1":  # benchmarks/chat_fanout.py only
    from dorf.chat.bench import BareBroadcastConsumer

    websocket_urlpatterns.append(path("ws/bench/", BareBroadcastConsumer.as_asgi()))
