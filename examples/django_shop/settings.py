"""Settings of the example shop: gdprkit installed as a Django app.

The database path comes from ``SHOP_DB`` (run.py points it at a temporary file); the key ring
from the ``GDPRKIT_KEYRING`` environment variable (run.py creates a throw-away one).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gdprkit.integrations.django.logging_config import masked_logging

HERE = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("SHOP_SECRET_KEY", "example-only-not-a-secret-0123456789abcdef")
DEBUG = False
# The addresses `manage.py runserver` prints (and the test client's).
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1", "[::1]"]
USE_TZ = True
TIME_ZONE = "Europe/Vienna"
STATIC_URL = "static/"
ROOT_URLCONF = "shop.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "gdprkit.integrations.django",
    "shop",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gdprkit.integrations.django.middleware.CookieConsentMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # Outside the checkout, so trying the example leaves nothing behind in it.
        "NAME": os.environ.get(
            "SHOP_DB", str(Path(tempfile.gettempdir()) / "gdprkit-django-shop.sqlite3")
        ),
    }
}

# The request form e-mails a confirmation link: printed on the console here; SHOP_MAIL_DIR
# (the browser tests) writes each e-mail to a file instead.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if os.environ.get("SHOP_MAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["SHOP_MAIL_DIR"]
DEFAULT_FROM_EMAIL = "privacy@dyqani.example"

# --- gdprkit ----------------------------------------------------------------------------------
GDPRKIT = {
    "REGISTER": HERE.parent / "register.toml",  # the shop's Art. 30 record
    "KEYRING": "env:GDPRKIT_KEYRING",  # signs the cookie-consent value
    "HOLIDAY_COUNTRY": "AT",  # public holidays for request deadlines
    "CONSENT_POLICY_VERSION": "2025-03",
    # The banner offers these categories; choices are recorded in the consent ledger.
    "COOKIE_PURPOSES": {"statistics": "web_analytics"},
    "COOKIES": [  # the cookie declaration shown in the cookie settings
        {"name": "csrftoken", "provider": "Dyqani", "purpose": "Protects forms",
         "duration": "1 year", "category": "necessary"},
        {"name": "gdprkit_consent", "provider": "Dyqani", "purpose": "Remembers your cookie "
         "choice", "duration": "6 months", "category": "necessary"},
        {"name": "_shop_stats", "provider": "Dyqani", "purpose": "Counts visits",
         "duration": "13 months", "category": "statistics"},
        {"name": "_shop_offers", "provider": "Dyqani", "purpose": "Personalises offers",
         "duration": "6 months", "category": "marketing"},
    ],
}  # fmt: skip

# Client addresses are masked before any handler writes a request or server log record.
LOGGING = masked_logging()
