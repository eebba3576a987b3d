"""Rendering the privacy notice (Art. 13/14 GDPR) from a register with sandboxed Jinja2."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from gdprkit._files import atomic_output
from gdprkit.errors import InvalidInput, InvalidType, MissingDependency
from gdprkit.notice._catalog import load_catalog
from gdprkit.notice._escape import escape_json, escape_markdown, escape_text
from gdprkit.notice._view import build_view, register_fingerprint
from gdprkit.register import Register

__all__ = ["FORMATS", "LAYERS", "RenderedNotice", "render_notice"]

FORMATS = ("html", "md", "text", "json")
LAYERS = ("full", "short")

_TEMPLATE = {"html": "notice.html.j2", "md": "notice.md.j2", "text": "notice.txt.j2"}


@attrs.frozen
class RenderedNotice:
    """One rendering of the notice: its text and what identifies it for consent evidence.

    ``version`` names the register content and language (the same for every format and layer
    of one register), ``sha256`` the exact text: ``notice_digest(content)``, so both go
    straight into :class:`gdprkit.consent.Evidence`.

    Example:
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"),
        ...                [Purpose(id="orders", description="Orders", basis="contract")])
        >>> n = render_notice(reg, format="text")
        >>> n.language, n.format, len(n.sha256)
        ('en', 'text', 64)
    """

    content: str = attrs.field(repr=False)
    language: str
    format: str
    layer: str
    version: str
    sha256: str
    is_draft: bool
    has_gaps: bool

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the content (UTF-8) atomically: a temporary file renamed on success."""
        with atomic_output(Path(path)) as handle:
            handle.write(self.content.encode("utf-8"))


@functools.lru_cache(maxsize=32)
def _environment(fmt: str, template_dir: str | None) -> Any:
    """The sandboxed environment of one format and template folder.

    Memoised so templates compile once per process (a memo of pure, immutable setup, not state:
    the translations and data come in with each render).  ``auto_reload`` stays on, so a shop
    editing its templates sees the change.
    """
    try:
        import jinja2  # noqa: PLC0415, TID251 - the notice extra
        from jinja2.sandbox import SandboxedEnvironment  # noqa: PLC0415, TID251
    except ImportError:  # pragma: no cover - exercised without the extra
        raise MissingDependency(
            'rendering a notice needs Jinja2 and Babel: pip install "gdprkit[notice]"'
        ) from None
    package = jinja2.PackageLoader("gdprkit.notice", "templates")
    loaders: list[Any] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(template_dir))
    # "gdprkit/notice.html.j2" always names the shipped template, so a shop's template of the
    # same name can extend it and override blocks.
    loaders += [jinja2.PrefixLoader({"gdprkit": package}), package]
    finalize: Callable[[Any], Any] | None = None
    if fmt == "md":
        finalize = escape_markdown
    elif fmt == "text":
        finalize = escape_text
    return SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=fmt == "html",
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_notice(
    register: Register,
    *,
    language: str = "en",
    format: str = "html",
    layer: str = "full",
    standalone: bool = True,
    template_dir: str | os.PathLike[str] | None = None,
    locale_dir: str | os.PathLike[str] | None = None,
    full_notice_url: str | None = None,
) -> RenderedNotice:
    """Render the privacy notice of ``register`` (Art. 13 and 14 GDPR).

    ``format`` is ``"html"``, ``"md"``, ``"text"`` or ``"json"`` (with DPV identifiers);
    ``layer`` is ``"full"`` or ``"short"``, the first layer of a layered notice (WP260 rev.01
    para. 35-38) that links to the full one (``full_notice_url``, default ``#privacy-notice``).
    ``standalone=False`` (HTML only) gives an ``<article>`` to embed in a page.  A shop's
    ``template_dir`` may hold ``notice.html.j2`` (or ``.md.j2``, ``.txt.j2``) that
    ``{% extends "gdprkit/notice.html.j2" %}`` and overrides blocks; ``locale_dir`` adds or
    overrides ``<language>.po`` catalogs.  Every register value is escaped for the format.

    The output depends only on the register, the language, the options and the templates:
    it carries no date, so the same input gives the same bytes (and ``sha256``).

    Raises:
        InvalidInput: an unknown format or layer, or ``standalone=False`` outside HTML.
        InvalidType: ``register`` is not a :class:`~gdprkit.register.Register`.
        NotFound: no catalog for ``language``.
        MissingDependency: Jinja2/Babel are not installed (``pip install "gdprkit[notice]"``).

    Example:
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"),
        ...                [Purpose(id="orders", description="Orders", basis="contract")])
        >>> n = render_notice(reg, format="md")
        >>> "Performance of a contract" in n.content
        True
        >>> from gdprkit.consent import notice_digest
        >>> n.sha256 == notice_digest(n.content)
        True
    """
    if not isinstance(register, Register):
        raise InvalidType(f"register must be a Register, got {type(register).__name__}")
    if format not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}")
    if layer not in LAYERS:
        raise InvalidInput(f"layer must be one of {', '.join(LAYERS)}")
    if not standalone and format != "html":
        raise InvalidInput("standalone=False (a fragment) exists for the html format only")
    catalog = load_catalog(language, locale_dir=locale_dir)
    label = register.notice_version or f"r-{register_fingerprint(register)[:12]}"
    version = f"{label}.{catalog.language}"
    view = build_view(register, catalog, version=version)
    view["layer"] = layer
    if format == "json":
        content = escape_json(view)
    else:
        env = _environment(format, None if template_dir is None else os.fspath(template_dir))
        template = env.get_template(_TEMPLATE[format])
        content = template.render(
            notice=view,
            layer=layer,
            standalone=standalone,
            is_draft=catalog.is_draft,
            full_notice_url=full_notice_url or "#privacy-notice",
            _=catalog.gettext,
        )
    return RenderedNotice(
        content=content,
        language=catalog.language,
        format=format,
        layer=layer,
        version=version,
        sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(),
        is_draft=catalog.is_draft,
        has_gaps=bool(view["has_gaps"]),
    )
