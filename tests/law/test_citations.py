"""Citations a user can follow (issue 15 item 9): no "FACTS.md" in the package or the docs.

FACTS.md is the project's internal fact sheet: it is neither in the package nor on the docs site,
so a citation of it leads nowhere.  Code and docs cite the primary source instead (article and
instrument, guideline and number, with a link; the sources table is gdprkit.law.sources).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Files still to convert (none left); add one only with a reason, and remove it when done.
# Keep this list short and explicit: no globs.
PENDING: frozenset[str] = frozenset()


def _shipped_files() -> list[Path]:
    files = [REPO / "README.md"]
    for top in ("src", "docs", "examples"):
        files += [
            p
            for p in (REPO / top).rglob("*")
            if p.is_file()
            and p.suffix in {".py", ".md", ".toml", ".html", ".txt", ".rst"}
            and "_build" not in p.parts
            and "_out" not in p.parts
        ]
    return files


def test_no_facts_md_citation_in_package_docs_or_examples() -> None:
    offenders = []
    for path in _shipped_files():
        rel = path.relative_to(REPO).as_posix()
        if rel in PENDING:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "FACTS.md" in line:
                offenders.append(f"{rel}:{number}")
    assert offenders == [], "cite the primary source instead of FACTS.md: " + ", ".join(offenders)


def test_pending_list_holds_only_files_that_still_cite_it() -> None:
    # An entry whose file no longer cites FACTS.md (or is gone) must leave the list.
    stale = [
        rel
        for rel in sorted(PENDING)
        if not (REPO / rel).is_file() or "FACTS.md" not in (REPO / rel).read_text("utf-8")
    ]
    assert stale == []
