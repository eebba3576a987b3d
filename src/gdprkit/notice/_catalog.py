"""Gettext catalogs for the notice: English built in, other languages from ``.po`` files.

The ``.po`` sources ship in the wheel and are read at render time with Babel, so there is no
compiled ``.mo`` to keep in step.  A catalog carries its status in the header field
``X-Gdprkit-Status`` (``reviewed`` or ``draft``); a draft notice says so visibly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import attrs

from gdprkit.errors import InvalidInput, MissingDependency, NotFound

__all__ = ["Catalog", "available_languages", "load_catalog"]

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_STATUS = re.compile(r"X-Gdprkit-Status:\s*(reviewed|draft)\b", re.IGNORECASE)
_VARIABLE = re.compile(r"%\((\w+)\)s")


@attrs.frozen
class Catalog:
    """The translations of one language and whether a native speaker reviewed them."""

    language: str
    status: str
    messages: Mapping[str, str] = attrs.field(repr=False)

    @property
    def is_draft(self) -> bool:
        """Whether the catalog is a draft (the notice then says so)."""
        return self.status != "reviewed"

    def gettext(self, message: str, /, **variables: object) -> str:
        """The translation of ``message`` (itself where none), with ``%(name)s`` filled in.

        Variables are substituted after translation and never interpreted: a register value
        that contains ``%(x)s`` stays literal text.
        """
        text = self.messages.get(message) or message
        if not variables:
            return text
        return _VARIABLE.sub(lambda m: str(variables.get(m.group(1), m.group(0))), text)


def _package_locale() -> Path:
    return Path(str(resources.files("gdprkit.notice") / "locale"))


def _po_files(locale_dir: str | os.PathLike[str] | None) -> dict[str, Path]:
    found = {p.stem: p for p in sorted(_package_locale().glob("*.po"))}
    if locale_dir is not None:
        found.update({p.stem: p for p in sorted(Path(locale_dir).glob("*.po"))})
    return {lang: path for lang, path in found.items() if _LANGUAGE.match(lang)}


def available_languages(*, locale_dir: str | os.PathLike[str] | None = None) -> tuple[str, ...]:
    """The languages a notice can be rendered in: ``"en"`` first, then the rest sorted.

    ``locale_dir`` adds a shop's own ``<language>.po`` files (which also override shipped ones).

    Example:
        >>> from gdprkit.notice import available_languages
        >>> available_languages()[:2]
        ('en', 'sq')
    """
    others = sorted(lang for lang in _po_files(locale_dir) if lang != "en")
    return ("en", *others)


def _read_po(path: Path, language: str) -> Catalog:
    try:
        from babel.messages.pofile import read_po  # noqa: PLC0415, TID251 - the notice extra
    except ImportError:  # pragma: no cover - exercised without the extra
        raise MissingDependency(
            'rendering a notice in another language needs Babel: pip install "gdprkit[notice]"'
        ) from None
    raw = path.read_bytes()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    messages: dict[str, str] = {}
    for message in catalog:
        if not isinstance(message.id, str) or not message.id or message.fuzzy:
            continue
        if isinstance(message.string, str) and message.string:
            messages[message.id] = message.string
    header = raw.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    match = _STATUS.search(header)
    status = match.group(1).lower() if match else "draft"
    return Catalog(language=language, status=status, messages=messages)


def load_catalog(language: str, *, locale_dir: str | os.PathLike[str] | None = None) -> Catalog:
    """The catalog of ``language``; English is the source language and always reviewed.

    Raises:
        InvalidInput: ``language`` is not a two- or three-letter code.
        NotFound: no catalog for that language (the message lists those available).
    """
    if not _LANGUAGE.match(f"{language}"):  # any non-code value, whatever its type, is refused
        raise InvalidInput("language must be a lower-case ISO 639 code such as 'en' or 'sq'")
    files = _po_files(locale_dir)
    if language in files:
        return _read_po(files[language], language)
    if language == "en":
        return Catalog(language="en", status="reviewed", messages={})
    known = ", ".join(available_languages(locale_dir=locale_dir))
    raise NotFound(f"no notice catalog for language {language!r} (available: {known})")
