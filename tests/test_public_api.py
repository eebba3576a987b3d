"""The public surface: ``__all__`` sorted, complete and importable; errors subclass builtins."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import gdprkit
from gdprkit import errors


def test_all_is_sorted_complete_and_importable() -> None:
    assert list(gdprkit.__all__) == sorted(gdprkit.__all__)
    assert len(set(gdprkit.__all__)) == len(gdprkit.__all__)
    for name in gdprkit.__all__:
        value = getattr(gdprkit, name)
        assert value is not None
        if name != "__version__":
            # A re-export is the very object its own module defines, and is public there.
            home = importlib.import_module(value.__module__.rsplit("._", 1)[0])
            assert name in getattr(home, "__all__", [name]) or hasattr(home, name)
    assert set(dir(gdprkit)) >= set(gdprkit.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        gdprkit.nope  # noqa: B018


def test_import_gdprkit_is_lazy() -> None:
    import subprocess
    import sys

    code = "import sys, gdprkit; print(sorted(m for m in sys.modules if m.startswith('gdprkit.')))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for heavy in ("gdprkit.consent", "gdprkit.export", "gdprkit.ip", "gdprkit.pseudonymise"):
        assert heavy not in out


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(gdprkit.__path__, "gdprkit."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or ".integrations." in info.name:
            continue
        if info.name.endswith("pytest_plugin"):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", _public_modules())
def test_every_public_module_declares_all(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        assert not [
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and inspect.getmodule(v) is module
        ]
        return
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"


def test_every_error_subclasses_root_and_a_builtin() -> None:
    builtins = (ValueError, TypeError, LookupError, ImportError)
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.GdprkitError)
        if cls is not errors.GdprkitError:
            assert issubclass(cls, builtins), name


def test_register_error_names_file_purpose_and_key() -> None:
    exc = errors.RegisterError("expected a string", source="shop.toml", purpose="ads", key="basis")
    assert str(exc) == "shop.toml: purpose 'ads': key 'basis': expected a string"
