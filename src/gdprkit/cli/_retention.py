"""``gdprkit retention``: decide what to delete, anonymise or review in a file of records."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from gdprkit._files import atomic_output
from gdprkit._time import ensure_aware, utc_now
from gdprkit.cli import EXIT_FINDINGS, EXIT_OK
from gdprkit.errors import InvalidInput
from gdprkit.register import load_register
from gdprkit.retention import (
    Decision,
    ErasureBlocker,
    LegalHold,
    RetentionSchedule,
    record_from_mapping,
)

_CSV_COLUMNS = (
    "record_id",
    "purpose",
    "action",
    "due_now",
    "due",
    "act_from",
    "trigger_at",
    "hold",
    "note",
    "explanation",
)
_PROGRESS_EVERY = 5_000


def add_parser(subparsers: Any) -> None:
    """Add the ``retention`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "retention",
        help="evaluate a CSV/JSONL file of records against the register's retention rules",
        description=(
            "Read records (CSV with columns purpose, record_id, subject_id and one column per "
            "event holding a date, 2025-03-01, read as the start of that day in --timezone, or "
            "an ISO 8601 time with offset, 2025-03-01T12:00:00+01:00; or JSON lines with the "
            "same keys or an 'events' object; '-' reads standard input) and write one decision "
            "per record: delete, anonymise, review or keep, when, whether it is due now, and "
            "why. Nothing is deleted: the command only decides. Exit status: 0 done, 1 with "
            "--fail-on-due when some action is due now, 2 when an input is unusable."
        ),
    )
    parser.add_argument(
        "records", help="records file (.csv, .jsonl or .ndjson), or '-' for standard input"
    )
    parser.add_argument(
        "--timezone",
        default="UTC",
        help="IANA zone of the controller: a date without a time means the start of that day "
        "there (default: UTC)",
    )
    parser.add_argument(
        "--register", required=True, help="processing register (TOML) with the retention rules"
    )
    parser.add_argument(
        "--holds",
        help=(
            "legal holds and erasure blockers: a JSON list or JSON lines of LegalHold.to_dict() "
            "or ErasureBlocker.to_dict() objects"
        ),
    )
    parser.add_argument(
        "--now",
        help="decide as of this ISO 8601 time with offset (default: the current UTC time)",
    )
    parser.add_argument(
        "--between",
        "--dry-run",
        nargs=2,
        metavar=("START", "END"),
        help=(
            "preview: list only the actions falling due in [START, END) (ISO 8601; a date "
            "alone means midnight UTC)"
        ),
    )
    parser.add_argument(
        "-o", "--output", help="write the decisions here (.csv or .jsonl) instead of stdout"
    )
    parser.add_argument(
        "--format",
        choices=("jsonl", "csv", "text"),
        help="output format: jsonl, csv, or text (one line per record for people; default: "
        "from the output file's suffix, else jsonl)",
    )
    parser.add_argument(
        "--due-only", action="store_true", help="write only the decisions that are due now"
    )
    parser.add_argument(
        "--fail-on-due",
        action="store_true",
        help="exit with status 1 when an action is due now (for cron jobs and CI)",
    )
    parser.set_defaults(func=run)


def _moment(text: str, name: str) -> dt.datetime:
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.timezone.utc)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 date or date-time") from None
    return ensure_aware(value, name)


def _holds(path: str) -> list[LegalHold]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        if text.lstrip().startswith("["):
            items = json.loads(text)
        else:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: line {exc.lineno}: not valid JSON") from None
    if not all(isinstance(item, dict) for item in items):
        raise InvalidInput(f"{path}: each hold must be a JSON object")
    # Objects with a "kind" are erasure blockers (ErasureBlocker.to_dict()), the rest holds.
    return [
        ErasureBlocker.from_dict(item).hold() if "kind" in item else LegalHold.from_dict(item)
        for item in items
    ]


class _Progress:
    """A one-line progress report on stderr, only when stderr is a terminal."""

    def __init__(self, stream: IO[str], total: int) -> None:
        self.stream = stream
        self.total = total
        self.active = sys.stderr.isatty()

    def update(self, count: int, position: int) -> None:
        if not self.active:
            return
        share = f" ({100 * position // self.total}%)" if self.total else ""
        width = 30
        filled = width * position // self.total if self.total else 0
        bar = "#" * filled + "." * (width - filled)
        print(f"\r[{bar}] {count:,} records{share}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.active:
            print(file=sys.stderr)


def _read(path: Path, counter: list[int], progress: _Progress) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    stdin = str(path) == "-"
    if stdin:
        head = sys.stdin.buffer.peek(64)[:64] if hasattr(sys.stdin.buffer, "peek") else b""
        suffix = ".jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else ".csv"
    elif suffix not in {".csv", ".jsonl", ".ndjson"}:
        raise InvalidInput(f"{path}: records must be a .csv, .jsonl or .ndjson file")
    raw_stream: Any = sys.stdin.buffer if stdin else path.open("rb")
    with raw_stream as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
        rows: Iterator[Any]
        if suffix == ".csv":
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "purpose" not in reader.fieldnames:
                raise InvalidInput(f"{path}: the CSV header must name a 'purpose' column")
            rows = iter(reader)
        else:
            rows = (line for line in handle if line.strip())
        for row in rows:
            counter[0] += 1
            if suffix != ".csv":
                try:
                    row = json.loads(row)  # noqa: PLW2901 - the parsed line replaces the text
                except json.JSONDecodeError:
                    raise InvalidInput(f"{path}: record {counter[0]}: not valid JSON") from None
                if not isinstance(row, dict):
                    raise InvalidInput(f"{path}: record {counter[0]}: not a JSON object")
            if counter[0] % _PROGRESS_EVERY == 0 and not stdin:
                progress.update(counter[0], raw.tell())
            yield row


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_ID_COLUMNS = frozenset({"purpose", "record_id", "id", "subject_id", "subject", "events"})


def _event_times(events: dict[str, Any], zone: dt.tzinfo, where: str) -> dict[str, Any]:
    """Dates alone become the start of that day in ``zone``; a time without offset is refused.

    The messages speak of the file's columns, not of Python (no value is repeated: it may
    be personal).
    """
    result = dict(events)
    for name, value in events.items():
        if not isinstance(value, str):
            continue
        text = value.strip()
        if _DATE.fullmatch(text):
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise InvalidInput(f"{where} column {name!r}: not a real date") from None
            result[name] = dt.datetime.combine(day, dt.time(), zone).isoformat()
        elif _NAIVE.fullmatch(text):
            raise InvalidInput(
                f"{where} column {name!r}: a time needs its UTC offset "
                "(write 2025-03-01T12:00:00+01:00), or write the date alone (2025-03-01, "
                "read in --timezone)"
            )
    return result


def _checked(
    path: Path, rows: Iterator[dict[str, Any]], counter: list[int], zone: dt.tzinfo
) -> Iterator[Any]:
    """Turn rows into records, naming the file and the record number in any error."""
    for row in rows:
        where = f"{path}: record {counter[0]}"
        if isinstance(row.get("events"), dict):
            row = {**row, "events": _event_times(row["events"], zone, where)}  # noqa: PLW2901
        else:
            events = {k: v for k, v in row.items() if k not in _ID_COLUMNS}
            row = {**row, **_event_times(events, zone, where)}  # noqa: PLW2901
        try:
            yield record_from_mapping(row)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc}") from None


def _row(decision: Decision) -> dict[str, Any]:
    data = decision.to_dict()
    data.pop("version")
    data.pop("rule")
    return data


def run(args: argparse.Namespace) -> int:
    """Run ``gdprkit retention``; return the exit status."""
    register = load_register(args.register)
    holds = _holds(args.holds) if args.holds else []
    schedule = RetentionSchedule.from_register(register, holds=holds)
    now = _moment(args.now, "--now") if args.now else utc_now()
    path = Path(args.records)
    try:
        zone = zoneinfo.ZoneInfo(args.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("--timezone must be an IANA time zone such as Europe/Vienna") from None
    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        fmt = {".csv": "csv", ".txt": "text"}.get(suffix, "jsonl")
    progress = _Progress(sys.stderr, 0 if args.records == "-" else path.stat().st_size)
    counter = [0]
    records = _checked(path, _read(path, counter, progress), counter, zone)
    if args.between:
        start = _moment(args.between[0], "START")
        end = _moment(args.between[1], "END")
        decisions = schedule.preview(records, start, end)
    else:
        decisions = schedule.evaluate(records, now=now)

    tally: Counter[str] = Counter()
    if args.output:
        try:
            with atomic_output(args.output) as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                _write(decisions, out, fmt, args.due_only, tally)
                out.flush()
                out.detach()  # the binary file is atomic_output's to finish
        finally:
            progress.close()
    else:
        try:
            _write(decisions, sys.stdout, fmt, args.due_only, tally)
        finally:
            progress.close()
    due = sum(n for key, n in tally.items() if key.startswith("due:"))
    parts = ", ".join(f"{key[4:]} {n}" for key, n in sorted(tally.items()) if key[:4] == "due:")
    print(
        f"gdprkit retention: {counter[0]} records, {tally['written']} decisions written; "
        f"due now: {due}{' (' + parts + ')' if parts else ''}; held: {tally['held']}",
        file=sys.stderr,
    )
    return EXIT_FINDINGS if args.fail_on_due and due else EXIT_OK


def _write(
    decisions: Iterator[Decision], out: IO[str], fmt: str, due_only: bool, tally: Counter[str]
) -> None:
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=_CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
    elif fmt == "text":
        out.write(f"{'':3} {'action':<9} {'record':<16} {'from':<10}  why\n")
    for decision in decisions:
        if decision.due_now:
            tally[f"due:{decision.action.value}"] += 1
        if decision.hold is not None:
            tally["held"] += 1
        if due_only and not decision.due_now:
            continue
        tally["written"] += 1
        if fmt == "text":
            out.write(_text_line(decision) + "\n")
            continue
        row = _row(decision)
        if writer is not None:
            row["explanation"] = " → ".join(row["explanation"])
            row["due_now"] = "yes" if row["due_now"] else "no"
            writer.writerow(row)
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _text_line(decision: Decision) -> str:
    """One decision for people: DUE flag, action, record, from when, and why (as the demo)."""
    flag = "DUE" if decision.due_now else "   "
    start = decision.act_from.date().isoformat() if decision.act_from is not None else "-"
    why = " -> ".join(decision.explanation[1:]) or " -> ".join(decision.explanation)
    held = " [on legal hold]" if decision.hold is not None else ""
    return f"{flag} {decision.action.value:<9} {decision.record_id:<16} {start:<10}  {why}{held}"
