"""Settings for Social Work Forum, all from the environment (see .env.example).

With nothing configured the app runs embedded: SQLite, tasks run in-process, email written
to files under var/mail. Production sets DEBUG=0, SECRET_KEY, DATABASE_URL, REDIS_URL and
EMAIL_URL, and refuses to start without a real secret key.
"""

import os
import sys
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from forum_app.env import (
    development_signing_key,
    ed25519_key_bytes,
    email_settings,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    redis_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
TESTING = "pytest" in sys.modules

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value in production, "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"  # noqa: S105
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure")):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters in production.")

# Sent briefs are signed with this Ed25519 key, kept outside the database (an environment
# variable or a secrets file), so whoever holds the database cannot forge one. Keys retired
# after a rotation stay listed by their public half, so briefs they signed still verify.
BRIEF_SIGNING_KEY = env_secret("BRIEF_SIGNING_KEY")
BRIEF_SIGNING_KEY_IS_DEVELOPMENT = not BRIEF_SIGNING_KEY
if not BRIEF_SIGNING_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "BRIEF_SIGNING_KEY is not set. Set it (or BRIEF_SIGNING_KEY_FILE) to 32 random "
            "bytes in base64 in production, or set DEBUG=1 for local development. "
            "See docs/security.md, 'Signed briefs'."
        )
    BRIEF_SIGNING_KEY = development_signing_key(SECRET_KEY)
ed25519_key_bytes("BRIEF_SIGNING_KEY", BRIEF_SIGNING_KEY)
BRIEF_PREVIOUS_PUBLIC_KEYS = [
    key
    for key in env_list("BRIEF_PREVIOUS_PUBLIC_KEYS")
    if ed25519_key_bytes("BRIEF_PREVIOUS_PUBLIC_KEYS", key)
]

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Sign-up is open only to these email domains (e.g. "council.gov.uk,partner.org.uk").
ALLOWED_SIGNUP_DOMAINS = [d.lower().lstrip("@") for d in env_list("ALLOWED_SIGNUP_DOMAINS")]
# A test needing PostgreSQL or Redis fails instead of skipping when this is set (CI).
REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "forum_app",
    "issues",
    "meetings",
    "escalations",
    "summaries",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "forum_app.middleware.AdminRequiresMFAMiddleware",
    "forum_app.middleware.SessionLimitsMiddleware",
    "forum_app.middleware.SignInReturnsToFormMiddleware",
]

ROOT_URLCONF = "forum_app.urls"
WSGI_APPLICATION = "forum_app.wsgi.application"
ASGI_APPLICATION = "forum_app.asgi.application"

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
                "forum_app.context_processors.navigation",
                "forum_app.context_processors.session_timeout",
            ],
        },
    },
]

if not env_str("DATABASE_URL") or not env_str("EMAIL_URL"):
    (VAR_DIR / "mail").mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Plain cursors: a select list's choices cost one round trip, not DECLARE/FETCH/CLOSE,
    # and the app stays safe behind a transaction-pooling proxy such as PgBouncer.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "forum_app.User"

REDIS_URL = env_str("REDIS_URL")
if TESTING and REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER"):
    # Tests run in parallel (pytest-xdist): each worker has its own Redis database, as it has
    # its own PostgreSQL one, so one worker emptying its cache never touches another's.
    REDIS_URL = redis_database(REDIS_URL, 1 + int(os.environ["PYTEST_XDIST_WORKER"][2:]))
CACHE_PREFIX = "swf"
# Every call to Redis (cache or broker) gives up after this long, and the page carries on.
REDIS_TIMEOUT_SECONDS = 1
# While Redis cannot answer, the cache is a table in the database (forum_app.cache), so the
# sign-in and receipt limits hold and pages work.
DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "forum_app_cache",
    "KEY_PREFIX": CACHE_PREFIX,
    "OPTIONS": {"MAX_ENTRIES": 10000},
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "forum_app.cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            "FALLBACK": "database",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        },
        "database": DATABASE_CACHE,
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "database": DATABASE_CACHE,
    }

# Celery: with REDIS_URL a real worker and beat run the tasks; without, they run in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
# A page that queues work must not hang while the broker is down or hung: every read and
# write on the broker's connection gives up after REDIS_TIMEOUT_SECONDS, a publish is tried
# once more on a new connection (a restarted Redis drops the pooled one), and then the work is
# left for the sweepers (forum_app.handoff).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Europe/London"
# Emails: a passing failure (the mail server busy or unreachable) is retried after 30 s, 60 s,
# 120 s… (with jitter, at most 15 minutes apart) by the sweeper, for this many hours after the
# first attempt, then listed as failed. The sweeper runs every NOTIFICATION_SWEEP_SECONDS.
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 30)
NOTIFICATION_RETRY_HOURS = env_int("NOTIFICATION_RETRY_HOURS", 24)
NOTIFICATION_SWEEP_SECONDS = env_int("NOTIFICATION_SWEEP_SECONDS", 60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): email only, verified before first sign-in, no enumeration.
ACCOUNT_ADAPTER = "forum_app.accounts.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "forum_app.accounts.SignupForm",
    "login": "forum_app.accounts.LoginForm",
    "reset_password": "forum_app.accounts.ResetPasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Social Work Forum] "
# Failed sign-ins: per account, waits that grow (5 a minute, 10 in 15 minutes, 20 an hour);
# per address a ceiling a whole office behind one NAT does not reach (300 in 15 minutes), so
# one person cannot lock colleagues out. Account limits come first: a refused guess at one
# account does not use up the address's allowance.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/1m/key,10/15m/key,20/1h/key,300/15m/ip",
    # Every sign-in attempt, right or wrong, from one address (allauth's default is 30).
    "login": "300/m/ip",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_SESSION_REMEMBER = False
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "forum_app.accounts.MFAAdapter"
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Social Work Forum")
# Accept the code of the 30-second step before or after the current one: phone clocks drift
# and people type slowly. Each code still works only once.
MFA_TOTP_TOLERANCE = 1

# Optional single sign-on with any OpenID Connect provider (e.g. Microsoft Entra ID).
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_ADAPTER = "forum_app.accounts.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
if env_str("OIDC_CLIENT_ID"):
    if not env_str("OIDC_SERVER_URL"):
        raise ImproperlyConfigured("OIDC_SERVER_URL must be set when OIDC_CLIENT_ID is set.")
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": env_str("OIDC_PROVIDER_ID", "sso"),
            "name": env_str("OIDC_NAME", "your organisation's sign-in"),
            "client_id": env_str("OIDC_CLIENT_ID"),
            "secret": env_str("OIDC_CLIENT_SECRET"),
            "settings": {"server_url": env_str("OIDC_SERVER_URL")},
        }
    )

# Behind N reverse proxies that append to X-Forwarded-For, the client is the Nth address from
# the end; sign-in and receipt-guessing limits count per client, not per proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Sessions: a short idle timeout (kept sliding by SessionLimitsMiddleware in a signed cookie,
# never in the database), cookies never readable by scripts. Pages warn two minutes before
# the end and offer to stay signed in.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_WARNING_SECONDS = 120
# However active, a signed-in session ends this long after it began. The session row is
# written at sign-in with this expiry and purged daily once it has passed.
SESSION_MAX_AGE_SECONDS = env_int("SESSION_MAX_AGE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_SECONDS
# Days kept: sent or failed outbox emails, and records of steward exports.
RETENTION_NOTIFICATION_DAYS = env_int("RETENTION_NOTIFICATION_DAYS", 180)
RETENTION_EXPORT_DAYS = env_int("RETENTION_EXPORT_DAYS", 30)
# A form sent again (Back, a refresh, a restored tab) this long after is still caught.
RETENTION_FORM_SUBMISSION_DAYS = env_int("RETENTION_FORM_SUBMISSION_DAYS", 14)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not (DEBUG or TESTING))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/broker$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is a choice for the host's owner.

# Content-Security-Policy: no inline scripts or styles, nothing from other origins.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English")), ("cy", _("Welsh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

MAILERS = {"default": email_settings(env_str("EMAIL_URL") or f"file://{VAR_DIR / 'mail'}")}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Social Work Forum <forum@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who people write to about an accessibility problem, named in the accessibility statement
# (the regulations ask for a real contact). Defaults to the address the forum's email comes from.
ACCESSIBILITY_CONTACT_EMAIL = env_str(
    "ACCESSIBILITY_CONTACT_EMAIL", parseaddr(DEFAULT_FROM_EMAIL)[1]
)
try:
    validate_email(ACCESSIBILITY_CONTACT_EMAIL)
except ValidationError as error:
    raise ImproperlyConfigured(
        "ACCESSIBILITY_CONTACT_EMAIL must be an email address, "
        f"not {ACCESSIBILITY_CONTACT_EMAIL!r}."
    ) from error
# Who runs this installation, as the statement names them (e.g. "Northshire County Council").
ACCESSIBILITY_ORGANISATION = env_str(
    "ACCESSIBILITY_ORGANISATION", "The organisation that runs this forum"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs name paths and users; the forum keeps them out of its logs.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
    },
}

if TESTING:
    # Tests create many accounts; a slow password hash would only slow them down.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
