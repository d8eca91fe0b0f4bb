"""Settings shared by every environment.

Everything a deployment changes comes from the environment, with safe local defaults:
DATABASE_URL (SQLite under var/), CELERY_BROKER_URL (the embedded Redis under var/redis/),
SECRET_KEY, DEBUG, ALLOWED_HOSTS, MODERATION_API_KEY / MODERATION_API_SECRET.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-only-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_htmx",
    "template_partials",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    # /api/v2/ (JWT, no cookies) goes straight to its view from here; the rest is for the dashboard and admin.
    "reviews.api.middleware.ApiShortcutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# API routes have no trailing slash; a 301 would look like success to Stream's SDK.
APPEND_SLASH = False

ROOT_URLCONF = "moderation_site.urls"
WSGI_APPLICATION = "moderation_site.wsgi.application"
ASGI_APPLICATION = "moderation_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]


def database_config(url: str) -> dict:
    config = dj_database_url.parse(url)
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # IMMEDIATE transactions avoid lock-upgrade deadlocks between the web and worker processes;
        # WAL lets readers proceed while one writer commits.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif engine in {"django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"}:
        # psycopg 3 connection pool (Django >= 5.1); persistent connections must be off with a pool.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "pool": {
                "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
                "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "10")),
                "timeout": 10,
            }
        }
    return config


VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Loads the login's dashboard role and EndUser identity in the same query as the user (reviews/backends.py).
AUTHENTICATION_BACKENDS = ["reviews.backends.DashboardBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reviews:queue"
LOGOUT_REDIRECT_URL = "login"

# --- Celery -------------------------------------------------------------------------------------
# Unset: the embedded broker, a private redis-server on a unix socket under VAR_DIR that `manage.py serve`
# (make run) starts and supervises (moderation_site/broker.py). Production: its own redis://.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or f"redis+socket://{VAR_DIR / 'redis' / 'redis.sock'}"
# Progress and results live on the Task model, so Celery needs no result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One queue name per deployment sharing a Redis (integration tests use their own).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "expire-moderation-state": {"task": "reviews.tasks.sweep_expired_task", "schedule": 60.0},
    # Commits kick the relay at once; this only wakes retries that are due and events left while the broker
    # was down.
    "relay-events": {"task": "reviews.tasks.relay_events_task", "schedule": 10.0},
}

# --- Moderation -----------------------------------------------------------------------------------
MODERATION_API_KEY = os.environ.get("MODERATION_API_KEY", "")
MODERATION_API_SECRET = os.environ.get("MODERATION_API_SECRET", "")
# A claimed queue item stays with its moderator this long unless they act or release it.
MODERATION_LOCK_SECONDS = int(os.environ.get("MODERATION_LOCK_SECONDS", "300"))
# Stream's documented default: an IP ban without a timeout lasts 30 days.
MODERATION_IP_BAN_DEFAULT_MINUTES = 30 * 24 * 60
# Webhook targets on private/loopback addresses are refused (SSRF) unless this is set; DEBUG (make run) sets it.
MODERATION_WEBHOOK_ALLOW_PRIVATE = env_bool("MODERATION_WEBHOOK_ALLOW_PRIVATE", DEBUG)
# Bulk user tasks commit (and report progress) every this many users.
MODERATION_BULK_CHUNK_SIZE = int(os.environ.get("MODERATION_BULK_CHUNK_SIZE", "1000"))
# The expiry sweep drains a backlog over this many PostgreSQL connections at once (its time is database CPU).
MODERATION_SWEEP_CONNECTIONS = int(os.environ.get("MODERATION_SWEEP_CONNECTIONS", "2"))
# A pending/running bulk task whose progress has not moved for this long is re-enqueued (its worker died).
MODERATION_TASK_STALE_SECONDS = int(os.environ.get("MODERATION_TASK_STALE_SECONDS", "60"))
# Optional external AI-text labeller (docs/policies.md): POST {"texts": [...]} -> {"labels": [{label, severity}]}.
MODERATION_AI_TEXT_URL = os.environ.get("MODERATION_AI_TEXT_URL", "")
MODERATION_AI_TEXT_TIMEOUT = float(os.environ.get("MODERATION_AI_TEXT_TIMEOUT", "0.5"))
MODERATION_AI_TEXT_LABELS = env_list("MODERATION_AI_TEXT_LABELS", [])  # labels it adds to the built-in ones
MODERATION_AI_TEXT_BREAKER_FAILURES = int(os.environ.get("MODERATION_AI_TEXT_BREAKER_FAILURES", "5"))
MODERATION_AI_TEXT_BREAKER_SECONDS = float(os.environ.get("MODERATION_AI_TEXT_BREAKER_SECONDS", "30"))
# API rate limit per caller (api key + user) and window; counted in the cache below, so every process shares it.
MODERATION_API_RATE_LIMIT = int(os.environ.get("MODERATION_API_RATE_LIMIT", "10000"))
MODERATION_API_RATE_WINDOW = int(os.environ.get("MODERATION_API_RATE_WINDOW", "60"))
# Each web process caches active API keys this long; a key deactivated elsewhere is refused within this time.
MODERATION_API_KEY_CACHE_SECONDS = float(os.environ.get("MODERATION_API_KEY_CACHE_SECONDS", "10"))
# Reverse proxies in front of the app whose X-Forwarded-For entries are trusted (0: use REMOTE_ADDR).
MODERATION_TRUSTED_PROXIES = int(os.environ.get("MODERATION_TRUSTED_PROXIES", "0"))

# --- Cache (API rate limits, sessions) --------------------------------------------------------------------
# Redis when configured (rate limits must be shared by every web process); locmem for one local process.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or ""
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# With a shared cache, sessions are read from it (written through to the database): one query less a page.
if CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
