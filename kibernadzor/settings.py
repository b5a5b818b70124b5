"""Kibernadzor settings: everything that differs between machines comes from the environment.

The table of variables is in README.md ("Configuration"). With DEBUG off (the default) the
settings are production-safe and start-up refuses a missing SECRET_KEY; a bad variable stops
start-up with one line that names it.
"""

import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from kibernadzor import devenv

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; absent in CI and production images


def config_error(variable: str, problem: str) -> SystemExit:
    """A one-line start-up failure that names the variable at fault."""
    return SystemExit(f"Kibernadzor configuration error: {variable} {problem}")


def env_bool(variable: str, default: bool) -> bool:
    try:
        return env.bool(variable, default=default)
    except ValueError:
        raise config_error(variable, "must be true/false (1/0, yes/no)") from None


DEBUG = env_bool("DEBUG", False)
DEMO_MODE = env_bool("KBZ_DEMO", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise config_error("SECRET_KEY", "is not set; it is required when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-DEBUG"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # ArrayField of reporting.LinkFact, trigram search
    "rest_framework",
    "knox",
    # DRF's old clear-text tokens: only their migration history, until the upgrade drops them.
    "accounts.legacy_authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "accounts",
    "decisions",
    "organizations",
    "materials",
    "registry",
    "checks",
    "reporting",
    "orders",
    "evidence",
    "sources",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.SessionTimeoutMiddleware",
    # After OTPMiddleware and the session timeout: an unverified session reaches only the
    # second step (accounts.second_factor).
    "accounts.middleware.SecondFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last: it turns locked-out logins into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kibernadzor.urls"
WSGI_APPLICATION = "kibernadzor.wsgi.application"
ASGI_APPLICATION = "kibernadzor.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]


# Local state of make run / make test: the embedded PostgreSQL, the broker folder, the cache.
DATA_DIR = devenv.data_dir()


# --- Database -------------------------------------------------------------------------------
def database_from_env() -> dict:
    # Unset: the embedded PostgreSQL that `make run` / `make test` start (kibernadzor/devenv.py),
    # so that manage.py commands in another terminal reach the same database.
    url = env.str("DATABASE_URL", default="") or devenv.embedded_database_url()
    scheme = urlsplit(url).scheme
    if scheme.startswith("sqlite"):
        raise config_error(
            "DATABASE_URL",
            "names SQLite, which Kibernadzor does not run on: give a postgres:// URL, or unset it "
            "for the embedded PostgreSQL",
        )
    if scheme not in {"postgres", "postgresql", "pgsql"} or "://" not in url:
        raise config_error(
            "DATABASE_URL", "is malformed: expected postgres://user:password@host:5432/name"
        )
    try:
        config = env.db_url_config(url)
    except Exception as exc:  # django-environ raises several kinds on a bad URL
        raise config_error("DATABASE_URL", f"is malformed: {exc}") from None
    if not config.get("NAME"):
        raise config_error("DATABASE_URL", "names no database (…/name at the end)")
    # A Unix socket directory as the percent-encoded host (postgres://user@%2Fpath/name), as
    # libpq writes it: django-environ leaves the host encoded.
    config["HOST"] = unquote(config.get("HOST") or "")
    config["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# Without Redis, files in DATA_DIR/cache: every process of one machine (web workers, Celery)
# shares them, so API throttles count across processes as they do with Redis (a per-process
# LocMemCache would give each process its own count); no query per request, unlike the
# database cache. Several machines need REDIS_URL. The Redis cache fails open
# (kibernadzor/cache.py): while Redis is away, calls are served without it, logged.
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.5)
CACHES = {
    "default": (
        {
            "BACKEND": "kibernadzor.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env.str("CACHE_FOLDER", default=str(DATA_DIR / "cache")),
        }
    )
}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

# django-axes: lock a username after repeated failures from the same address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Lockouts are not in the admin: axes' own admin classes bypass the access policy (see
# accounts.checks). `manage.py axes_list_attempts` and `axes_reset_username USER` manage them.
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IP_HEADERS", default=["REMOTE_ADDR"]
)  # behind a proxy: e.g. HTTP_X_FORWARDED_FOR

# Second factor (TOTP, django-otp; accounts.second_factor): required for these roles and for
# superusers; others may enrol from their profile while KBZ_2FA_OPTIONAL is on.
KBZ_2FA_REQUIRED_ROLES = env.list(
    "KBZ_2FA_REQUIRED_ROLES", default=["prosecutor", "auditor", "admin"]
)
KBZ_2FA_OPTIONAL = env_bool("KBZ_2FA_OPTIONAL", True)
KBZ_2FA_RECOVERY_CODES = env.int("KBZ_2FA_RECOVERY_CODES", default=10)
OTP_TOTP_ISSUER = env.str("KBZ_2FA_ISSUER", default="Kibernadzor")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# A session unused for this long ends too (portal.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
# locale/vendor fills what Django's and third-party catalogues lack in kk (and a little in ru);
# listed second so the project's own catalogue wins, and makemessages never rewrites it.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "vendor"]
FORMAT_MODULE_PATH = ["kibernadzor.formats"]  # Kazakh date formats (Django has none)
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
KBZ_MATCH_MAX_BYTES = env.int("KBZ_MATCH_MAX_BYTES", default=50 * 1024 * 1024)
# How long after submitting a link an officer may withdraw their report (registry.withdrawal).
KBZ_WITHDRAW_WINDOW_MINUTES = env.int("KBZ_WITHDRAW_WINDOW_MINUTES", default=60)
# The office's Ed25519 signing key (orders.signing: the blocklist feed's signatures). Kept out
# of the repository; generated on first use only where KBZ_SIGNING_KEY_AUTOGENERATE is on (it
# follows DEBUG): in production make it once with `manage.py signing_key --generate`.
KBZ_SIGNING_KEY_FILE = env.path(
    "KBZ_SIGNING_KEY_FILE", default=DATA_DIR / "signing" / "office-ed25519.pem"
)
KBZ_SIGNING_KEY_AUTOGENERATE = env_bool("KBZ_SIGNING_KEY_AUTOGENERATE", DEBUG)
# Hostile uploads (utilities/uploads.py): what an uploaded archive, image or PDF may cost
# before it is refused, and how many heavy jobs (fingerprinting, workbook parsing) run at once.
KBZ_UPLOAD_MAX_UNCOMPRESSED = env.int("KBZ_UPLOAD_MAX_UNCOMPRESSED", default=100 * 1024 * 1024)
KBZ_UPLOAD_MAX_RATIO = env.int("KBZ_UPLOAD_MAX_RATIO", default=100)
KBZ_UPLOAD_MAX_PIXELS = env.int("KBZ_UPLOAD_MAX_PIXELS", default=50_000_000)
KBZ_UPLOAD_MAX_PDF_PAGES = env.int("KBZ_UPLOAD_MAX_PDF_PAGES", default=2000)
KBZ_HEAVY_JOB_SLOTS = env.int("KBZ_HEAVY_JOB_SLOTS", default=2)
KBZ_HEAVY_JOB_RETRY_AFTER = env.int("KBZ_HEAVY_JOB_RETRY_AFTER", default=10)

# Court-grade evidence (evidence/; README, "Evidence"). Files live in the "evidence" storage,
# content-addressed (evidence/<sha[:2]>/<sha>): under MEDIA_ROOT by default, or any
# S3-compatible store through django-storages (EVIDENCE_STORAGE_BACKEND=
# storages.backends.s3.S3Storage with EVIDENCE_S3_BUCKET, EVIDENCE_S3_ENDPOINT_URL, …).
EVIDENCE_ENABLED = env_bool("EVIDENCE_ENABLED", True)
_EVIDENCE_BACKEND = env.str(
    "EVIDENCE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
if _EVIDENCE_BACKEND.endswith("FileSystemStorage"):
    _EVIDENCE_OPTIONS = {"location": str(MEDIA_ROOT)}
elif _EVIDENCE_BACKEND == "storages.backends.s3.S3Storage":
    # Any S3-compatible store (AWS, MinIO, Ceph): the bucket should have versioning or object
    # lock on, so that not even the store's own administrators can rewrite a capture.
    _EVIDENCE_OPTIONS = {
        "bucket_name": env.str("EVIDENCE_S3_BUCKET"),
        "endpoint_url": env.str("EVIDENCE_S3_ENDPOINT_URL", default=None),
        "region_name": env.str("EVIDENCE_S3_REGION", default=None),
        "access_key": env.str("EVIDENCE_S3_ACCESS_KEY", default=None),
        "secret_key": env.str("EVIDENCE_S3_SECRET_KEY", default=None),
        "file_overwrite": False,
        "querystring_auth": True,
    }
else:
    _EVIDENCE_OPTIONS = {}
STORAGES["evidence"] = {"BACKEND": _EVIDENCE_BACKEND, "OPTIONS": _EVIDENCE_OPTIONS}
EVIDENCE_PER_HOST_RATE = env.float("EVIDENCE_PER_HOST_RATE", default=10.0)  # requests/s
EVIDENCE_MAX_RESOURCES = env.int("EVIDENCE_MAX_RESOURCES", default=50)  # subresources
EVIDENCE_MAX_TOTAL_BYTES = env.int("EVIDENCE_MAX_TOTAL_BYTES", default=25 * 1024 * 1024)
EVIDENCE_TIME_BUDGET = env.float("EVIDENCE_TIME_BUDGET", default=60.0)  # seconds to fetch
EVIDENCE_RENDER_TIMEOUT = env.float("EVIDENCE_RENDER_TIMEOUT", default=30.0)  # seconds
EVIDENCE_RENDER_SCRIPTS = env_bool("EVIDENCE_RENDER_SCRIPTS", False)
EVIDENCE_CHROMIUM = env.str("EVIDENCE_CHROMIUM", default="/usr/bin/chromium")
# Days the raw web archive (WACZ) of a capture is kept after it was taken; empty: for ever.
# Past it, evidence.tasks.prune_raw_archives removes the file (unless a capture still in its
# period holds the same bytes) and says so in the custody log; the rows, the manifest, its
# signature and timestamp, the screenshot, the PDF and the text are kept for ever.
EVIDENCE_RAW_RETENTION_DAYS = env.int("EVIDENCE_RAW_RETENTION_DAYS", default=None)
EVIDENCE_TASK_TIME_LIMIT = env.int("EVIDENCE_TASK_TIME_LIMIT", default=180)  # hard, seconds
# RFC 3161 timestamps of manifests: the authority's URL (empty: none), and the PEM file of
# the certificates that verify_evidence trusts for its tokens.
EVIDENCE_TSA_URL = env.str("EVIDENCE_TSA_URL", default="")
EVIDENCE_TSA_ROOTS = env.str("EVIDENCE_TSA_ROOTS", default="")
EVIDENCE_TSA_TIMEOUT = env.float("EVIDENCE_TSA_TIMEOUT", default=10.0)

KBZ_MATERIALS_IMPORT_MAX_BYTES = env.int("KBZ_MATERIALS_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
KBZ_MATERIALS_IMPORT_MAX_ROWS = env.int("KBZ_MATERIALS_IMPORT_MAX_ROWS", default=20_000)

# --- Security -------------------------------------------------------------------------------
# Content-Security-Policy (Django's own middleware): nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with every form
# POST, and CSRF protection refuses them. Nothing leaves for other sites either way.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None
    )
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SILENCED_SYSTEM_CHECKS = [] if env_bool("SECURE_HSTS_PRELOAD", False) else ["security.W021"]

# --- History --------------------------------------------------------------------------------
SIMPLE_HISTORY_REVERT_DISABLED = True  # history is read-only, in the admin too
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call gets 401 with a WWW-Authenticate header.
        "accounts.authentication.ApiTokenAuthentication",
        "accounts.authentication.VerifiedSessionAuthentication",
    ],
    # The token's scope first: a reports-only token reads reports and nothing else.
    "DEFAULT_PERMISSION_CLASSES": [
        "accounts.permissions.TokenScopePermission",
        "rest_framework.permissions.IsAuthenticated",
    ],
    # Per user (per address when anonymous); report endpoints also count in their own
    # "reports" scope, since each one aggregates over the whole registry.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_RATE_ANON", default="60/minute"),
        "user": env.str("API_RATE_USER", default="6000/minute"),
        "reports": env.str("API_RATE_REPORTS", default="300/minute"),
        "feed": env.str("API_RATE_FEED", default="120/minute"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "utilities.api.exception_handler",
}
# Request bodies Django reads into memory (DATA_UPLOAD_MAX_MEMORY_SIZE): a 10,000-URL batch of
# long URLs is about 3.2 MB; past the limit the API answers 413 (kibernadzor.outages). The
# reverse proxy's client_max_body_size (deploy/nginx/proxy.conf) must allow at least as much.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("KBZ_MAX_BODY_BYTES", default=10 * 1024 * 1024)
# Retry-After of the 503 answered while the database or the broker is away, seconds.
KBZ_OUTAGE_RETRY_AFTER = env.int("KBZ_OUTAGE_RETRY_AFTER", default=15)
# API tokens (django-rest-knox, accounts.ApiToken): only a digest of each key is stored; a key
# lives API_TOKEN_TTL_DAYS and is then refused. There is no "never expires": a key that leaked
# unnoticed stops working within the TTL, and a yearly rotation is a small cost for integrations.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=365)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be at least 1 (days).")
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model name, not a secret)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # integrations keep sending `Authorization: Token <key>`
}
# knox's own migrations create a table for its default token model, which ours replaces.
MIGRATION_MODULES = {"knox": None}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kibernadzor API",
    "DESCRIPTION": "Registers of banned organizations and materials, the link registry with "
    "deconfliction, automatic checks and reports. Authenticate with a session or "
    "`Authorization: Token <key>` (a named token from the profile page, or "
    "`manage.py issue_token USERNAME --name NAME`).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its UIs describe every endpoint: for logged-in users and full tokens only
    # (a reports-only token gets 403, like any endpoint outside its scope).
    "SERVE_PERMISSIONS": [
        "accounts.permissions.TokenScopePermission",
        "rest_framework.permissions.IsAuthenticated",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a "kind" or "status"; give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "accounts.choices.AgencyKind",
        "RegionKindEnum": "accounts.choices.RegionKind",
        "MaterialKindEnum": "materials.choices.MaterialKind",
        "FingerprintKindEnum": "materials.choices.FingerprintKind",
        "AliasKindEnum": "organizations.choices.AliasKind",
        "MaterialStatusEnum": "materials.choices.MaterialStatus",
        "OrganizationStatusEnum": "organizations.choices.OrganizationStatus",
        "SubmissionStatusEnum": "registry.choices.SubmissionStatus",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"  # inline tasks: nothing is sent anywhere
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 3

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

TESTING = "pytest" in sys.modules


# --- Link checks (checks app, docs/design.md §4.4) ----------------------------------------------
# Outbound fetching: the SSRF guard refuses private and loopback addresses unless a network is
# listed in CHECKER_ALLOW_NETWORKS (comma-separated CIDRs; tests use 127.0.0.1/32).
CHECKER_ALLOW_NETWORKS = env.list("CHECKER_ALLOW_NETWORKS", default=[])
CHECKER_PROXY = env.str("CHECKER_PROXY", default="") or None
CHECKER_USER_AGENT = env.str(
    "CHECKER_USER_AGENT", default="Mozilla/5.0 (compatible; KibernadzorChecker/1.0)"
)
CHECKER_CONCURRENCY = env.int("CHECKER_CONCURRENCY", default=20)
CHECKER_PER_HOST_RATE = env.float("CHECKER_PER_HOST_RATE", default=1.0)  # requests/s per host
# The per-host rate holds across every worker process (a row per host in PostgreSQL).
CHECKER_SHARED_HOST_RATE = env_bool("CHECKER_SHARED_HOST_RATE", True)
CHECKER_TOTAL_TIMEOUT = env.float("CHECKER_TOTAL_TIMEOUT", default=30.0)  # seconds per fetch
CHECKER_MAX_BODY_BYTES = env.int("CHECKER_MAX_BODY_BYTES", default=5 * 1024 * 1024)
CHECKER_CA_BUNDLE = env.str("CHECKER_CA_BUNDLE", default="") or None  # extra CAs (PEM)
# Re-check intervals by state, hours: links awaiting blocking often, blocked and removed links
# daily for reappearance, open cases in between; rejected links are not re-checked.
CHECKER_RECHECK_HOURS = {
    "awaiting": env.float("CHECKER_RECHECK_AWAITING_HOURS", default=1),
    "open": env.float("CHECKER_RECHECK_OPEN_HOURS", default=6),
    "closed": env.float("CHECKER_RECHECK_BLOCKED_HOURS", default=24),
}
CHECKER_RETRY_BASE_MINUTES = env.float("CHECKER_RETRY_BASE_MINUTES", default=5)
CHECKER_RETRY_MAX_HOURS = env.float("CHECKER_RETRY_MAX_HOURS", default=6)
CHECKER_BATCH_SIZE = env.int("CHECKER_BATCH_SIZE", default=50)  # links per task
CHECKER_DISPATCH_LIMIT = env.int("CHECKER_DISPATCH_LIMIT", default=2000)  # links per beat tick
# A dispatched link is due again after this lease if its task never ran (lost message).
CHECKER_DISPATCH_LEASE_MINUTES = env.float("CHECKER_DISPATCH_LEASE_MINUTES", default=15)
# A task renews the lease of the links it is fetching this often (seconds; 0: never).
CHECKER_LEASE_RENEW_SECONDS = env.float("CHECKER_LEASE_RENEW_SECONDS", default=30.0)
# Send the first check when a submission commits (make run: to its worker). Off with inline
# tasks (tests), so a web request never fetches: new links are then due at once and
# `manage.py check_links --due` runs them.
CHECKER_ENQUEUE_ON_COMMIT = env_bool("CHECKER_ENQUEUE_ON_COMMIT", not CELERY_TASK_ALWAYS_EAGER)
# Automatic captures are sent to the "evidence" queue when their transaction commits; off (the
# default with inline tasks) they wait as pending captures for the dispatcher (beat) or
# `manage.py take_captures`.
EVIDENCE_ENQUEUE_ON_COMMIT = env_bool("EVIDENCE_ENQUEUE_ON_COMMIT", not CELERY_TASK_ALWAYS_EAGER)
CHECKER_NOTIFY_EMAIL = env_bool("CHECKER_NOTIFY_EMAIL", False)  # also email agency officers
# Sending a check from a request fails fast: connect/socket timeout, seconds, no retries; after
# a failure sends stop for CHECKER_SEND_PAUSE_SECONDS (links stay due; beat sends them).
CHECKER_SEND_TIMEOUT = env.float("CHECKER_SEND_TIMEOUT", default=1.0)
CHECKER_SEND_PAUSE_SECONDS = env.float("CHECKER_SEND_PAUSE_SECONDS", default=30.0)

# --- Blocking orders (orders app) ----------------------------------------------------------------
# The links of a sent order are re-checked this often until found gone (the real time-to-block).
ORDER_RECHECK_MINUTES = env.float("ORDER_RECHECK_MINUTES", default=15)

# --- Watched sources (sources app; README "Watching sources") ------------------------------------
# Beat leases the due sources in batches of SOURCES_BATCH_SIZE every SOURCES_DISPATCH_SECONDS
# (at most SOURCES_DISPATCH_LIMIT a tick); a lease lasts SOURCES_LEASE_SECONDS. Each watch
# reads at most SOURCES_MAX_PAGES pages of at most SOURCES_MAX_BYTES each and
# SOURCES_MAX_ITEMS items, within SOURCES_WATCH_SECONDS; a source answering 404/410
# SOURCES_GONE_AFTER times in a row is marked gone. New items' images: at most
# SOURCES_MEDIA_PER_WATCH per watch, SOURCES_MEDIA_BYTES each (PDQ matching).
SOURCES_DISPATCH_SECONDS = env.float("SOURCES_DISPATCH_SECONDS", default=60.0)
SOURCES_BATCH_SIZE = env.int("SOURCES_BATCH_SIZE", default=50)
SOURCES_DISPATCH_LIMIT = env.int("SOURCES_DISPATCH_LIMIT", default=5000)
SOURCES_LEASE_SECONDS = env.float("SOURCES_LEASE_SECONDS", default=900.0)
SOURCES_MAX_PAGES = env.int("SOURCES_MAX_PAGES", default=5)
SOURCES_MAX_BYTES = env.int("SOURCES_MAX_BYTES", default=5 * 1024 * 1024)
SOURCES_MAX_ITEMS = env.int("SOURCES_MAX_ITEMS", default=1000)
SOURCES_WATCH_SECONDS = env.float("SOURCES_WATCH_SECONDS", default=120.0)
SOURCES_GONE_AFTER = env.int("SOURCES_GONE_AFTER", default=3)
SOURCES_RETRY_MAX_HOURS = env.float("SOURCES_RETRY_MAX_HOURS", default=24.0)
SOURCES_MEDIA_PER_WATCH = env.int("SOURCES_MEDIA_PER_WATCH", default=20)
SOURCES_MEDIA_BYTES = env.int("SOURCES_MEDIA_BYTES", default=2 * 1024 * 1024)

# --- Email (Django 6.1's MAILERS; the EMAIL_* settings are deprecated) ---------------------------
# SMTP to EMAIL_HOST (a local MTA, localhost, by default; port 25, 587 with TLS, 465 with SSL).
# With DEBUG on and no EMAIL_HOST, mail is printed to the console instead.
if env_bool("EMAIL_USE_TLS", False) and env_bool("EMAIL_USE_SSL", False):
    raise config_error("EMAIL_USE_TLS", "and EMAIL_USE_SSL exclude each other; set one")
if DEBUG and not env.str("EMAIL_HOST", default=""):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env.str("EMAIL_HOST", default="") or "localhost",
                "port": env.int("EMAIL_PORT", default=0) or None,
                "username": env.str("EMAIL_HOST_USER", default=""),
                "password": env.str("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "timeout": env.float("EMAIL_TIMEOUT", default=10.0),
            },
        }
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kibernadzor@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Queues: first checks of new links go to "checks.new", re-checks to "checks.recheck". A worker
# started without -Q consumes both, "checks.new" first (Redis: queue_order_strategy=priority),
# so re-checks never starve new links; a dedicated worker per queue scales them apart.
CELERY_TASK_QUEUES = (
    Queue("checks.new", routing_key="checks.new"),
    Queue("checks.recheck", routing_key="checks.recheck"),
    Queue("celery", routing_key="celery"),
    Queue("evidence", routing_key="evidence"),
)
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "checks.tasks.check_links": {"queue": "checks.recheck"},
    "checks.tasks.dispatch_due": {"queue": "checks.new"},
    "evidence.tasks.take_capture": {"queue": "evidence"},
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "queue_order_strategy": "priority",
        "visibility_timeout": 3600,  # unacknowledged tasks are redelivered after an hour
    }
elif CELERY_BROKER_URL.startswith("filesystem://"):
    # make run without Redis: kombu's filesystem transport, one file per message (README,
    # "Broker without Redis"). Producers and consumers share the one "queue" folder.
    _BROKER_FOLDER = Path(env.str("CELERY_BROKER_FOLDER", default=str(DATA_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_FOLDER / "queue"),
        "data_folder_out": str(_BROKER_FOLDER / "queue"),
        "control_folder": str(_BROKER_FOLDER / "control"),
        "processed_folder": str(_BROKER_FOLDER / "processed"),
        "polling_interval": 0.5,
    }
CELERY_BEAT_SCHEDULE = {
    "checks-dispatch-due": {
        "task": "checks.tasks.dispatch_due",
        "schedule": env.float("CHECKER_DISPATCH_SECONDS", default=60.0),
        "options": {"expires": 55},
    },
    # Captures still pending (the queue was unreachable when they were asked for).
    "evidence-dispatch-pending": {
        "task": "evidence.tasks.dispatch_pending",
        "schedule": env.float("EVIDENCE_DISPATCH_SECONDS", default=120.0),
        "options": {"expires": 110},
    },
    "evidence-prune-raw-archives": {
        "task": "evidence.tasks.prune_raw_archives",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600},
    },
    # Reports refresh changed links' facts themselves; this keeps that off their requests.
    "reporting-refresh-facts": {
        "task": "reporting.tasks.refresh_facts",
        "schedule": env.float("REPORTS_REFRESH_SECONDS", default=60.0),
        "options": {"expires": 55},
    },
    # Blocking orders' deadline clocks (orders.tasks): the links of sent orders are made due
    # every ORDER_RECHECK_MINUTES (dispatch_due sends them); overdue links are escalated.
    "orders-bring-forward-rechecks": {
        "task": "orders.tasks.bring_forward_rechecks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Watched sources (sources.tasks): the due ones leased in batches, one watch task each.
    "sources-dispatch-due": {
        "task": "sources.tasks.dispatch_due",
        "schedule": SOURCES_DISPATCH_SECONDS,
        "options": {"expires": max(SOURCES_DISPATCH_SECONDS - 5, 5)},
    },
    "orders-escalate-overdue": {
        "task": "orders.tasks.escalate_overdue",
        "schedule": env.float("ORDER_ESCALATE_SECONDS", default=300.0),
        "options": {"expires": 240},
    },
}
