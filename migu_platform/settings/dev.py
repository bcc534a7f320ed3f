"""The one-machine profile used by `make run` and `make test`."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool

DEBUG = env_bool("DEBUG", True)
# Development only: a fixed key so sessions survive restarts. Production refuses to start without one.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"
ALLOWED_HOSTS = ["*"]
# Serve static files straight from the apps in development (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
