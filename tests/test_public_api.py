"""The public surface: ``__all__`` sorted, complete and importable; errors subclass builtins."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import gdprkit
from gdprkit import errors


def test_all_is_sorted_and_importable() -> None:
    assert list(gdprkit.__all__) == sorted(gdprkit.__all__)
    for name in gdprkit.__all__:
        assert getattr(gdprkit, name) is not None


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
