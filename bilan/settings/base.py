"""Settings for every environment, driven by environment variables.

With nothing set, Bilan runs its embedded default: SQLite in ``var/``, emails on the console and
Celery tasks executed in-process. Set ``DATABASE_URL`` and ``REDIS_URL`` for PostgreSQL and a real
Celery worker on Redis.
"""

import re
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from bilan.settings.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("BILAN_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# The embedded default (no SECRET_KEY) is for a local demo only; check --deploy refuses it.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-demo-only-never-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The site's name in e-mails (allauth's "current_site" would be the request's host otherwise).
SITE_NAME = env_str("SITE_NAME", "Bilan")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "bilan.core",
    "beneficiaires",
    "seances",
    "syntheses",
    "relances",
    "enquetes",
    "exploration",
    "qualiopi",
    "espaces",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bilan.core.middleware.StaffMFARequiredMiddleware",
    "bilan.core.middleware.TenantMiddleware",
]

ROOT_URLCONF = "bilan.urls"
WSGI_APPLICATION = "bilan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bilan.core.context_processors.tenancy",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("DB_CONN_MAX_AGE", 60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default keeps its database in DATA_DIR; a fresh clone has no such folder yet.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Writers take the lock when their transaction begins (BEGIN IMMEDIATE) and wait for it up to
    # 20 s: two requests that read then write (autosave and the save button) queue up instead
    # of failing with "database is locked" when the first reader upgrades to a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
USES_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# The role web, worker and beat connect as: not the tables' owner, not superuser, no BYPASSRLS.
# Migrations run as the owner (MIGRATE_DATABASE_URL in docker-compose) and grant it data rights.
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "bilan_app")
if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", DATABASE_APP_ROLE):
    raise ImproperlyConfigured("DATABASE_APP_ROLE : nom de rôle PostgreSQL invalide.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss"})
if REDIS_URL:
    # Redis down must not lock everyone out: the cache (allauth's rate limits, used TOTP codes)
    # then falls back to a local-memory cache per process (bilan.core.cache).
    CACHES = {
        "default": {
            "BACKEND": "bilan.core.cache.RedisCacheSecours",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "bilan"),
        }
    }
else:
    # allauth's rate limits need a real cache: the local-memory one works in one process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND: str | None = None
# Without Redis (embedded default) tasks run in-process, so a demo still sends its emails.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues by kind of work, each with its own workers (docker-compose.yml), so that a long export
# or a PDF never delays a reminder (issue 16). "celery" (the default) keeps the maintenance
# jobs. Convention for new tasks: ``<app>.tasks.pdf_*`` render documents, ``<app>.tasks.export_*``
# build exports. A worker started without -Q consumes "celery" only: the embedded and test
# workers list every queue (CELERY_FILES).
CELERY_FILES = ("celery", "courriels", "pdf", "exports")
CELERY_TASK_ROUTES = {
    "relances.tasks.*": {"queue": "courriels"},
    "*.tasks.pdf_*": {"queue": "pdf"},
    "*.tasks.export_*": {"queue": "exports"},
}
CELERY_BEAT_SCHEDULE = {
    "purger-bilans-clos": {
        "task": "syntheses.tasks.purger_bilans_clos",
        "schedule": crontab(hour=3, minute=30),
    },
    # Rule 15: administrative and quality evidence past its retention schedule.
    "purger-preuves": {
        "task": "qualiopi.tasks.purger_preuves",
        "schedule": crontab(hour=4, minute=30),
    },
    "refuser-conventions-expirees": {
        "task": "beneficiaires.tasks.refuser_conventions_expirees",
        "schedule": crontab(hour=6, minute=0),
    },
    # The outbox: claim due reminders, surveys and alerts every 30 s (relances.services); a
    # claim whose sender vanished is taken again at the first tick after its lease.
    "relances-dispatcher": {
        "task": "relances.tasks.dispatcher_relances",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Reminders that no event writes: signature, CPF declarations, Qualiopi, dropout risk.
    "relances-balayage-quotidien": {
        "task": "relances.tasks.balayage_quotidien",
        "schedule": crontab(hour=6, minute=15),
    },
    # Evidence archives past their expiry: files deleted, rows marked (qualiopi.services.export).
    "qualiopi-expirer-exports": {
        "task": "qualiopi.tasks.expirer_exports",
        "schedule": crontab(minute=7),
    },
}
# The outbox's claim lease (relances.services): lease + one dispatcher tick = the longest a
# claimed row waits after its worker or the broker failed (60 + 30 s, within 2 minutes).
RELANCES_BAIL_SECONDES = 60

# --- Authentication (django-allauth) ------------------------------------------------------
AUTH_USER_MODEL = "core.User"
# The portal access model (account ↔ beneficiary dossier), read by the core without importing
# its app (see bilan.core.selectors.portal_access_model).
BILAN_PORTAL_ACCESS_MODEL = "beneficiaires.PortalAccess"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "bilan.core.adapters.AccountAdapter"
MFA_ADAPTER = "bilan.core.adapters.MFAAdapter"
ACCOUNT_FORMS = {"signup": "bilan.core.forms.InvitationSignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Bilan] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "request_login_code": "20/m/ip,3/m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Bilan"
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Fernet key (urlsafe base64, 32 bytes) for TOTP secrets; derived from SECRET_KEY when unset.
MFA_ENCRYPTION_KEY = env_str("MFA_ENCRYPTION_KEY", "")

INVITATION_VALIDITY_DAYS = env_int("INVITATION_VALIDITY_DAYS", 14)
# Staff sessions end after this much inactivity (seconds); beneficiaries keep the default age.
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 2 * 3600)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)

# --- Email --------------------------------------------------------------------------------
# EMAIL_BACKEND chooses how e-mails leave: "smtp" (EMAIL_HOST…), "console" (printed on the
# standard output) or "file" (one .log file per connection in EMAIL_FILE_PATH, for staging
# and tests). Default: smtp when EMAIL_HOST is set, else console (the embedded default).
email_host = env_str("EMAIL_HOST", "")
email_backend = env_choice(
    "EMAIL_BACKEND", {"smtp", "console", "file"}, "smtp" if email_host else "console"
)
if email_backend == "smtp":
    if not email_host:
        raise ImproperlyConfigured("EMAIL_BACKEND=smtp demande EMAIL_HOST (le serveur SMTP).")
    # A relay on this machine (Postfix, OpenSMTPD…) listens on port 25 without TLS: with
    # EMAIL_HOST=localhost the defaults are port 25 and no STARTTLS. A remote server gets
    # STARTTLS on 587, or implicit TLS on 465 with EMAIL_USE_SSL=true.
    email_relais_local = email_host in {"localhost", "127.0.0.1", "::1"}
    email_use_ssl = env_bool("EMAIL_USE_SSL", False)
    email_use_tls = env_bool("EMAIL_USE_TLS", not email_use_ssl and not email_relais_local)
    if email_use_ssl and email_use_tls:
        raise ImproperlyConfigured(
            "EMAIL_USE_TLS et EMAIL_USE_SSL s'excluent : STARTTLS (587) ou TLS implicite (465)."
        )
    email_port_defaut = 465 if email_use_ssl else 25 if email_relais_local else 587
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": email_host,
                "port": env_int("EMAIL_PORT", email_port_defaut),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": email_use_tls,
                "use_ssl": email_use_ssl,
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
    del email_relais_local, email_use_ssl, email_use_tls, email_port_defaut
elif email_backend == "file":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": env_str("EMAIL_FILE_PATH", str(DATA_DIR / "courriels"))},
        }
    }
else:
    # The embedded default prints emails (login codes, invitations) on the console.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
del email_host, email_backend
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Bilan <ne-pas-repondre@bilan.localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are private: served only through views that re-check access, never by URL.
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"  # unused: every file goes to the private storage
PRIVATE_ROOT = Path(env_str("PRIVATE_ROOT", str(DATA_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploads and generated documents: outside any served tree, one folder per organisation.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT)},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Qualiopi -----------------------------------------------------------------------------
# The referential in force: qualiopi/data/<code>.json (a new RNQ version is a new data file).
QUALIOPI_REFERENTIEL = env_str("QUALIOPI_REFERENTIEL", "rnq-v9")
# How long an evidence archive stays downloadable before the hourly task deletes it (days).
QUALIOPI_EXPORT_EXPIRATION_JOURS = env_int("QUALIOPI_EXPORT_EXPIRATION_JOURS", 7)

# --- Security -----------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Behind TLS (the production default), cookies are secure and HSTS is sent.
SECURE_TLS = env_bool("SECURE_TLS", not DEBUG and not SECRET_KEY.startswith("django-insecure"))
SESSION_COOKIE_SECURE = SECURE_TLS
CSRF_COOKIE_SECURE = SECURE_TLS
SECURE_SSL_REDIRECT = SECURE_TLS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if SECURE_TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_TLS
SECURE_HSTS_PRELOAD = SECURE_TLS
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging: no personal data -------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_personal_data": {"()": "bilan.core.logfilters.ScrubPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["scrub_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each rendering step at INFO: one line per page of every PDF.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
