"""ASGI entry point: HTTP and the one WebSocket per client (/ws/)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from dorf.chat.routing import websocket_urlpatterns  # noqa: E402

# What is loaded by now (Django, every app, their modules) lives as long as the process:
# frozen out of the garbage collector's view, so the full collections that thousands of
# open sockets trigger do not walk it again each time (docs/benchmarks.md, "Opening a
# WebSocket").
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
