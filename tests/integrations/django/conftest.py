"""Django for the integration tests: settings configured here, no DJANGO_SETTINGS_MODULE.

Settings are configured while this folder is collected (the test modules import models), then
handed back unconfigured when collection ends and configured again when the first test here
runs.  So pytest-django, when installed, never sets up its session-wide test environment for
the rest of the suite (which would break the in-process ``pytester`` sessions of other tests),
and the rest of the suite runs the same with or without pytest-django.  The default database is a
SQLite file (threads see each other's commits, unlike SQLite's shared in-memory cache); a second
alias ``pg`` points at the real PostgreSQL server when ``GDPRKIT_TEST_PG_DSN`` is set.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    import django  # noqa: TID251
except ModuleNotFoundError:
    if os.environ.get("CI"):
        raise  # CI installs the test extra: a missing Django must fail, not skip
    pytest.skip("Django is not installed", allow_module_level=True)

from django.conf import settings  # noqa: TID251

from gdprkit.pseudonymise import KeyRing

REPO = Path(__file__).resolve().parents[3]
REGISTER = REPO / "examples" / "register.toml"
#: The key ring of the test settings (signs the consent cookie).
KEYS = KeyRing.generate(key_id="t1")
_TMP = Path(tempfile.mkdtemp(prefix="gdprkit-django-"))


def _pg_database(dsn: str) -> dict[str, Any]:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(dsn)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": info.get("dbname", "postgres"),
        "USER": info.get("user", ""),
        "PASSWORD": info.get("password", ""),
        "HOST": info.get("host", ""),
        "PORT": info.get("port", ""),
    }


def _configure() -> None:
    if settings.configured:
        return
    settings.configure(**_settings())
    django.setup()


def _settings() -> dict[str, Any]:
    databases: dict[str, Any] = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_TMP / "default.sqlite3"),
            "TEST": {"NAME": str(_TMP / "test-default.sqlite3")},
        }
    }
    dsn = os.environ.get("GDPRKIT_TEST_PG_DSN")
    if dsn:
        databases["pg"] = _pg_database(dsn)
    return {
        "DEBUG": False,
        "SECRET_KEY": "tests-only-secret-key-of-sufficient-length-0123456789",
        "ALLOWED_HOSTS": ["testserver"],
        "USE_TZ": True,
        "INSTALLED_APPS": [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.admin",
            "gdprkit.integrations.django",
            "gdprkit_test_shop",
        ],
        "DATABASES": databases,
        "MIDDLEWARE": [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "gdprkit.integrations.django.middleware.CookieConsentMiddleware",
        ],
        "ROOT_URLCONF": "gdprkit_test_shop.urls",
        "TEMPLATES": [
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
        ],
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "GDPRKIT": {
            "REGISTER": str(REGISTER),
            "KEYRING": KEYS,
            "CONSENT_POLICY_VERSION": "2025-03",
        },
    }


_configure()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Hand the settings back unconfigured until a test of this folder runs (see above)."""
    from django.utils.functional import empty  # noqa: TID251

    settings._wrapped = empty


@pytest.fixture(scope="session")
def django_databases(request: pytest.FixtureRequest) -> Iterator[None]:
    """Create the SQLite test database (and migrate PostgreSQL) once per session."""
    from django.core.management import call_command  # noqa: TID251
    from django.test.utils import setup_databases, teardown_databases  # noqa: TID251

    _configure()
    with _unblocked(request):
        names = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        if "pg" in settings.DATABASES:
            call_command("migrate", database="pg", verbosity=0)
    yield
    with _unblocked(request):
        teardown_databases(names, verbosity=0)
    shutil.rmtree(_TMP, ignore_errors=True)


def _unblocked(request: pytest.FixtureRequest) -> Any:
    """Allow database access where pytest-django, when installed, blocks it.

    pytest-django blocks access outside its own markers once settings are configured when it
    starts (as when only this folder runs); its ``django_db_blocker`` fixture may already be
    cached as ``None`` from before the settings were configured again, so ask the plugin's
    blocking manager itself.
    """
    if not request.config.pluginmanager.hasplugin("django"):
        return contextlib.nullcontext()
    from pytest_django import plugin

    key = getattr(plugin, "blocking_manager_key", None)
    if key is not None:
        manager = request.config.stash.get(key, None)
    else:  # pytest-django < 4.9 kept it in a module global
        manager = getattr(plugin, "_blocking_manager", None)
    return contextlib.nullcontext() if manager is None else manager.unblock()


@pytest.fixture(autouse=True)
def _db(request: pytest.FixtureRequest, django_databases: None) -> Iterator[None]:
    with _unblocked(request):
        yield


@pytest.fixture
def pg_alias(pg_dsn: str) -> str:
    """The database alias of the real PostgreSQL server (skips without one, fails on CI)."""
    if "pg" not in settings.DATABASES:
        pytest.fail("GDPRKIT_TEST_PG_DSN was set after Django was configured")
    return "pg"
