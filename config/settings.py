"""Settings, fed by environment variables only (django-environ).

Development defaults are safe to run locally; production sets DEBUG=False and the
variables listed in README.md, after which `manage.py check --deploy` is clean.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config import log_redaction

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# Signs sessions, password-reset links and usager RDV links: with the key written
# here, anyone could forge them. Outside development the settings refuse to load
# without a key of one's own (and `check --deploy` reports it, see config.checks).
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY manquante : avec DEBUG=False, définissez une clé secrète propre à ce "
        'serveur (longue et aléatoire, par exemple `python -c "import secrets; '
        'print(secrets.token_urlsafe(50))"`) ; la clé de développement écrite dans le '
        "code n'est jamais acceptée."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "anymail",
    "crispy_forms",
    "dsfr",
    "django_htmx",
    "territories",
    "notifications",
    "agents",
    "organisations",
    "motifs",
    "user_records",
    "rdv_settings",
    "rdvs",
    "availability",
    "booking",
    "webhooks",
    "rdvsp",
    "proconnect",
    "stats",
    # Django REST framework is used without being installed as an app: its French
    # catalogue would replace Django's own words ("courriel") in every form; the API's
    # messages are its own (api.errors). drf-spectacular brings the docs' template.
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "exports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.headers.ContentSecurityPolicyMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "territories.tenancy.TerritoryMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "territories.context_processors.territory",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@localhost/rdv_territoire")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections in production: a page no longer pays a PostgreSQL connection
# (a few ms, more under TLS); the health check drops one the server has closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agents.Agent"
AUTHENTICATION_BACKENDS = [
    "agents.backends.IntervenantGate",  # intervenants never log in
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "territories:list"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Redis: broker for Celery. A Unix socket (embedded Redis in development) is
# written unix:///path; kombu spells the same thing redis+socket:///path.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = (
    "redis+socket://" + REDIS_URL.removeprefix("unix://")
    if REDIS_URL.startswith("unix://")
    else REDIS_URL
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes the database connection around every task unless told to reuse it: each
# task then paid a new PostgreSQL connection (a server process started for it), an eighth
# of a webhook worker's time. Reused for this many tasks; before each task, Django's own
# rules still drop a connection past CONN_MAX_AGE or broken (config/celery.py).
CELERY_DB_REUSE_MAX = 100
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "webhooks.tasks.deliver*": {"queue": "webhooks"},
    "webhooks.tasks.sweep*": {"queue": "webhooks"},
}
CELERY_BEAT_SCHEDULE = {
    "prune-stale-invitations": {
        "task": "agents.tasks.prune_stale_invitations",
        "schedule": 60 * 60 * 24,
    },
    "sweep-webhook-deliveries": {
        "task": "webhooks.tasks.sweep_deliveries",
        "schedule": 30.0,
        # A sweep that waited longer than the next one is useless: drop it.
        "options": {"expires": 25},
    },
    # Reminders to usagers: each claimed once in the database (rdvs.Reminder), so a
    # second run, a concurrent one or one after a restart sends nothing twice.
    "send-rdv-reminders": {
        "task": "rdvs.tasks.send_due_reminders",
        "schedule": 10 * 60.0,
        "options": {"expires": 9 * 60},
    },
    "prune-old-events": {
        "task": "webhooks.tasks.prune_old_events",
        "schedule": crontab(hour=3, minute=30),
    },
    # The statistics' summary tables, for the weeks and months changed since the last
    # run (stats.summary): the Statistiques page reads only them.
    "refresh-statistics": {
        "task": "stats.tasks.refresh_statistics",
        "schedule": 10 * 60.0,
        "options": {"expires": 9 * 60},
    },
    "rebuild-statistics": {
        "task": "stats.tasks.rebuild_statistics",
        "schedule": crontab(hour=4, minute=0),
    },
    # Motifs open online without a free slot: badge on the motif list, mail to the
    # territory admins (booking.slot_alerts), before the offices open.
    "check-online-slots": {
        "task": "booking.tasks.check_online_slots",
        "schedule": crontab(hour=7, minute=0),
    },
    # Exports' files past their time (24 hours after they are ready) are deleted.
    "delete-expired-exports": {
        "task": "exports.tasks.delete_expired_exports",
        "schedule": 15 * 60.0,
        "options": {"expires": 14 * 60},
    },
    # Personal data past each territory's retention period (RGPD).
    "apply-retention": {
        "task": "user_records.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=30),
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}
# Behind the project's reverse proxy (docker-compose.yml), the app is reachable only
# through it and it overwrites X-Forwarded-For and X-Forwarded-Proto: only then are
# they believed (the client's address for rate limits, HTTPS for SECURE_* settings).
BEHIND_REVERSE_PROXY = env.bool("BEHIND_REVERSE_PROXY", default=False)
# Rate limits (config.ratelimits) count in that cache, per client address.
RATELIMIT_IP_META_KEY = "config.ratelimits.client_address"
RATELIMIT_FAIL_OPEN = True

# Mail: a local outbox in development (/dev/outbox/), Brevo through anymail in
# production (EMAIL_BACKEND=anymail.backends.brevo.EmailBackend + BREVO_API_KEY).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="config.outbox.OutboxEmailBackend" if DEBUG else "anymail.backends.brevo.EmailBackend",
)
# Exports' CSV files (exports app), written by the workers and read by the web processes:
# with several machines or containers, a volume shared by both (docker-compose.yml).
EXPORTS_DIR = Path(env("EXPORTS_DIR", default=str(BASE_DIR / ".local" / "exports")))
OUTBOX_DIR = Path(env("OUTBOX_DIR", default=str(BASE_DIR / ".local" / "outbox")))
ANYMAIL = {
    "BREVO_API_KEY": env("BREVO_API_KEY", default=""),
    # "user:password" the provider sends (HTTP basic auth) to the tracking webhook
    # /anymail/brevo/tracking/; without it that URL answers 404.
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
}
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="RDV Territoire <ne-pas-repondre@rdv-territoire.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="support@rdv-territoire.fr")

# SMS (RDV confirmations): an outbox under OUTBOX_DIR/sms/ in development and tests,
# Brevo's SMS API in production (config.sms.BrevoSmsBackend, with BREVO_API_KEY).
SMS_BACKEND = env(
    "SMS_BACKEND",
    default="config.sms.OutboxSmsBackend" if DEBUG else "config.sms.BrevoSmsBackend",
)
SMS_SENDER = env("SMS_SENDER", default="RdvTerritoire")

CRISPY_ALLOWED_TEMPLATE_PACKS = ("dsfr_crispy",)
CRISPY_TEMPLATE_PACK = "dsfr_crispy"
CRISPY_FAIL_SILENTLY = not DEBUG
# django-dsfr marks what its tags render (alerts, notices) as safe HTML unless told
# otherwise; messages carry names typed by users, so they must stay escaped.
DSFR_CONTENT_IS_SAFE = False
# Its integrity hashes are those of the wheel's files, but the production static storage
# rewrites the url()s inside dsfr.min.css (hashed names): the browser would then refuse the
# stylesheet. The files are served from our own origin, which SRI does not protect more.
DSFR_USE_INTEGRITY_CHECKSUMS = False

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Webhook targets on loopback/private networks are refused unless allowed
# (development and tests post to a receiver on 127.0.0.1).
WEBHOOKS_ALLOW_LOCAL_TARGETS = env.bool("WEBHOOKS_ALLOW_LOCAL_TARGETS", default=DEBUG)

# ProConnect, the State's identity federation for public agents: off (no button, no
# URL answering) until the discovery URL and the client credentials are all set.
PROCONNECT_DISCOVERY_URL = env("PROCONNECT_DISCOVERY_URL", default="")
PROCONNECT_CLIENT_ID = env("PROCONNECT_CLIENT_ID", default="")
PROCONNECT_CLIENT_SECRET = env("PROCONNECT_CLIENT_SECRET", default="")
PROCONNECT_SCOPES = env("PROCONNECT_SCOPES", default="openid email given_name usual_name uid")
# Seconds allowed to each call to ProConnect before the agent is told it is unreachable.
PROCONNECT_TIMEOUT = env.float("PROCONNECT_TIMEOUT", default=10.0)

# Content-Security-Policy: scripts, styles, fonts and images from our own origin only
# (DSFR, htmx and the pages' scripts are static files). No inline <script>, no
# eval, no plugin, no framing, forms post to us (and ProConnect, see config.headers).
# Inline style *attributes* stay allowed (motif colours, mail previews): they cannot
# run code, and images, the only way CSS could send data out, are our origin's only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # DSFR's icons are data: SVGs in its stylesheet
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # Static files are served by whitenoise in production, by runserver in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    if BEHIND_REVERSE_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# The partner API (/api/v1/, the api app): JSON only, personal tokens, French errors.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.access.TerritoryMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [],  # per token, in Redis: config.ratelimits (api.views)
    "EXCEPTION_HANDLER": "api.errors.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API de RDV Territoire",
    "DESCRIPTION": (
        "L'API des logiciels partenaires : organisations, motifs, RDV, usagers, absences, "
        "plages d'ouverture et webhooks d'un espace, avec les droits de l'agent à qui "
        "appartient le jeton (en-tête `Authorization: Bearer <jeton>`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Link tokens and searched names are masked in every log record (config.log_redaction).
log_redaction.install()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Authlib logs PKCE verifiers and client authentication at DEBUG: never let a
    # LOG_LEVEL=DEBUG put ProConnect secrets in the logs.
    "loggers": {"authlib": {"level": "WARNING"}},
}
