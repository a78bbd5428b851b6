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


def env_labels(name: str) -> dict[str, str]:
    labels = {}
    for item in env_list(name, []):
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ImproperlyConfigured(f"{name}: {item!r} is not key=value")
        labels[key.strip()] = value.strip()
    return labels


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
    "host",
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("BERTH_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
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
# The image of the short-lived helper that lists and reads a volume's files
# (read-only, no network): it needs `find` and `stat`. docker-compose.yml
# points it at Berth's own image, which is always on the engine.
BERTH_HELPER_IMAGE = env_str("BERTH_HELPER_IMAGE", "busybox:stable")
# `docker system df` (volume sizes, disk usage) is slow on big hosts, so beat
# computes it in the background this often; pages show the last figures.
BERTH_DISK_USAGE_INTERVAL = env_int("BERTH_DISK_USAGE_INTERVAL", 600)

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
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 4 * 3600,
    # Queueing a job from a web request fails fast when Redis is down, so the
    # page can say so instead of hanging.
    "max_retries": 0,
    "socket_connect_timeout": 2,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600

# Jobs and launches.
BERTH_JOB_HEARTBEAT_TIMEOUT = env_int("BERTH_JOB_HEARTBEAT_TIMEOUT", 60)
BERTH_JOB_QUEUE = env_str("BERTH_JOB_QUEUE", "celery")
BERTH_UPLOAD_DIR = Path(env_str("BERTH_UPLOAD_DIR", str(VAR_DIR / "uploads")))
BERTH_MAX_UPLOAD_MB = env_int("BERTH_MAX_UPLOAD_MB", 500)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
BERTH_CHECK_HOST_PORTS = env_bool("BERTH_CHECK_HOST_PORTS", True)
BERTH_DEFAULT_MEMORY_MB = env_int("BERTH_DEFAULT_MEMORY_MB", 1024)
BERTH_DEFAULT_CPUS = float(env_str("BERTH_DEFAULT_CPUS", "1"))
BERTH_DEFAULT_PIDS = env_int("BERTH_DEFAULT_PIDS", 1024)

# Launch policy, catalog and expiry (non-admins; admins are never limited).
# Registries images may come from ("docker.io,127.0.0.1:5000"; empty: any).
BERTH_ALLOWED_REGISTRIES = env_list("BERTH_ALLOWED_REGISTRIES", [])
# Host ports non-admins may publish, and the only address they publish on.
BERTH_PORT_RANGE = env_range("BERTH_PORT_RANGE", (20000, 29999))
BERTH_PUBLISH_IP = env_str("BERTH_PUBLISH_IP", "127.0.0.1")
# Labels put on every container and volume Berth creates ("key=value,...").
BERTH_LAUNCH_LABELS = env_labels("BERTH_LAUNCH_LABELS")
BERTH_MAX_TTL_HOURS = env_int("BERTH_MAX_TTL_HOURS", 14 * 24)
# How long an expired service's data volume is kept before it is removed.
BERTH_VOLUME_GRACE_HOURS = env_int("BERTH_VOLUME_GRACE_HOURS", 7 * 24)
BERTH_EXPIRE_EVERY = env_int("BERTH_EXPIRE_EVERY", 60)
# The audit view flags containers running longer than this.
BERTH_LONG_RUNNING_DAYS = env_int("BERTH_LONG_RUNNING_DAYS", 14)
# At most this many containers inspected per audit page load (the rest wait
# for a reload; what was read is cached for BERTH_INSPECT_CACHE_SECONDS).
BERTH_AUDIT_INSPECT_LIMIT = env_int("BERTH_AUDIT_INSPECT_LIMIT", 100)
BERTH_INSPECT_CACHE_SECONDS = env_int("BERTH_INSPECT_CACHE_SECONDS", 300)

CELERY_BEAT_SCHEDULE = {
    "reap-stale-jobs": {"task": "containers.tasks.reap_stale_jobs", "schedule": 30.0},
    "expire-services": {
        "task": "containers.tasks.expire_services",
        "schedule": float(BERTH_EXPIRE_EVERY),
    },
}

# Registry browser.
BERTH_REGISTRY_TIMEOUT = env_int("BERTH_REGISTRY_TIMEOUT", 10)
BERTH_REGISTRY_CATALOG_PAGE = env_int("BERTH_REGISTRY_CATALOG_PAGE", 100)
BERTH_REGISTRY_TAGS_PAGE = env_int("BERTH_REGISTRY_TAGS_PAGE", 20)
BERTH_DOCKER_HUB_API = env_str("BERTH_DOCKER_HUB_API", "https://hub.docker.com")
BERTH_DOCKER_HUB_REGISTRY = env_str(
    "BERTH_DOCKER_HUB_REGISTRY", "https://registry-1.docker.io"
)
BERTH_DOCKER_HUB_REALMS = env_list("BERTH_DOCKER_HUB_REALMS", ["auth.docker.io"])
# Periodic tasks (celery beat).
CELERY_BEAT_SCHEDULE |= {
    "refresh-disk-usage": {
        "task": "host.tasks.refresh_disk_usage",
        "schedule": float(BERTH_DISK_USAGE_INTERVAL),
    },
    "remove-stale-helpers": {
        "task": "host.tasks.remove_stale_helpers",
        "schedule": 300.0,
    },
}
