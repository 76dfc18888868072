"""Settings for shequ, read from the environment.

Two modes:
- embedded (default): SQLite under ``var/``, keys generated into ``var/`` on first run (with a warning),
  tasks inline when no broker is configured.
- production (``SHEQU_MODE=production``): every secret must come from the environment or a key file;
  nothing is generated, DEBUG is off, hosts must be listed.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from shequ.core import keyfiles

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SHEQU_VAR_DIR", PROJECT_DIR / "var")).resolve()

MODE = os.environ.get("SHEQU_MODE", "embedded")
PRODUCTION = MODE == "production"
TESTING = os.environ.get("SHEQU_TESTING") == "1"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_bool("SHEQU_DEBUG", False) and not PRODUCTION

SECRET_KEY = keyfiles.secret_key(VAR_DIR, production=PRODUCTION)
# Data-encryption key ring (ids → keys) and blind-index key; see shequ.core.crypto.
SHEQU_DATA_KEYS = keyfiles.data_keys(VAR_DIR, production=PRODUCTION)
# "aes-256-gcm" (default) or "sm4-gcm" for new ciphertexts; "hmac-sha256" or "hmac-sm3" for blind indexes.
SHEQU_CIPHER = os.environ.get("SHEQU_CIPHER", "aes-256-gcm")
SHEQU_BLIND_INDEX = os.environ.get("SHEQU_BLIND_INDEX", "hmac-sha256")

ALLOWED_HOSTS = _env_list(
    "SHEQU_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = _env_list("SHEQU_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "ninja",
    # Our apps, in layer order (see docs/architecture.md): each imports only from those above it.
    "shequ.core",
    "shequ.territory",
    "shequ.accounts",
    "shequ.registry",
    "shequ.cases",
    "shequ.facilities",
    "shequ.workforce",
    "shequ.participation",
    "shequ.organizations",
    "shequ.volunteering",
    "shequ.care",
    "shequ.emergency",
    "shequ.indicators",
    "shequ.web",
    "shequ.demo",
    "shequ.core.admin_site.ShequAdminConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who and from where, for the audit trail of everything below (the user is read lazily).
    "shequ.core.middleware.RequestContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shequ.accounts.middleware.IdleTimeoutMiddleware",
    "shequ.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a failed attempt seen by any view is counted.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shequ.urls"
WSGI_APPLICATION = "shequ.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shequ.web.context_processors.shell",
            ],
            "string_if_invalid": "" if not TESTING else "!!MISSING:%s!!",
        },
    }
]

# --- Database ---------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shequ.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE avoids upgrade deadlocks.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "shequ.accounts.backends.StaffBackend",
    "shequ.accounts.backends.ResidentBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_URL_PATH = "/accounts/login/"
# 等保 8.1.4.1: a session left alone this long is signed out.
SHEQU_IDLE_MINUTES = int(os.environ.get("SHEQU_IDLE_MINUTES", "30"))
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout (等保 8.1.4.1): after 5 failures for one username from one address, 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("SHEQU_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("SHEQU_LOCKOUT_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shequ.accounts.views.lockout_response"
AXES_USERNAME_CALLABLE = "shequ.accounts.lockout.username_from"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "shequ.core.middleware.client_ip"
# Addresses of our own reverse proxies, whose X-Real-IP header is believed.
SHEQU_TRUSTED_PROXIES = frozenset(_env_list("SHEQU_TRUSTED_PROXIES", "127.0.0.1,::1"))

OTP_TOTP_ISSUER = "shequ"

SESSION_COOKIE_AGE = int(os.environ.get("SHEQU_SESSION_SECONDS", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool("SHEQU_SECURE_COOKIES", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Oversized bodies answer 400 with a clear message (shequ.web.views.bad_request).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("SHEQU_MAX_BODY_BYTES", str(5 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SHEQU_IMPORT_MAX_BYTES = int(os.environ.get("SHEQU_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
# Photos on cases: larger uploads are refused by size before decoding (cases/actions/photos.py).
SHEQU_PHOTO_MAX_BYTES = int(os.environ.get("SHEQU_PHOTO_MAX_BYTES", str(15 * 1024 * 1024)))
SHEQU_MAP_TILE_URL = os.environ.get(
    "SHEQU_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
SHEQU_MAP_TILE_ATTRIBUTION = os.environ.get("SHEQU_MAP_TILE_ATTRIBUTION", "© OpenStreetMap")

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Background work --------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# Without a broker, tasks run inline (after commit) and `shequ serve` runs the periodic jobs.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("SHEQU_CACHE_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["SHEQU_CACHE_URL"],
    }

# --- Notifications ----------------------------------------------------------------------------
# SMS backend: "console" (prints to the server log, masked number), "database" (log only) or "http".
SHEQU_SMS_BACKEND = os.environ.get("SHEQU_SMS_BACKEND", "console" if not PRODUCTION else "http")
SHEQU_SMS_GATEWAY_URL = os.environ.get("SHEQU_SMS_GATEWAY_URL", "")
SHEQU_SMS_GATEWAY_TOKEN = os.environ.get("SHEQU_SMS_GATEWAY_TOKEN", "")
SHEQU_SMS_TEMPLATE = os.environ.get("SHEQU_SMS_TEMPLATE", '{"to": "{phone}", "text": "{text}"}')
EMAIL_BACKEND = os.environ.get(
    "SHEQU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("SHEQU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SHEQU_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SHEQU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SHEQU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("SHEQU_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("SHEQU_EMAIL_FROM", "shequ@localhost")
# Absolute links in e-mail and SMS (e.g. https://shequ.example.gov.cn); relative when empty.
SHEQU_BASE_URL = os.environ.get("SHEQU_BASE_URL", "")

# --- Audit ------------------------------------------------------------------------------------
# Cybersecurity Law Art. 21 / 等保 8.1.4.3: keep at least 180 days. Lower values are raised to 180.
SHEQU_AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("SHEQU_AUDIT_RETENTION_DAYS", "365")))

# --- Logging: never log request bodies or sensitive values -------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEQU_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    AXES_ENABLED = True
CSRF_FAILURE_VIEW = "shequ.web.views.csrf_failure"
