"""The Redis pub/sub channel layer, told when its Redis connection came back.

Redis pub/sub keeps nothing for a subscriber that is away: whatever was published while a
process's subscriber connection was down (a Redis restart, a failover, a network blip) is
gone, and redis-py reconnects and re-subscribes silently. This layer notices each
reconnect of a subscriber connection and puts ``{"type": "layer.resync"}`` into the queue
of every channel of the process, after the re-subscription and so before anything
published after it. The chat consumer answers it by fetching from the database what
its rooms got since the last message it accounted for (docs/realtime.md).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close

logger = logging.getLogger(__name__)

RESYNC_EVENT = {"type": "layer.resync"}


class _ResyncingShard(RedisSingleShardConnection):
    _watched: Any = None
    _connects = 0

    async def subscribe(self, channel: str) -> None:
        await super().subscribe(channel)
        self._watch()

    def _watch(self) -> None:
        connection = self._pubsub.connection if self._pubsub is not None else None
        if connection is None or connection is self._watched:
            return
        self._watched = connection
        self._connects = 1
        # Called after the pub/sub object's own callback has re-subscribed (registered
        # first, called first).
        connection.register_connect_callback(self._on_connect)

    async def _on_connect(self, connection: Any) -> None:
        self._connects += 1
        if self._connects <= 1:
            return
        layer = self.channel_layer
        logger.warning(
            "channel layer: Redis connection restored; %d local channels resync",
            len(layer.channels),
        )
        data = layer.channel_layer.serialize(RESYNC_EVENT)
        for queue in list(layer.channels.values()):
            queue.put_nowait(data)

    async def flush(self) -> None:
        await super().flush()
        self._watched = None
        self._connects = 0


class _ResyncingLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shards: list[Any] = self.__dict__["_shards"]
        self._shards = [_ResyncingShard(shard.host, self) for shard in shards]


class ResyncingPubSubChannelLayer(RedisPubSubChannelLayer):
    def _get_layer(self) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = _ResyncingLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
            return layer
