"""Settings read from the environment; one file for every deployment.

`RCM_ENV=production` switches on the deployment checklist (HTTPS-only cookies,
HSTS, a required SECRET_KEY). Without DATABASE_URL the embedded PostgreSQL from
`pgserver` is used; without REDIS_URL Celery tasks run in process.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """Read `NAME`, or the contents of the file named by `NAME_FILE` (for Docker secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = env(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


RCM_ENV = (env("RCM_ENV", "development") or "development").lower()
if RCM_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"RCM_ENV must be 'development' or 'production', got {RCM_ENV!r}")
PRODUCTION = RCM_ENV == "production"

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when RCM_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-change-me-" + "x" * 32
elif PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with 5 distinct ones")

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = [h.strip() for h in (env("ALLOWED_HOSTS", "" if PRODUCTION else "*") or "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()]

INSTALLED_APPS = [
    "rcm.apps.RcmAdminConfig",  # django.contrib.admin, for platform administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "rcm",
    "billing",
    "coding",
    "claims",
    "payments",
    "interop",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rcm.middleware.SessionPolicyMiddleware",
    "rcm.mfa.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "rcm.rls.RlsMiddleware",
    "rcm.tenancy.PracticeMiddleware",
    "rcm.middleware.NoStoreMiddleware",
    "rcm.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "rcm.urls"
WSGI_APPLICATION = "rcm.wsgi.application"
ASGI_APPLICATION = "rcm.asgi.application"

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
                "rcm.tenancy.practice_context",
            ],
        },
    }
]

# --- Database: PostgreSQL only ---------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured("DATABASE_URL must be a PostgreSQL URL (postgres://...); no other engine is supported")
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "rcm.db.embedded",
            "NAME": env("RCM_EMBEDDED_DB", "rcm"),
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "CONN_MAX_AGE": 0,
        }
    }
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Row-level security (rcm/rls.py): policies are always installed by migrate; RCM_DB_RLS (on unless set to false)
# makes requests and tasks run as the application role, which the policies bind.
RCM_DB_APP_ROLE = env("RCM_DB_APP_ROLE", "rcm_app") or "rcm_app"
RCM_DB_RLS = env_bool("RCM_DB_RLS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# django-axes first: it refuses a locked-out username before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("RCM_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("RCM_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account, whatever address the guesses come from
# axes.W006 wants the IP address in the lock too; a practice behind one NAT address would then be locked out
# together by a few typos. Per-address rate limits belong to the TLS proxy in front.
# otp_webauthn.E010/E030 want a fixed relying-party id and origin list; rcm.mfa_webauthn derives both from the
# request's host, which ALLOWED_HOSTS has already checked (RCM_WEBAUTHN_RP_ID / RCM_WEBAUTHN_ORIGINS pin them).
SILENCED_SYSTEM_CHECKS = ["axes.W006", "otp_webauthn.E010", "otp_webauthn.E030"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Every user signs in with a second factor (TOTP, django-otp); see rcm/mfa.py.
RCM_MFA_REQUIRED = env_bool("RCM_MFA_REQUIRED", True)
OTP_TOTP_ISSUER = "RCM"
# Security keys and passkeys (rcm/mfa_webauthn.py): a second factor only, never a way round the password.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "rcm.mfa_webauthn.RcmWebAuthnHelper"
OTP_WEBAUTHN_RP_NAME = "RCM"
RCM_WEBAUTHN_RP_ID = env("RCM_WEBAUTHN_RP_ID") or ""  # default: the request's host
RCM_WEBAUTHN_ORIGINS = [o for o in (env("RCM_WEBAUTHN_ORIGINS") or "").split(",") if o]  # default: the request's origin
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "America/New_York")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION  # gunicorn serves static files without collectstatic in development
# Uploaded and generated files (X12, PDFs) live outside the web root and are served only through views.
MEDIA_ROOT = Path(env("RCM_FILES_DIR", str(BASE_DIR / "var" / "files")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Every upload passes rcm/uploads.py: the capped handler stops reading past RCM_UPLOAD_MAX_BYTES (10 MB).
RCM_UPLOAD_MAX_BYTES = env_int("RCM_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "rcm.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rcm.authentication.ScopedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "rcm.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RCM API",
    "DESCRIPTION": "Practice-scoped API for coding, billing, claims and payments. Every object belongs to a practice; "
    "objects of practices you are not a member of answer 404.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"SexEnum": "billing.models.Sex", "RelationshipEnum": "billing.models.Relationship"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "rcm.api_schema.document_errors"],
}

# --- Celery ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No Redis: the demo runs tasks in process, right after the enqueueing transaction commits.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Redis re-delivers an unacknowledged task after the visibility timeout: keep it above any task's time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Automatic logoff: idle timeout and an absolute limit (rcm.middleware.SessionPolicyMiddleware).
RCM_SESSION_IDLE_SECONDS = env_int("RCM_SESSION_IDLE_MINUTES", 15) * 60
RCM_SESSION_MAX_SECONDS = env_int("RCM_SESSION_MAX_HOURS", 12) * 3600
if RCM_SESSION_IDLE_SECONDS <= 0 or RCM_SESSION_MAX_SECONDS <= 0:
    raise ImproperlyConfigured("RCM_SESSION_IDLE_MINUTES and RCM_SESSION_MAX_HOURS must be positive")
SESSION_COOKIE_AGE = RCM_SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Scripts only from our static files; style attributes are allowed (htmx adds its indicator style).
RCM_CSP = env("RCM_CSP", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
              "frame-ancestors 'none'")
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; kept default for forms
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: Secure, path /, no Domain — a sibling subdomain cannot set or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP on loopback
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging: no PHI in logs (we log ids, never names or note text) ------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pgserver": {"level": "WARNING"}},
}

# Audit events are written by PostgreSQL triggers (bulk updates and raw SQL included) and never edited.
PGHISTORY_APPEND_ONLY = True
