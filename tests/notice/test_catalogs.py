"""The catalogs: every message the templates and the view use is translated in each shipped one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po  # noqa: TID251 - the notice extra

from gdprkit.law import DataCategory, LegalBasis, Right, SpecialCategoryCondition
from gdprkit.notice import _view as view
from gdprkit.notice import available_languages, render_notice
from gdprkit.notice._catalog import load_catalog
from gdprkit.register import Controller, Register

PACKAGE = Path(view.__file__).resolve().parent
SHIPPED = sorted(p.stem for p in (PACKAGE / "locale").glob("*.po"))


def _used_messages() -> set[str]:
    used: set[str] = set()
    for template in (PACKAGE / "templates").glob("*.j2"):
        used |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', template.read_text(encoding="utf-8")))
    source = (PACKAGE / "_view.py").read_text(encoding="utf-8")
    for match in re.finditer(r'\bt\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', source):
        used.add("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))))
    for table in (
        view._ROLE_LABEL,
        view._SAFEGUARD_LABEL,
        view._ACTION_LABEL,
        view._COOKIE_LABEL,
        view._DECISION_LABEL,
        view._STATUTORY_KIND,
    ):
        used |= set(table.values())
    for pair in view._UNIT_MESSAGES.values():
        used |= set(pair)
    for enum in (LegalBasis, SpecialCategoryCondition, Right, DataCategory):
        used |= {member.label for member in enum}
    return used


def test_the_template_catalog_lists_every_message() -> None:
    with (PACKAGE / "locale" / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert _used_messages() <= template


@pytest.mark.parametrize("language", SHIPPED)
def test_every_shipped_catalog_is_complete(language: str) -> None:
    catalog = load_catalog(language)
    missing = sorted(_used_messages() - set(catalog.messages))
    assert missing == []


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_their_placeholders(language: str) -> None:
    catalog = load_catalog(language)
    for source, translated in catalog.messages.items():
        assert sorted(re.findall(r"%\(\w+\)s", source)) == sorted(
            re.findall(r"%\(\w+\)s", translated)
        ), source


def test_languages_and_status() -> None:
    assert available_languages()[0] == "en"
    assert set(SHIPPED) <= set(available_languages())
    assert not load_catalog("en").is_draft
    assert load_catalog("sq").status in {"reviewed", "draft"}


def test_a_draft_catalog_says_so_in_the_notice() -> None:
    reg = Register(Controller(name="Shop", contact="c"), [])
    sq = render_notice(reg, language="sq")
    en = render_notice(reg, language="en")
    assert sq.is_draft is load_catalog("sq").is_draft
    assert ('class="gdprkit-draft"' in sq.content) is sq.is_draft
    assert 'class="gdprkit-draft"' not in en.content
    assert "Njoftim për privatësinë" in sq.content
