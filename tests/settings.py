"""Settings for the test suite: the real ones, with a test Redis database."""

from __future__ import annotations

import os

from console.settings import *  # noqa: F403
from console.settings import CHANNEL_LAYERS, VAR_DIR, channel_layer_host

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
if REDIS_URL.endswith("/0"):
    # Never share database 0 with a console running on the same machine.
    REDIS_URL = REDIS_URL[:-2] + "/15"
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [channel_layer_host(REDIS_URL)]
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL

# Fast hashing: tests log in a lot; the real hasher is not what is under test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)

# The volume browser's helper: the suite's own static busybox (nothing is
# pulled on the test machines).
BERTH_HELPER_IMAGE = "berth-test/busybox:latest"
