"""Settings for dorf, read from environment variables.

The defaults run the demo with no services installed (SQLite, in-memory channel layer,
inline Celery tasks). Setting DATABASE_URL and REDIS_URL switches to PostgreSQL, the
Redis channel layer, a Redis cache and Celery workers on Redis.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets model admin and querysets be subscripted (ModelAdmin[Village]) at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for a local demo).")
    SECRET_KEY = "dorf-insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_prometheus",
    "auditlog",
    "dorf.core",
    "dorf.users",
    "dorf.villages",
    "dorf.calendar",
    "dorf.ledger",
    "dorf.chat",
    "dorf.notifications",
    "dorf.marketplace",
    "dorf.clubs",
    "dorf.deliveries",
    "dorf.lostfound",
    "dorf.appointments",
    "dorf.reports",
    "dorf.news",
    "dorf.warnings",
    "dorf.bookings",
    "dorf.participation",
    "dorf.council",
    "dorf.backoffice",
    "dorf.waste",
    "dorf.events",
    "dorf.directory",
    "dorf.jobs",
]

MIDDLEWARE = [
    # Outermost: the metrics and the request log line cover every other middleware.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "dorf.core.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dorf.core.middleware.JsonErrorPagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dorf.core.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES: dict[str, Any] = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's PostgreSQL backend whose health check (SELECT 1 before a request reuses
        # a kept connection) runs only after the connection sat idle (dorf/core/database).
        DATABASES["default"]["ENGINE"] = "dorf.core.database"
        # The hot read paths' fixed SQL is prepared after this many runs on a connection
        # (dorf.core.database.prepared_cursor); "off" for a pooler that cannot keep
        # prepared statements (PgBouncer before 1.21 in transaction mode).
        _prepare = os.environ.get("DORF_DB_PREPARE_THRESHOLD", "5").strip().lower()
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
            None if _prepare in ("off", "none", "") else int(_prepare)
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DORF_SQLITE_PATH", str(BASE_DIR / "var" / "dorf.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A kept connection unused for longer than this is checked (SELECT 1) before its next
# query; one used more recently is trusted (dorf/core/database/base.py).
DORF_DB_HEALTH_CHECK_IDLE_S = float(os.environ.get("DORF_DB_HEALTH_CHECK_IDLE_S", "10"))

# --- Redis: channel layer, cache, Celery broker ------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
if REDIS_URL:
    CHANNEL_LAYERS: dict[str, Any] = {
        "default": {
            # The pub/sub layer fans out to large rooms with a lower tail latency than
            # the core layer (see docs/benchmarks.md). max_connections: redis-py's async
            # pool defaults to 100, which fails hundreds of simultaneous connects.
            "BACKEND": "dorf.core.channel_layer.ResyncingPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": 1000}],
                "prefix": os.environ.get("DORF_CHANNEL_PREFIX", "dorf"),
            },
        }
    }
    # Survives a Redis outage: reads miss, writes are dropped, throttles fail open, and
    # a warning is logged (dorf/core/cache.py). Short timeouts: a hanging Redis must not
    # hold every request for the default of minutes.
    CACHES: dict[str, Any] = {
        "default": {
            "BACKEND": "dorf.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DORF_CACHE_PREFIX", "dorf"),
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL) or "filesystem://"
# Without Redis the demo's worker with beat (scripts/run.sh) still runs the periodic
# schedule: beat and worker exchange their messages through files under var/celery/.
CELERY_BROKER_FOLDER = Path(
    os.environ.get("DORF_CELERY_BROKER_FOLDER", str(BASE_DIR / "var" / "celery"))
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
# Without a broker the demo runs background jobs inline, in the request that asks.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# The queue tasks go to and workers take from (tests and benchmarks that start their own
# worker on a shared Redis use one of their own).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/Berlin"
# The beat schedule is not listed here: every app declares its periodic tasks in its
# AppConfig (dorf.core.registry) and config/celery.py collects them.

# --- Notifications: e-mail and Web Push ------------------------------------------------
# Links in e-mails (address confirmation, password reset, unsubscribe) start with this.
DORF_PUBLIC_URL = os.environ.get("DORF_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Password reset links (Django's token generator) and address confirmation links expire.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("DORF_PASSWORD_RESET_TIMEOUT_S", str(60 * 60)))
DORF_EMAIL_CONFIRM_MAX_AGE_S = int(
    os.environ.get("DORF_EMAIL_CONFIRM_MAX_AGE_S", str(3 * 24 * 60 * 60))
)
# Web Push (VAPID, RFC 8292): `manage.py push_vapid_keys` prints a key pair. Without a
# private key nothing is pushed (the feed, the socket and e-mail still work).
DORF_VAPID_PRIVATE_KEY = os.environ.get("DORF_VAPID_PRIVATE_KEY", "")
DORF_VAPID_SUBJECT = os.environ.get("DORF_VAPID_SUBJECT", "mailto:admin@localhost")
DORF_PUSH_MAX_SUBSCRIPTIONS = int(os.environ.get("DORF_PUSH_MAX_SUBSCRIPTIONS", "10"))
DORF_PUSH_TIMEOUT_S = float(os.environ.get("DORF_PUSH_TIMEOUT_S", "10"))
DORF_PUSH_STALE_DAYS = int(os.environ.get("DORF_PUSH_STALE_DAYS", "90"))
# Push endpoints must be https URLs of public hosts (no server-side request forgery);
# only the tests' local fake push service needs this switched on.
DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS = env_bool("DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS")

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
DORF_TOKEN_TTL_DAYS = int(os.environ.get("DORF_TOKEN_TTL_DAYS", "30"))

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# dorf's messages, and its German for the libraries' messages ("du", not "Sie").
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "dorf" / "core" / "locale_libraries"]
TIME_ZONE = os.environ.get("DORF_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DORF_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Uploads are answered by dorf.core.media after an access check. Set to the reverse proxy's
# `internal` location (e.g. "/protected-media/") to let it send the bytes (X-Accel-Redirect);
# empty: Django streams the file itself (development, `make run`).
DORF_MEDIA_ACCEL_PREFIX = os.environ.get("DORF_MEDIA_ACCEL_PREFIX", "")

# --- Request limits ---------------------------------------------------------------------
# Bodies above this answer 413 before any view parses them.
DORF_MAX_BODY_BYTES = int(os.environ.get("DORF_MAX_BODY_BYTES", str(1024 * 1024)))
# One photo may have up to 10 MiB (a phone's full-size picture); a multipart body carries up
# to five of them (a problem report) and its form fields.
DORF_MAX_PHOTO_BYTES = int(os.environ.get("DORF_MAX_PHOTO_BYTES", str(10 * 1024 * 1024)))
DORF_MAX_UPLOAD_BYTES = int(
    os.environ.get("DORF_MAX_UPLOAD_BYTES", str(5 * DORF_MAX_PHOTO_BYTES + 1024 * 1024))
)
DATA_UPLOAD_MAX_MEMORY_SIZE = DORF_MAX_BODY_BYTES
# Larger files are spooled to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = DORF_MAX_PHOTO_BYTES

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dorf.users.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dorf.core.pagination.IdCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "dorf.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "dorf.core.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "dorf.core.throttling.UserThrottle",
        "dorf.core.throttling.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("DORF_THROTTLE_USER", "600/min"),
        "anon": os.environ.get("DORF_THROTTLE_ANON", "60/min"),
        "auth": os.environ.get("DORF_THROTTLE_AUTH", "10/min"),
    },
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON bodies only; a view that takes an upload names MultiPartParser itself. (The
    # Open311 endpoints are plain Django views and read the form bodies the standard posts.)
    "DEFAULT_PARSER_CLASSES": ["dorf.core.parsers.StrictJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # 0 (the default): the client address is REMOTE_ADDR and X-Forwarded-For is ignored.
    # (None would make DRF trust the raw header: one forged header per request would
    # give a client unlimited login attempts.)
    "NUM_PROXIES": int(os.environ.get("DORF_NUM_PROXIES", "0")),
}

SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "dorf API",
    "DESCRIPTION": (
        "Backend of a village community app and digital town hall: chat, help "
        "marketplace, clubs, time credits, neighbourhood parcel delivery, official news "
        "and warnings, the waste calendar, problem reports (Open311), appointments and "
        "room booking, jobs, local businesses, lost property, the village calendar, "
        "participation and the council's meetings (OParl)."
    ),
    "VERSION": "1.0.0",
    # 3.1: a nullable nested object is `oneOf: [{$ref}, {type: null}]`, which validators and
    # client generators read the same way (3.0's `nullable` beside `allOf` is ambiguous).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        # Two choice sets behind fields called "category": each gets its own name.
        "PostingCategoryEnum": "dorf.marketplace.models.PostingCategory",
        "LostFoundItemCategoryEnum": "dorf.lostfound.models.ItemCategory",
        "NotificationCategoryEnum": "dorf.notifications.models.Category",
        "ProposalCategoryEnum": "dorf.participation.models.ProposalCategory",
        "CalendarCategoryEnum": "dorf.calendar.sources.CalendarCategory",
        "PollKindEnum": "dorf.participation.models.PollKind",
        "DirectoryEntryCategoryEnum": "dorf.directory.models.EntryCategory",
        "JobPublisherKindEnum": "dorf.jobs.models.PublisherKind",
        "OpeningHoursStateEnum": "dorf.directory.hours.STATES",
    },
}

# --- Chat and the WebSocket ------------------------------------------------------------------
# Largest inbound frame, and the token bucket of frames per socket (burst, refill per second).
DORF_WS_MAX_FRAME_CHARS = int(os.environ.get("DORF_WS_MAX_FRAME_CHARS", str(16 * 1024)))
DORF_WS_RATE_BURST = int(os.environ.get("DORF_WS_RATE_BURST", "50"))
DORF_WS_RATE_PER_S = float(os.environ.get("DORF_WS_RATE_PER_S", "5.0"))
# Messages one member may send per window (seconds), over REST and the socket together.
DORF_CHAT_SEND_LIMIT = int(os.environ.get("DORF_CHAT_SEND_LIMIT", "30"))
DORF_CHAT_SEND_WINDOW_S = int(os.environ.get("DORF_CHAT_SEND_WINDOW_S", "10"))

# --- Geocoding ------------------------------------------------------------------------------
# "register": only the village's own address register. "nominatim": fall back to a
# Nominatim server through geopy (rate-limited, cached). "fake": tests.
DORF_GEOCODER = os.environ.get("DORF_GEOCODER", "register")
DORF_NOMINATIM_DOMAIN = os.environ.get("DORF_NOMINATIM_DOMAIN", "nominatim.openstreetmap.org")
DORF_NOMINATIM_SCHEME = os.environ.get("DORF_NOMINATIM_SCHEME", "https")
DORF_NOMINATIM_USER_AGENT = os.environ.get("DORF_NOMINATIM_USER_AGENT", "dorf-backend")
DORF_GEOCODER_MIN_DELAY_S = float(os.environ.get("DORF_GEOCODER_MIN_DELAY_S", "1.0"))

# --- Deliveries -----------------------------------------------------------------------------
# Road-network travel times from an OSRM server's table API (empty: geodesic distance x
# detour factor / speed per vehicle). The planner's time limit per planning run, and a
# switch for tests and benchmarks that want only the first (reproducible) solution.
DORF_OSRM_URL = os.environ.get("DORF_OSRM_URL", "")
DORF_PLANNING_TIME_LIMIT_S = float(os.environ.get("DORF_PLANNING_TIME_LIMIT_S", "5"))
DORF_PLANNING_FIRST_SOLUTION_ONLY = env_bool("DORF_PLANNING_FIRST_SOLUTION_ONLY")
# Handover rules: a pickup counts from this many minutes before the shift starts until
# as many after it ends, and a failed handover from as many before the stop's planned
# arrival (a volunteer may run a little early).
DORF_HANDOVER_TOLERANCE_MIN = int(os.environ.get("DORF_HANDOVER_TOLERANCE_MIN", "30"))

# --- E-mail -------------------------------------------------------------------------------
# Printed to the log unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DORF_FROM_EMAIL", "dorf@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Problem reports (Mängelmelder, Open311) ---------------------------------------------
DORF_REPORTS_PER_REPORTER_PER_HOUR = int(os.environ.get("DORF_REPORTS_PER_REPORTER_PER_HOUR", "10"))
DORF_OPEN311_CONTACT = os.environ.get(
    "DORF_OPEN311_CONTACT", "Rathaus, Bürgerservice — siehe Impressum der Gemeinde"
)
DORF_OPEN311_REQUESTS_PER_KEY_PER_HOUR = int(
    os.environ.get("DORF_OPEN311_REQUESTS_PER_KEY_PER_HOUR", "1000")
)

# Polled sources (news feeds, warning APIs): dorf.core.fetch. Private and loopback
# addresses are refused unless this is set (tests serve recorded files from 127.0.0.1).
DORF_FETCH_ALLOW_PRIVATE = env_bool("DORF_FETCH_ALLOW_PRIVATE", default=False)
DORF_FETCH_MAX_BYTES = int(os.environ.get("DORF_FETCH_MAX_BYTES", str(5 * 1024 * 1024)))
DORF_FETCH_TIMEOUT_S = float(os.environ.get("DORF_FETCH_TIMEOUT_S", "10"))
DORF_FETCH_USER_AGENT = os.environ.get(
    "DORF_FETCH_USER_AGENT", "dorf-backend (+https://dorf.example)"
)
# The Müllkalender's plan import (dorf.waste): a collection company's iCalendar or CSV
# file, uploaded or fetched. A real plan is a few hundred kilobytes at most.
DORF_WASTE_IMPORT_MAX_BYTES = int(os.environ.get("DORF_WASTE_IMPORT_MAX_BYTES", str(1024 * 1024)))
# Official warnings (dorf.warnings): the Bund's NINA API and, optionally, the DWD's CAP feed.
DORF_NINA_BASE_URL = os.environ.get("DORF_NINA_BASE_URL", "https://warnung.bund.de/api31").rstrip(
    "/"
)
DORF_DWD_CAP_URL = os.environ.get("DORF_DWD_CAP_URL", "")
# Where the printed digest's QR code points (the app or its web address).
DORF_APP_URL = os.environ.get("DORF_APP_URL", "https://dorf.example/app")


# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG and env_bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only (README, "Production"): redirect plain HTTP (except /healthz, which load
# balancers poll on the private network), and tell browsers to remember it (HSTS).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")

# "text": human-readable lines; "json": one JSON object per line (for a log collector).
# Either way dorf.core.observability writes one line per request on "dorf.request".
DORF_LOG_FORMAT = os.environ.get("DORF_LOG_FORMAT", "text")
if DORF_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("DORF_LOG_FORMAT is 'text' or 'json'.")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dorf.core.observability.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": DORF_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DORF_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Error reporting (optional): unhandled errors of requests and Celery tasks go to Sentry.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from dorf.core.observability import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# Prometheus metrics at /metrics: for this bearer token (the scraper) or a signed-in
# operator; without a token only operators. Nobody else learns the endpoint exists (404).
DORF_METRICS_TOKEN = os.environ.get("DORF_METRICS_TOKEN", "")
