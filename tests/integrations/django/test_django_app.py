"""The app itself: installable, migrations shipped and current, docstrings run, missing Django."""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
import subprocess
import sys

import pytest
from django.core.management import call_command  # noqa: TID251

import gdprkit.integrations.django as app


def _modules() -> list[str]:
    names = [app.__name__]
    for info in pkgutil.walk_packages(app.__path__, f"{app.__name__}."):
        if ".migrations" not in info.name:
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_shipped_migrations_match_the_models() -> None:
    out = io.StringIO()
    # --check exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "gdprkit", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_without_django_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['django'] = None\n"
        "try:\n"
        "    import gdprkit.integrations.django\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert 'pip install "gdprkit[django]"' in done.stdout
    assert done.stdout.startswith("MissingDependency")


def test_the_core_does_not_import_django() -> None:
    code = "import sys, gdprkit, gdprkit.consent, gdprkit.register; print('django' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
