"""The notice renderer: completeness, rights per basis, byte stability, escaping, overrides."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from gdprkit.consent import Evidence, notice_digest
from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.law import rights_for
from gdprkit.notice import FORMATS, available_languages, render_notice
from gdprkit.notice._escape import escape_markdown, escape_text
from gdprkit.register import Controller, Purpose, Register, load_register
from gdprkit.testing import strategies as gst

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "register.toml"
SHOP = Controller(name="Shop", contact="privacy@shop.example")
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _escaped(value: str, fmt: str) -> str:
    if fmt == "html":
        return str(escape(value))
    if fmt == "md":
        return escape_markdown(value)
    if fmt == "text":
        return escape_text(value)
    return (
        json.dumps(value, ensure_ascii=False)[1:-1]
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _shown(value: str, fmt: str, content: str) -> bool:
    """Whether ``value`` appears escaped for ``fmt``; Markdown escapes a value's first character
    only where it starts the value printed, so a value inside a sentence may keep it."""
    if _escaped(value, fmt) in content:
        return True
    return fmt == "md" and escape_markdown("a" + value)[1:] in content


def _json_view(register: Register, language: str = "en") -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        render_notice(register, language=language, format="json").content
    )
    return result


@SLOW
@given(gst.registers(max_purposes=4), st.sampled_from(FORMATS), st.sampled_from(("en", "sq")))
def test_every_element_of_the_register_appears_in_every_format(
    register: Register, fmt: str, language: str
) -> None:
    content = render_notice(register, format=fmt, language=language).content
    view = _json_view(register, language)
    for purpose, shown in zip(register.purposes, view["purposes"], strict=True):
        assert _shown(purpose.description, fmt, content)
        for retention, r in zip(purpose.all_retentions, shown["retentions"], strict=True):
            assert _shown(retention.description, fmt, content)
            if r["period"] is not None:
                assert _shown(r["period"], fmt, content)
        for recipient, r in zip(purpose.recipients, shown["recipients"], strict=True):
            assert _shown(recipient.name, fmt, content)
            assert _shown(r["role"], fmt, content)
        for transfer, t in zip(purpose.transfers, shown["transfers"], strict=True):
            assert _shown(transfer.recipient, fmt, content)
            assert _shown(t["country"], fmt, content)
            assert _shown(t["safeguard"], fmt, content)
        for op in shown["operations"]:
            assert _shown(op["description"], fmt, content)
            assert _shown(op["basis"]["label"], fmt, content)
            for right in op["rights"]:
                assert _shown(right["label"], fmt, content)
        for right in shown["rights"]:
            assert _shown(right["label"], fmt, content)
    for blocker in register.blockers:
        assert _shown(blocker.description, fmt, content)
    for cookie in register.cookies:
        assert _shown(cookie.name, fmt, content)


@SLOW
@given(gst.registers(max_purposes=5))
def test_rights_per_purpose_are_exactly_those_of_the_law(register: Register) -> None:
    view = _json_view(register)
    for purpose, shown in zip(register.purposes, view["purposes"], strict=True):
        expected = rights_for(
            purpose.basis, automated=purpose.automated, direct_marketing=purpose.direct_marketing
        )
        assert {r["code"] for r in shown["rights"]} == {r.value for r in expected}
        assert {r["dpv"] for r in shown["rights"]} == {r.dpv_iri for r in expected}
        for op, op_shown in zip(purpose.operations, shown["operations"], strict=True):
            marketing = (
                purpose.direct_marketing if op.direct_marketing is None else op.direct_marketing
            )
            expected = rights_for(op.basis, automated=purpose.automated, direct_marketing=marketing)
            assert {r["code"] for r in op_shown["rights"]} == {r.value for r in expected}


@SLOW
@given(gst.registers(max_purposes=3), st.sampled_from(FORMATS), st.sampled_from(("full", "short")))
def test_output_is_byte_stable_and_hashed(register: Register, fmt: str, layer: str) -> None:
    first = render_notice(register, format=fmt, layer=layer)
    second = render_notice(Register.from_dict(register.to_dict()), format=fmt, layer=layer)
    assert first.content == second.content
    assert first.sha256 == notice_digest(first.content) == second.sha256
    assert first.version == second.version


def test_version_and_digest_go_straight_into_consent_evidence() -> None:
    n = render_notice(load_register(EXAMPLE), language="sq")
    ev = Evidence(
        method="checkbox",
        notice_version=n.version,
        notice_sha256=n.sha256,
        locale=n.language,
        channel="web",
        collected_by="checkout",
    )
    assert ev.notice_sha256 == notice_digest(n.content)


def test_version_changes_with_the_register_but_not_with_the_format() -> None:
    reg = load_register(EXAMPLE)
    versions = {render_notice(reg, format=f).version for f in FORMATS}
    assert len(versions) == 1
    other = Register(reg.controller, reg.purposes[:-1])
    assert render_notice(other).version not in versions
    pinned = Register(reg.controller, reg.purposes, notice_version="2025-03")
    assert render_notice(pinned, language="sq").version == "2025-03.sq"


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "# Heading\n\n[click](javascript:alert(1))",
    "| cell | injection |\n|---|---|",
    "**bold** _it_ `code` ![img](http://x)",
    "1. list\n- item\n> quote",
    "line\x1b[31mred\x1b[0m\u202eevil",
    "&amp; &lt;entity&gt;",
    "{{ 7*7 }} {% raw %} %(controller)s",
]


def _hostile_register(text: str) -> Register:
    return Register(
        Controller(name=text, contact=text, supervisory_authority=text),
        [
            Purpose(
                id="p",
                description=text,
                basis="consent",
                withdrawal=text,
                recipients=[{"name": text, "description": text}],
                retention={"description": text, "criterion": text},
                operations=[{"id": "o", "description": text, "basis": "legitimate_interests"}],
                retentions=[{"description": text, "record": text, "country": "US"}],
            ),
            Purpose(id="q", description=text, basis="contract"),
        ],
        blockers=[
            {"id": "b", "kind": "other", "purposes": ["q"], "description": text, "while_open": True}
        ],
        cookies=[{"name": text, "kind": "marketing", "basis": "consent", "provider": text}],
    )


def _block_structure(markdown: str) -> list[str]:
    """Each line's block marker: what a Markdown renderer decides the line's structure from."""
    return [re.match(r"^\s*(#+|>|\||-|\d+[.)]|)", line).group(1) for line in markdown.split("\n")]  # type: ignore[union-attr]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_register_text_is_escaped_in_every_format(hostile: str) -> None:
    reg = _hostile_register(hostile)
    benign = _hostile_register("x")
    html = render_notice(reg, format="html").content
    assert "<script" not in html
    assert "<img" not in html
    if "{{" in hostile:
        assert "{{ 7*7 }}" in html  # templates never evaluate data
    md = render_notice(reg, format="md").content
    assert "<script" not in md
    assert "<img" not in md
    assert not re.search(r"(?<!\\)\]\(javascript", md)  # an escaped bracket opens no link
    # Hostile text never adds a heading, quote, table row or list item.
    assert _block_structure(md) == _block_structure(render_notice(benign, format="md").content)
    text = render_notice(reg, format="text").content
    assert text.count("\n") == render_notice(benign, format="text").content.count("\n")
    for content in (md, text):
        assert "\x1b" not in content
        assert "\u202e" not in content
    document = render_notice(reg, format="json").content
    assert "<" not in document
    assert ">" not in document
    assert json.loads(document)["purposes"][0]["description"] == hostile


@SLOW
@given(gst.registers(max_purposes=2), st.text(min_size=1, max_size=40))
def test_no_register_text_opens_an_html_tag(register: Register, text: str) -> None:
    reg = attrs.evolve(
        register,
        controller=Controller(name="<b>" + text, contact=text + "<i>"),
        purposes=[
            *register.purposes,
            Purpose(id="zz_extra", description="<" + text, basis="contract"),
        ],
    )
    html = render_notice(reg, format="html", standalone=False).content
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))
    allowed = {
        "article", "header", "h1", "h2", "h3", "p", "section", "dl", "dt", "dd", "div", "table",
        "caption", "thead", "tbody", "tr", "th", "td", "strong", "ul", "li", "a", "footer",
        "small",
    }  # fmt: skip
    assert tags <= allowed


def test_fragment_is_an_article_without_document_chrome() -> None:
    n = render_notice(load_register(EXAMPLE), standalone=False)
    assert n.content.lstrip().startswith("<article")
    assert "<html" not in n.content
    assert "<body" not in n.content
    full = render_notice(load_register(EXAMPLE)).content
    assert full.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in full
    assert "<main>" in full


def test_short_layer_links_to_the_full_notice_and_names_every_purpose() -> None:
    reg = load_register(EXAMPLE)
    short = render_notice(reg, layer="short", full_notice_url="/privacy").content
    assert 'href="/privacy"' in short
    for purpose in reg:
        assert str(escape(purpose.description)) in short
    assert len(short) < len(render_notice(reg).content) / 2


def test_missing_mandatory_elements_show_as_visible_gaps() -> None:
    reg = Register(SHOP, [Purpose(id="news", description="Newsletter", basis="consent")])
    n = render_notice(reg)
    assert n.has_gaps
    assert n.content.count('class="gdprkit-gap"') == 4  # withdrawal, retention, 13(2)(e), 77
    assert "Art. 13(2)(d)" in n.content
    assert "Art. 7(3)" in n.content


def test_a_shop_template_overrides_one_block(tmp_path: Path) -> None:
    (tmp_path / "notice.html.j2").write_text(
        '{% extends "gdprkit/notice.html.j2" %}'
        "{% block complaint %}<section><h2>Ankesa</h2><p>{{ notice.controller.name }}</p>"
        "</section>{% endblock %}",
        encoding="utf-8",
    )
    reg = Register(Controller(name="A<b>", contact="c"), [])
    html = render_notice(reg, template_dir=tmp_path).content
    assert "<h2>Ankesa</h2><p>A&lt;b&gt;</p>" in html
    assert "Who we are" in html  # the other blocks stay


def test_the_sandbox_refuses_unsafe_template_code(tmp_path: Path) -> None:
    from jinja2.exceptions import SecurityError  # noqa: TID251 - the notice extra

    (tmp_path / "notice.html.j2").write_text(
        "{{ notice.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8"
    )
    with pytest.raises(SecurityError):
        render_notice(Register(SHOP, []), template_dir=tmp_path)


def test_a_shop_catalog_adds_a_language(tmp_path: Path) -> None:
    (tmp_path / "de.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"X-Gdprkit-Status: reviewed\\n"\n\nmsgid "Privacy notice"\nmsgstr "Datenschutzhinweis"\n',
        encoding="utf-8",
    )
    assert "de" in available_languages(locale_dir=tmp_path)
    n = render_notice(Register(SHOP, []), language="de", locale_dir=tmp_path)
    assert '<h1 id="gdprkit-notice-title">Datenschutzhinweis</h1>' in n.content
    assert not n.is_draft


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"format": "pdf"}, InvalidInput),
        ({"layer": "middle"}, InvalidInput),
        ({"format": "md", "standalone": False}, InvalidInput),
        ({"language": "xx"}, NotFound),
        ({"language": "EN-gb"}, InvalidInput),
    ],
)
def test_bad_options_raise_typed_errors(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        render_notice(Register(SHOP, []), **kwargs)


def test_a_register_is_required() -> None:
    with pytest.raises(InvalidType):
        render_notice({"controller": {}})  # type: ignore[arg-type]


def test_write_is_atomic_and_utf8(tmp_path: Path) -> None:
    n = render_notice(load_register(EXAMPLE), language="sq", format="md")
    n.write(tmp_path / "privacy.md")
    assert (tmp_path / "privacy.md").read_text(encoding="utf-8") == n.content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["privacy.md"]


def test_without_the_extra_the_error_names_it() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "sys.modules['jinja2'] = None\n"
        "sys.modules['babel'] = None\n"
        "from gdprkit.errors import MissingDependency\n"
        "from gdprkit.notice import render_notice\n"
        "from gdprkit.register import load_register\n"
        "reg = load_register('examples/register.toml')\n"
        "assert render_notice(reg, format='json').content.startswith('{')\n"
        "try:\n"
        "    render_notice(reg)\n"
        "except MissingDependency as exc:\n"
        "    assert 'gdprkit[notice]' in str(exc), exc\n"
        "    assert isinstance(exc, ImportError)\n"
        "else:\n"
        "    raise SystemExit('rendered without Jinja2')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
