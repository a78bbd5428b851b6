"""Berth settings: every knob comes from an environment variable.

The README has a table of them. Helpers below fail loudly on a bad value so a
typo in the environment stops the process instead of being silently ignored.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BERTH_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_range(name: str, default: tuple[int, int]) -> tuple[int, int]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        low, high = (int(part) for part in raw.replace("–", "-").split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a port range like 20000-29999"
        ) from None
    if not 1 <= low <= high <= 65535:
        raise ImproperlyConfigured(f"{name}={raw!r} must lie within 1-65535, low first")
    return low, high


def load_secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key


SECRET_KEY = load_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if "*" in ALLOWED_HOSTS:
    # AllowedHostsOriginValidator trusts every Origin when hosts are "*", which
    # would open the websockets to cross-site hijacking.
    raise ImproperlyConfigured("ALLOWED_HOSTS must list host names, not '*'")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "template_partials",
    "console",
    "containers",
    "registry_browser",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.middleware.EngineUnavailableMiddleware",
]

ROOT_URLCONF = "console.urls"
ASGI_APPLICATION = "console.asgi.application"

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
                "console.context_processors.berth",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'berth.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers up front, so the audit chain's
    # "read the last hash, write the next" cannot interleave; WAL lets the web,
    # worker and watcher processes read while one of them writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {
        "NAME": env_str("BERTH_TEST_DB", str(VAR_DIR / "test.sqlite3"))
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "containers:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True

# Security headers; cookies are Secure when served over HTTPS (BERTH_HTTPS).
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
HTTPS = env_bool("BERTH_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)

# Redis: Celery broker and result store, Channels layer.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")


def channel_layer_host(url: str) -> dict[str, object]:
    # redis-py 8 gives every socket a 5 s read timeout by default, exactly
    # channels_redis's 5 s blocking pop on an idle socket's channel: the two
    # race and idle consumers die with "Timeout reading from Redis" (1011).
    return {"address": url, "socket_timeout": 30}


CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [channel_layer_host(REDIS_URL)],
            "capacity": 1000,
            "expiry": 30,
        },
    }
}

# Docker engine.
DOCKER_HOST = env_str("DOCKER_HOST", "unix:///var/run/docker.sock")
DOCKER_TIMEOUT = env_int("BERTH_DOCKER_TIMEOUT", 30)

# Console behaviour.
BERTH_PAGE_SIZE = env_int("BERTH_PAGE_SIZE", 50)

# Live features: threads for blocking engine reads (one per open log, stats or
# events stream in a web process), the default log tail, how many lines a
# log viewer may fall behind before it is told "N lines skipped", and how
# many containers the list's CPU/memory sampler reads at once.
BERTH_STREAM_THREADS = env_int("BERTH_STREAM_THREADS", 256)
BERTH_LOG_TAIL = env_int("BERTH_LOG_TAIL", 500)
BERTH_LOG_VIEWER_BUFFER = env_int("BERTH_LOG_VIEWER_BUFFER", 5000)
BERTH_STATS_CONCURRENCY = env_int("BERTH_STATS_CONCURRENCY", 8)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

# Celery: long jobs must survive a worker's death and never run twice by
# accident (acks_late + prefetch 1 + a visibility timeout above the hard limit).
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("BERTH_JOB_SOFT_LIMIT", 3300)
CELERY_TASK_TIME_LIMIT = env_int("BERTH_JOB_HARD_LIMIT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
