"""``gdprkit retention``: decide what to delete, anonymise or review in a file of records."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
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
            "event holding an ISO 8601 time with offset; or JSON lines with the same keys or an "
            "'events' object) and write one decision per record: delete, anonymise or review, "
            "when, whether it is due now, and why. Nothing is deleted: the command only "
            "decides. Exit status: 0 done, 1 with --fail-on-due when some action is due now, "
            "2 when an input is unusable."
        ),
    )
    parser.add_argument("records", help="records file (.csv, .jsonl or .ndjson)")
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
        choices=("jsonl", "csv"),
        help="output format (default: from the output file's suffix, else jsonl)",
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
    if suffix not in {".csv", ".jsonl", ".ndjson"}:
        raise InvalidInput(f"{path}: records must be a .csv, .jsonl or .ndjson file")
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
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
            if counter[0] % _PROGRESS_EVERY == 0:
                progress.update(counter[0], raw.tell())
            yield row


def _checked(path: Path, rows: Iterator[dict[str, Any]], counter: list[int]) -> Iterator[Any]:
    """Turn rows into records, naming the file and the record number in any error."""
    for row in rows:
        try:
            yield record_from_mapping(row)
        except InvalidInput as exc:
            raise InvalidInput(f"{path}: record {counter[0]}: {exc}") from None


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
    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        fmt = "csv" if suffix == ".csv" else "jsonl"
    progress = _Progress(sys.stderr, path.stat().st_size)
    counter = [0]
    records = _checked(path, _read(path, counter, progress), counter)
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
    for decision in decisions:
        if decision.due_now:
            tally[f"due:{decision.action.value}"] += 1
        if decision.hold is not None:
            tally["held"] += 1
        if due_only and not decision.due_now:
            continue
        tally["written"] += 1
        row = _row(decision)
        if writer is not None:
            row["explanation"] = " → ".join(row["explanation"])
            row["due_now"] = "yes" if row["due_now"] else "no"
            writer.writerow(row)
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
