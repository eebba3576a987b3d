"""Loading a register from TOML (or any dict) with errors that name file, purpose and key."""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from gdprkit.errors import GdprkitError, RegisterError
from gdprkit.law import DataCategory
from gdprkit.register._duration import Duration
from gdprkit.register._model import (
    Controller,
    Purpose,
    Recipient,
    Register,
    Retention,
    Transfer,
)
from gdprkit.register._policy import (
    AutomatedDecision,
    Blocker,
    Cookie,
    CustomCategory,
    Operation,
    Promises,
    StatutoryReference,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["load_register", "register_from_dict", "register_to_dict"]

REGISTER_FORMAT_VERSION = 1

T = TypeVar("T")


def _build(
    cls: type[T],
    table: object,
    *,
    source: str | None,
    purpose: str | None,
    prefix: str,
) -> T:
    """Build ``cls`` from a table, naming the first unknown or invalid key in the error."""
    if not isinstance(table, Mapping):
        raise RegisterError(
            "expected a table", source=source, purpose=purpose, key=prefix.rstrip(".") or None
        )
    fields = attrs.fields_dict(cls)  # type: ignore[arg-type]
    for key, value in table.items():
        where = f"{prefix}{key}"
        field = fields.get(key)
        if field is None:
            expected = ", ".join(sorted(fields))
            raise RegisterError(
                f"unknown key (expected one of: {expected})",
                source=source,
                purpose=purpose,
                key=where,
            )
        try:
            converter: Any = field.converter
            converted = converter(value) if converter is not None else value
            if field.validator is not None:
                field.validator(None, field, converted)
        except GdprkitError as exc:
            raise RegisterError(str(exc), source=source, purpose=purpose, key=where) from None
        except (TypeError, ValueError) as exc:
            raise RegisterError(
                f"invalid value ({type(exc).__name__})", source=source, purpose=purpose, key=where
            ) from None
    missing = [
        name
        for name, field in fields.items()
        if field.default is attrs.NOTHING and name not in table
    ]
    if missing:
        raise RegisterError(
            f"missing required key {missing[0]!r}",
            source=source,
            purpose=purpose,
            key=prefix.rstrip(".") or None,
        )
    try:
        return cls(**table)
    except GdprkitError as exc:
        raise RegisterError(
            str(exc), source=source, purpose=purpose, key=prefix.rstrip(".") or None
        ) from None


def _list(
    cls: type[T], items: object, *, source: str | None, purpose: str | None, key: str
) -> list[T]:
    if not isinstance(items, list):
        raise RegisterError("expected a list of tables", source=source, purpose=purpose, key=key)
    return [
        _build(cls, item, source=source, purpose=purpose, prefix=f"{key}[{i}].")
        for i, item in enumerate(items)
    ]


def _retention(table: object, *, source: str | None, purpose: str | None, prefix: str) -> Retention:
    if isinstance(table, Mapping) and isinstance(table.get("statutory"), Mapping):
        table = dict(table)
        table["statutory"] = _build(
            StatutoryReference,
            table["statutory"],
            source=source,
            purpose=purpose,
            prefix=f"{prefix}statutory.",
        )
    return _build(Retention, table, source=source, purpose=purpose, prefix=prefix)


def _split_categories(
    values: object, custom: set[str], *, source: str | None, purpose: str | None
) -> tuple[list[str], list[str]]:
    """Built-in codes and shop categories, from one ``categories`` list; names what it rejects."""
    if not isinstance(values, list):
        raise RegisterError("expected a list", source=source, purpose=purpose, key="categories")
    builtin = {c.value for c in DataCategory}
    known, other = [], []
    for value in values:
        if isinstance(value, str) and value in builtin:
            known.append(value)
        elif isinstance(value, str) and value in custom:
            other.append(value)
        else:
            # A category code is vocabulary, not personal data: naming it is safe and helps.
            shown = repr(value) if isinstance(value, str) and len(value) <= 64 else "a value"
            raise RegisterError(
                f"unknown data category {shown}: expected a built-in category "
                f"({', '.join(sorted(builtin))}) or the id of a [[custom_categories]] entry",
                source=source,
                purpose=purpose,
                key="categories",
            )
    return known, other


def _purpose(table: object, index: int, source: str | None, custom: set[str]) -> Purpose:
    ident = table.get("id") if isinstance(table, Mapping) else None
    label = ident if isinstance(ident, str) else f"#{index + 1}"
    if not isinstance(table, Mapping):
        raise RegisterError("each purpose must be a table", source=source, purpose=label)
    data = dict(table)
    for key, cls in (("recipients", Recipient), ("transfers", Transfer), ("operations", Operation)):
        if key in data:
            data[key] = _list(cls, data[key], source=source, purpose=label, key=key)
    if "categories" in data:
        known, other = _split_categories(data["categories"], custom, source=source, purpose=label)
        data["categories"] = known
        if other:
            data["other_categories"] = [*data.get("other_categories", []), *other]
    if "retention" in data:
        data["retention"] = _retention(
            data["retention"], source=source, purpose=label, prefix="retention."
        )
    if "retentions" in data:
        items = data["retentions"]
        if not isinstance(items, list):
            raise RegisterError(
                "expected a list of tables", source=source, purpose=label, key="retentions"
            )
        data["retentions"] = [
            _retention(item, source=source, purpose=label, prefix=f"retentions[{i}].")
            for i, item in enumerate(items)
        ]
    if "decision" in data:
        data["decision"] = _build(
            AutomatedDecision, data["decision"], source=source, purpose=label, prefix="decision."
        )
    return _build(Purpose, data, source=source, purpose=label, prefix="")


def _blockers(items: object, source: str | None) -> list[Blocker]:
    if not isinstance(items, list):
        raise RegisterError(
            "expected an array of tables [[blockers]]", source=source, key="blockers"
        )
    result = []
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and isinstance(item.get("statutory"), Mapping):
            item = dict(item)  # noqa: PLW2901 - the nested table is built first
            item["statutory"] = _build(
                StatutoryReference,
                item["statutory"],
                source=source,
                purpose=None,
                prefix=f"blockers[{i}].statutory.",
            )
        result.append(_build(Blocker, item, source=source, purpose=None, prefix=f"blockers[{i}]."))
    return result


def register_from_dict(data: Mapping[str, Any], *, source: str | None = None) -> Register:
    """Build a :class:`Register` from a parsed TOML/JSON document.

    Raises:
        RegisterError: a key is unknown or missing, or a value is invalid; the message names
            ``source``, the purpose and the key.

    Example:
        >>> reg = register_from_dict({
        ...     "controller": {"name": "Shop", "contact": "privacy@shop.example"},
        ...     "purposes": [{"id": "orders", "description": "Orders", "basis": "contract"}],
        ... })
        >>> reg.purpose("orders").basis.article
        'Art. 6(1)(b)'
    """
    if not isinstance(data, Mapping):
        raise RegisterError("a register must be a table", source=source)
    allowed = {
        "version",
        "controller",
        "purposes",
        "categories",
        "notice_version",
        "custom_categories",
        "blockers",
        "promises",
        "cookies",
    }
    for key in data:
        if key not in allowed:
            raise RegisterError(
                f"unknown top-level key (expected one of: {', '.join(sorted(allowed))})",
                source=source,
                key=str(key),
            )
    version = data.get("version", REGISTER_FORMAT_VERSION)
    if version != REGISTER_FORMAT_VERSION:
        raise RegisterError(
            f"unsupported register format version (expected {REGISTER_FORMAT_VERSION})",
            source=source,
            key="version",
        )
    if "controller" not in data:
        raise RegisterError("missing required table 'controller'", source=source)
    controller = _build(
        Controller, data["controller"], source=source, purpose=None, prefix="controller."
    )
    raw_purposes = data.get("purposes", [])
    if not isinstance(raw_purposes, list):
        raise RegisterError(
            "expected an array of tables [[purposes]]", source=source, key="purposes"
        )
    custom = _list(
        CustomCategory,
        data.get("custom_categories", []),
        source=source,
        purpose=None,
        key="custom_categories",
    )
    custom_ids = {c.id for c in custom}
    purposes = [_purpose(item, i, source, custom_ids) for i, item in enumerate(raw_purposes)]
    cookies = _list(Cookie, data.get("cookies", []), source=source, purpose=None, key="cookies")
    promises = _build(
        Promises, data.get("promises", {}), source=source, purpose=None, prefix="promises."
    )
    blockers = _blockers(data.get("blockers", []), source)
    top_categories = data.get("categories", [])
    if isinstance(top_categories, list):
        # The notice's own list may name shop categories too; only built-in ones are checked
        # for use here (the shop ones are declared with their description).
        known, _other = _split_categories(top_categories, custom_ids, source=source, purpose=None)
        top_categories = known
    try:
        return Register(
            controller=controller,
            purposes=purposes,
            categories=top_categories,
            notice_version=data.get("notice_version"),
            custom_categories=custom,
            blockers=blockers,
            promises=promises,
            cookies=cookies,
        )
    except GdprkitError as exc:
        raise RegisterError(str(exc), source=source) from None


def load_register(path: str | os.PathLike[str]) -> Register:
    """Load a register from a TOML file.

    Raises:
        RegisterError: the file is not valid TOML, or its content is not a valid register; the
            message names the file (and the purpose and key where there is one).
        OSError: the file cannot be read.

    Example:
        >>> reg = load_register("examples/register.toml")  # doctest: +SKIP
        >>> reg.lint()  # doctest: +SKIP
    """
    path = Path(path)
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RegisterError("the file is not UTF-8 text", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message gives line and column, never the offending text.
        raise RegisterError(f"invalid TOML: {exc}", source=str(path)) from None
    return register_from_dict(data, source=str(path))


def _is_factory_default(default: Any, value: Any) -> bool:
    """Whether ``value`` is what the field's factory makes (an empty list, empty promises)."""
    return isinstance(default, attrs.Factory) and value == default.factory()  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Duration):
        return str(value)
    if attrs.has(type(value)):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if getattr(value, f.name) != f.default
            and not _is_factory_default(f.default, getattr(value, f.name))
        }
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def register_to_dict(register: Register) -> dict[str, Any]:
    """The register as a JSON/TOML-compatible dict; :func:`register_from_dict` reads it back.

    Example:
        >>> reg = register_from_dict({
        ...     "controller": {"name": "Shop", "contact": "privacy@shop.example"},
        ...     "purposes": [{"id": "orders", "description": "Orders", "basis": "contract"}],
        ... })
        >>> register_from_dict(register_to_dict(reg)) == reg
        True
    """
    result: dict[str, Any] = {"version": REGISTER_FORMAT_VERSION}
    result.update(_plain(register))
    return result
