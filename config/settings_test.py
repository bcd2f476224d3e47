"""Test settings: the same env-driven settings with fast hashing and fakes for the outside world."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
os.environ.setdefault("DJANGO_DEBUG", "0")

from config.settings import *  # noqa: F403
from config.settings import CHANNEL_LAYERS, REDIS_CACHE_OPTIONS, REDIS_URL, REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DORF_GEOCODER = "fake"
CELERY_TASK_ALWAYS_EAGER = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# Parallel test workers share one Redis: keep their channel groups and cache keys apart.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
if REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"dorf-test-{_worker}"
    CACHES = {
        "default": {
            "BACKEND": "dorf.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"dorf-test-{_worker}",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"user": "10000/min", "anon": "10000/min", "auth": "10000/min"},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files are not served in tests; whitenoise would only warn about the missing folder.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

# Report limits per hour count in the shared Redis across runs; tests of the limits set
# their own small values.
DORF_REPORTS_PER_REPORTER_PER_HOUR = 10_000
DORF_OPEN311_REQUESTS_PER_KEY_PER_HOUR = 10_000
