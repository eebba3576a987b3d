"""The privacy notice (Art. 13 and 14 GDPR) rendered from the register.

The notice a customer reads and the register the code runs on cannot disagree: both are the
same data.  :func:`render_notice` gives layered HTML (accessible, printable, self-contained),
Markdown, plain text or JSON with W3C DPV identifiers, in English, Albanian or a shop's own
gettext catalog; each rendering carries a ``version`` and ``sha256`` that consent evidence
records (:class:`gdprkit.consent.Evidence`).  :func:`diff_registers` says what changed
between two registers in the customer's terms and which changes need fresh consent or a
notice to customers.

Needs the ``notice`` extra: ``pip install "gdprkit[notice]"`` (Jinja2 and Babel).

Example:
    >>> from gdprkit.notice import render_notice, available_languages, negotiate_language
    >>> from gdprkit.register import Controller, Purpose, Register
    >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"),
    ...                [Purpose(id="orders", description="Orders", basis="contract")])
    >>> lang = negotiate_language("sq-AL,sq;q=0.9,en;q=0.8", available_languages())
    >>> n = render_notice(reg, language=lang, format="html")
    >>> n.language, n.content.startswith("<!DOCTYPE html>")
    ('sq', True)
"""

from __future__ import annotations

from gdprkit.notice._catalog import available_languages
from gdprkit.notice._diff import ChangeAction, RegisterChange, diff_registers
from gdprkit.notice._negotiate import negotiate_language
from gdprkit.notice._render import FORMATS, LAYERS, RenderedNotice, render_notice

__all__ = [
    "FORMATS",
    "LAYERS",
    "ChangeAction",
    "RegisterChange",
    "RenderedNotice",
    "available_languages",
    "diff_registers",
    "negotiate_language",
    "render_notice",
]
