"""The product's ASGI application plus the benchmarks' bare baseline routes (/ws/bench/…).

Only benchmarks/chat_fanout.py and benchmarks/ws_open.py serve this; the product's
routing knows nothing of it.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from benchmarks.bare_consumer import BareBroadcastConsumer, BareHelloConsumer
from config.asgi import django_asgi_app
from dorf.chat.routing import websocket_urlpatterns

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            URLRouter(
                [
                    *websocket_urlpatterns,
                    path("ws/bench/", BareBroadcastConsumer.as_asgi()),
                    path("ws/bench/hello/", BareHelloConsumer.as_asgi()),
                ]
            )
        ),
    }
)
