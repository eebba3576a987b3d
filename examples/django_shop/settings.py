"""Settings of the example shop: gdprkit installed as a Django app.

The database path comes from ``SHOP_DB`` (run.py points it at a temporary file); the key ring
from the ``GDPRKIT_KEYRING`` environment variable (run.py creates a throw-away one).
"""

from __future__ import annotations

import os
from pathlib import Path

from gdprkit.integrations.django.logging_config import masked_logging

HERE = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("SHOP_SECRET_KEY", "example-only-not-a-secret-0123456789abcdef")
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
USE_TZ = True
ROOT_URLCONF = "shop.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "gdprkit.integrations.django",
    "shop",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
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
        "NAME": os.environ.get("SHOP_DB", str(HERE / "shop.sqlite3")),
    }
}

# --- gdprkit ----------------------------------------------------------------------------------
GDPRKIT = {
    "REGISTER": HERE.parent / "register.toml",  # the shop's Art. 30 record
    "KEYRING": "env:GDPRKIT_KEYRING",  # signs the cookie-consent value
    "HOLIDAY_COUNTRY": "AT",  # public holidays for request deadlines
    "CONSENT_POLICY_VERSION": "2025-03",
}

# Client addresses are masked before any handler writes a request or server log record.
LOGGING = masked_logging()
