"""Statuses and sources of the law tables: the FACTS.md legend and its source list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.law.ages import DIGITAL_CONSENT_AGES, DigitalConsentAge
from gdprkit.law.retention import STATUTORY_RETENTION, StatutoryRetention
from gdprkit.law.sources import SOURCES, Source, Status, source


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("confirmed", Status.CONFIRMED),
        ("✅", Status.CONFIRMED),
        (" 🟡 ", Status.SECONDARY),
        ("❌", Status.UNCONFIRMED),
        (Status.SECONDARY, Status.SECONDARY),
    ],
)
def test_status_parses_values_and_symbols(text: object, expected: Status) -> None:
    assert Status.parse(text) is expected
    assert str(expected) == expected.value


@pytest.mark.parametrize("bad", ["likely", "", None, 1])
def test_status_rejects_unknown(bad: object) -> None:
    with pytest.raises(InvalidInput, match="expected one of"):
        Status.parse(bad)


def test_source_value_and_lookup() -> None:
    cylaw = source("S15")
    assert source("[S15]") is cylaw
    assert str(cylaw).startswith("[S15] cylaw.org")
    assert Source.from_dict(cylaw.to_dict()) == cylaw
    with pytest.raises(NotFound):
        source("S999")
    with pytest.raises(InvalidInput, match="ref"):
        Source("15", "text")
    with pytest.raises(InvalidInput, match="text"):
        Source("S15", "  ")
    with pytest.raises(InvalidType):
        Source.from_dict("S15")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="text"):
        Source.from_dict({"ref": "S15"})


def test_every_cited_source_is_known() -> None:
    cited = {s.ref for e in DIGITAL_CONSENT_AGES.values() for s in e.sources}
    cited |= {s.ref for e in STATUTORY_RETENTION for s in e.sources}
    assert cited <= set(SOURCES)
    # Every source reference named in a note is one the entry cites.
    entries: list[DigitalConsentAge | StatutoryRetention] = [
        *DIGITAL_CONSENT_AGES.values(),
        *STATUTORY_RETENTION,
    ]
    for entry in entries:
        refs = {s.ref for s in entry.sources}
        assert set(re.findall(r"\[(S\d+)\]", entry.note)) <= refs, entry


def test_source_texts_are_verbatim_copies_of_facts_md(shared_dir: Path) -> None:
    text = (shared_dir / "FACTS.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^- \[(S\d+)\] (.*)$", text, re.MULTILINE))
    for ref, entry in SOURCES.items():
        if int(ref[1:]) >= 200:
            # gdprkit's own additions: primary texts the fact sheet does not list (issue 15).
            assert ref not in listed, ref
            continue
        assert listed[ref] == entry.text, ref


def test_added_primary_sources_each_have_a_link() -> None:
    # Issue 15 item 9: every citation a user sees can be followed.
    added = [s for ref, s in SOURCES.items() if int(ref[1:]) >= 200]
    assert {s.ref for s in added} == {f"S{n}" for n in range(200, 211)}
    for entry in added:
        assert entry.url is not None, entry.ref
        assert entry.url.startswith("https://"), entry.ref


@given(st.from_type(Source))
def test_sources_round_trip_and_are_registered_for_from_type(fact: Source) -> None:
    assert SOURCES[fact.ref] == fact
    assert Source.from_dict(fact.to_dict()) == fact


def render_sources_page() -> str:
    """The docs page docs/reference/sources.md, rendered from gdprkit.law.sources."""
    from gdprkit.law.ages import DIGITAL_CONSENT_AGES
    from gdprkit.law.retention import STATUTORY_RETENTION

    cited: dict[str, list[str]] = {}
    for age in DIGITAL_CONSENT_AGES.values():
        for src in age.sources:
            cited.setdefault(src.ref, []).append(f"age {age.country}")
    for row in STATUTORY_RETENTION:
        for src in row.sources:
            cited.setdefault(src.ref, []).append(f"retention {row.country}/{row.document}")
    lines = [
        "# Sources",
        "",
        "<!-- Generated from gdprkit.law.sources by tests/law/test_sources.py; do not edit. -->",
        "",
        "Every `[Sn]` that gdprkit prints (in a retention rule's explanation, a table entry's",
        "sources, a docstring) is one of these. S1-S199 are the numbers of the project's fact",
        "sheet; S200 and above are primary texts gdprkit added where the fact sheet had none or",
        "differed from the text (issue 15). Each table entry also carries a status: ✅ confirmed",
        "from the primary text, 🟡 from secondary sources only (check before relying on it);",
        '❌ rows are never shipped. In code: `gdprkit.law.sources.SOURCES["S58"]`.',
        "",
        "| ref | source | link | table rows citing it |",
        "|---|---|---|---|",
    ]
    for ref, src in sorted(SOURCES.items(), key=lambda item: int(item[0][1:])):
        text = src.text.replace("|", "\\|")
        link = f"<{src.url}>" if src.url else "—"
        by = ", ".join(cited.get(ref, [])) or "—"
        lines.append(f"| {ref} | {text} | {link} | {by} |")
    return "\n".join(lines) + "\n"


def test_docs_sources_page_is_the_sources_table() -> None:
    # Issue 15 item 9: the sources table is published; the page cannot drift from the code.
    # To regenerate, write render_sources_page() to that file.
    page = Path(__file__).resolve().parents[2] / "docs" / "reference" / "sources.md"
    assert page.read_text(encoding="utf-8") == render_sources_page()
