"""`gdprkit retention` on real CSV and JSONL files in tmp_path."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from gdprkit.cli import main

REGISTER = Path(__file__).resolve().parents[2] / "examples" / "register.toml"

CSV_ROWS = """purpose,record_id,subject_id,recorded,received,invoice_issued
cctv,clip-1,,2025-03-01T10:00:00+01:00,,
cctv,clip-2,,2025-05-20T10:00:00+01:00,,
customer_service_email,mail-1,c1,,2025-01-10T08:00:00Z,
bookkeeping,inv-1,c1,,,2024-03-15T09:00:00+01:00
cctv,clip-3,,,,
"""


@pytest.fixture
def records_csv(tmp_path: Path) -> Path:
    path = tmp_path / "records.csv"
    path.write_text(CSV_ROWS, encoding="utf-8")
    return path


def run(*argv: str) -> int:
    return main(["retention", "--register", str(REGISTER), *argv])


def test_csv_to_jsonl_on_stdout(records_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = run(str(records_csv), "--now", "2025-06-01T00:00:00Z")
    assert status == 0
    out, err = capsys.readouterr()
    decisions = {d["record_id"]: d for d in map(json.loads, out.splitlines())}
    assert decisions["clip-1"]["due_now"] is True
    assert decisions["clip-1"]["action"] == "delete"
    assert decisions["clip-2"]["due_now"] is False
    assert decisions["mail-1"]["due"] == "2025-04-21T00:00:00+00:00"
    assert decisions["inv-1"]["due"] == "2035-01-01T00:00:00+01:00"
    assert decisions["clip-3"]["action"] == "review"
    assert "recorded" in decisions["clip-3"]["note"]
    assert "c1" not in out  # subject ids are not written
    assert "5 records" in err
    assert "due now: 3" in err


def test_csv_output_file_and_due_only(records_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "decisions.csv"
    status = run(str(records_csv), "--now", "2025-06-01T00:00:00Z", "-o", str(out), "--due-only")
    assert status == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["record_id"] for r in rows} == {"clip-1", "mail-1", "clip-3"}
    assert all(r["due_now"] == "yes" for r in rows)
    assert "→" in rows[0]["explanation"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_jsonl_input_with_holds_and_fail_on_due(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text(
        json.dumps({"purpose": "cctv", "id": "c1", "events": {"recorded": "2025-01-01T00:00Z"}})
        + "\n\n"
        + json.dumps({"purpose": "cctv", "id": "c2", "recorded": "2025-01-01T00:00Z"})
        + "\n",
        encoding="utf-8",
    )
    holds = tmp_path / "holds.json"
    holds.write_text(
        json.dumps([{"reason": "police request", "scope": "record", "target": "c1"}]),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    argv = [str(records), "--now", "2025-06-01T00:00:00Z", "--holds", str(holds), "-o", str(out)]
    assert run(*argv, "--fail-on-due") == 1
    decisions = {d["record_id"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert decisions["c1"]["due_now"] is False
    assert "police request" in decisions["c1"]["hold"]
    assert decisions["c2"]["due_now"] is True
    # with every record held, nothing is due: status 0
    holds.write_text(json.dumps([{"reason": "litigation", "scope": "global"}]), encoding="utf-8")
    assert run(*argv, "--fail-on-due") == 0


def test_holds_file_may_hold_erasure_blockers(records_csv: Path, tmp_path: Path) -> None:
    holds = tmp_path / "holds.jsonl"
    holds.write_text(
        json.dumps({"kind": "open_case", "subject": "c1"})
        + "\n"
        + json.dumps({"reason": "audit", "scope": "purpose", "target": "cctv"})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    argv = [str(records_csv), "--now", "2025-06-01T00:00:00Z", "--holds", str(holds)]
    assert run(*argv, "-o", str(out), "--fail-on-due") == 1  # clip-3 lacks its event: review
    decisions = {d["record_id"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert "open case" in decisions["mail-1"]["hold"]
    assert decisions["mail-1"]["due_now"] is False
    assert decisions["clip-1"]["due_now"] is False
    assert decisions["clip-3"]["action"] == "review"


def test_preview_between_two_dates(records_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(records_csv), "--between", "2025-03-25", "2025-04-25") == 0
    out = capsys.readouterr().out
    assert sorted(json.loads(line)["record_id"] for line in out.splitlines()) == [
        "clip-1",
        "mail-1",
    ]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("purpose,record_id,recorded\ncctv,1,not-a-date\n", "r.csv", "record 1"),
        ("purpose,record_id,recorded\ncctv,1,2025-01-01T10:00:00\n", "r.csv", "timezone"),
        ("record_id\n1\n", "r.csv", "purpose"),
        ('{"purpose": "cctv"\n', "r.jsonl", "not valid JSON"),
        ("[1]\n", "r.jsonl", "JSON object"),
        ("x", "r.txt", ".csv"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run(str(path), "--now", "2025-06-01T00:00:00Z", "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.glob(".out.jsonl.*")) == []


def test_naive_now_is_refused(records_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(records_csv), "--now", "2025-06-01T00:00:00") == 2
    assert "--now" in capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(tmp_path / "nope.csv")) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_progress_bar_only_on_a_terminal(
    records_csv: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from gdprkit.cli import _retention

    monkeypatch.setattr(_retention, "_PROGRESS_EVERY", 2)
    assert run(str(records_csv), "--now", "2025-06-01T00:00:00Z") == 0
    assert "records (" not in capsys.readouterr().err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert run(str(records_csv), "--now", "2025-06-01T00:00:00Z") == 0
    err = capsys.readouterr().err
    assert "\r[" in err
    assert "4 records (100%)" in err


# -- issue 16: dates alone, stdin, text output -----------------------------------------------

DATES_CSV = """purpose,record_id,received
customer_service_email,mail-1,2025-02-01
customer_service_email,mail-2,2025-05-20
"""


@pytest.mark.parametrize(
    ("zone", "start"),
    [("UTC", "2025-02-01T00:00:00+00:00"), ("Europe/Vienna", "2025-02-01T00:00:00+01:00")],
)
def test_a_date_alone_is_the_start_of_that_day_in_the_controllers_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], zone: str, start: str
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(DATES_CSV, encoding="utf-8")
    assert run(str(path), "--now", "2025-06-02T03:00:00Z", "--timezone", zone) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["trigger_at"] == start
    assert [r["due_now"] for r in rows] == [True, False]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-01T10:00", "a time needs its UTC offset"),
        ("2025-02-01 10:00:00", "a time needs its UTC offset"),
        ("2025-02-30", "not a real date"),
    ],
)
def test_unusable_times_are_explained_in_csv_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(f"purpose,record_id,received\ncustomer_service_email,m,{value}\n")
    assert run(str(path)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "column 'received'" in err
    assert "record 1" in err
    assert "datetime" not in err  # no Python in the message


def test_dash_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    jsonl = '{"purpose": "customer_service_email", "record_id": "j", "events": {"received": '
    jsonl += '"2025-02-01"}}\n'
    for text in (DATES_CSV, jsonl):
        stream = io.TextIOWrapper(io.BufferedReader(io.BytesIO(text.encode())), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", stream)
        assert run("-", "--now", "2025-06-02T03:00:00Z") == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert rows[0]["due_now"] is True


def test_text_format_for_people(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.csv"
    path.write_text(DATES_CSV, encoding="utf-8")
    assert run(str(path), "--now", "2025-06-02T03:00:00Z", "--format", "text") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("DUE delete    mail-1")
    assert lines[2].startswith("    delete    mail-2")
    assert "received at 2025-02-01" in lines[1]
