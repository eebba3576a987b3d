"""Checking the keys of a dict read back into an attrs value, without repeating them.

A dict handed to ``from_dict`` comes from a file, a database or a request: its keys may be
anything, including a customer's e-mail address put in the wrong place. Errors therefore say
how many keys were unexpected and which keys are expected, never the unexpected keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from gdprkit.errors import InvalidInput, InvalidType

__all__ = ["attrs_kwargs"]


def attrs_kwargs(cls: type, data: object, what: str) -> dict[str, Any]:
    """The keyword arguments for ``cls(**...)`` from ``data``, or a typed error.

    Raises:
        InvalidType: ``data`` is not a mapping.
        InvalidInput: a key is not a field of ``cls`` (not repeated), or a required one is
            missing (named).

    Example:
        >>> import attrs
        >>> @attrs.frozen
        ... class Point:
        ...     x: int
        ...     y: int = 0
        >>> attrs_kwargs(Point, {"x": 1}, "point")
        {'x': 1}
        >>> attrs_kwargs(Point, {"x": 1, "alice@example.com": 2}, "point")
        Traceback (most recent call last):
        ...
        gdprkit.errors.InvalidInput: point: 1 unknown key (expected only x, y; unknown keys are not repeated)
    """  # noqa: E501
    if not isinstance(data, Mapping):
        raise InvalidType(f"{what} must be a mapping, got {type(data).__name__}")
    fields = attrs.fields(cls)
    names = [f.name for f in fields]
    unknown = sum(1 for key in data if key not in names)
    if unknown:
        raise InvalidInput(
            f"{what}: {unknown} unknown key{'s' if unknown > 1 else ''} (expected only "
            f"{', '.join(names)}; unknown keys are not repeated)"
        )
    missing = [f.name for f in fields if f.default is attrs.NOTHING and f.name not in data]
    if missing:
        raise InvalidInput(f"{what}: missing required key(s) {', '.join(missing)}")
    return dict(data)
