"""Benchmark-only baselines (routed by benchmarks.asgi).

No authentication, no persistence: what the same server and channel layer cost without
our pipeline, so the benchmarks can report our overhead as a ratio.

- ``BareBroadcastConsumer`` (/ws/bench/): a bare group broadcast (benchmarks/chat_fanout.py);
- ``BareHelloConsumer`` (/ws/bench/hello/): a socket that says hello and answers a sync
  frame with sync.done, the frames of our handshake without anything behind them
  (benchmarks/ws_open.py).
"""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

GROUP = "bench.bare"


class BareBroadcastConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message: dict[str, Any]) -> None:
        # Like ChatConsumer: no close_old_connections() hop per group event (there is no
        # database here at all), so the baseline measures only server and channel layer.
        if message["type"] == "bench.frame":
            await self.bench_frame(message)
            return
        await super().dispatch(message)

    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:
            await self.channel_layer.group_send(GROUP, {"type": "bench.frame", "text": text_data})

    async def bench_frame(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


class BareHelloConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.send(text_data=json.dumps({"type": "hello", "room_ids": []}))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None and json.loads(text_data).get("type") == "sync":
            await self.send(text_data=json.dumps({"type": "sync.done", "replayed": 0}))
