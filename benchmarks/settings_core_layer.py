"""Benchmark-only settings: the same as config.settings with channels_redis' core layer,
to compare it with the pub/sub layer production uses (benchmarks/chat_fanout.py --layer core)."""

from config.settings import *  # noqa: F403
from config.settings import CHANNEL_LAYERS

CHANNEL_LAYERS = {
    "default": {
        **CHANNEL_LAYERS["default"],
        "BACKEND": "channels_redis.core.RedisChannelLayer",
    }
}
