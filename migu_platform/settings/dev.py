"""The one-machine profile used by `make run` (DEBUG=0), `make dev` (DEBUG=1) and `make test`."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool

MIGU_SETTINGS_PROFILE = "dev"
DEBUG = env_bool("DEBUG", True)
# Development only: a fixed key so sessions survive restarts. Production refuses to start without one.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"
# The hosts are base's in every mode (ALLOWED_HOSTS from the environment, else loopback names), DEBUG or not,
# as a deployment checks them.

# Static files are served by WhiteNoise straight from the finders (the apps' static/ folders, the Swagger UI
# sidecar, the project's static/), with DEBUG on or off: no collectstatic step that a fresh checkout must run
# first, and no copy under staticfiles/ that goes stale when a file changes. With DEBUG off WhiteNoise indexes
# the files once at start-up; with it on it looks them up on each request. Deployments collectstatic instead
# (Dockerfile), where the production profile does not use the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
