"""What the Spark and Dask tests share: keys, the command-line reference, the corpora, the log.

The reference for every masking result is ``gdprkit ip mask`` itself (run in-process through
``gdprkit.cli.main``), on the same bytes; retention decisions are compared with
:meth:`RetentionSchedule.evaluate` on the same rows.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import tempfile
from pathlib import Path

from gdprkit.cli import main
from gdprkit.register import Register
from gdprkit.retention import (
    BlockerKind,
    ErasureBlocker,
    LegalHold,
    RetentionRule,
    RetentionSchedule,
)

REPO = Path(__file__).resolve().parents[2]

#: Key texts, written as a key file for the CLI and as an environment variable for workers.
KEY_TEXT = "hex:" + bytes(range(32)).hex()
OTHER_KEY_TEXT = "hex:" + bytes(range(1, 33)).hex()
KEY_ENV = "GDPRKIT_TEST_LAKE_KEY"

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=UTC)


def cli_mask(
    path: Path,
    out: Path,
    *,
    method: str,
    key_file: Path | None = None,
    options: tuple[str, ...] = (),
) -> bytes:
    """The bytes ``gdprkit ip mask`` writes for ``path``."""
    argv = ["ip", "mask", "-q", "--method", method, *options, "-o", str(out), str(path)]
    if key_file is not None:
        argv[3:3] = ["--key-file", str(key_file)]
    assert main(argv) == 0
    return out.read_bytes()


def corpus_logs(shared: Path) -> list[Path]:
    """Every log of the conformance corpora (the expectation tables left out)."""
    root = shared / "corpora" / "logs"
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix != ".tsv" and not p.name.startswith("LICENSE")
    )


def benchmark_log(path: Path, lines: int) -> Path:
    """The project's benchmark log (benchmarks/bench_ip_logs.py), ``lines`` long, plus edge lines.

    The edge lines are what a byte-exact tool must keep: a CRLF line, non-UTF-8 bytes, an
    address field that does not parse, an IPv6 client in brackets with a port.
    """
    spec = importlib.util.spec_from_file_location(
        "bench_ip_logs", REPO / "benchmarks" / "bench_ip_logs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(path, lines, 20251123)
    with path.open("ab") as out:
        out.write(
            b'198.51.100.7 - - [17/May/2025:11:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x"\r\n'
        )
        out.write(
            b'203.0.113.9 - - [17/May/2025:11:00:01 +0000] "GET /caf\xe9 HTTP/1.1" 200 5 "-" "x"\n'
        )
        out.write(b'300.1.2.3 - - [17/May/2025:11:00:02 +0000] "GET / HTTP/1.1" 200 5 "-" "x"\n')
        out.write(
            b'[2001:db8::1]:443 - - [17/May/2025:11:00:03 +0000] "GET / HTTP/1.1" 200 5 "-" "x"\n'
        )
    return path


def retention_schedule() -> RetentionSchedule:
    """A schedule with an aligned rule, a plain one, a purpose hold and an unscheduled purpose."""
    return RetentionSchedule(
        {
            "orders": RetentionRule(
                "delivered", "10 years", alignment="end_of_year", citation="§ 147 AO"
            ),
            "cctv": RetentionRule("recorded", "30 days"),
            "newsletter": RetentionRule("unsubscribed", "1 month", action="anonymise"),
        },
        holds=[
            LegalHold(
                "tax audit 2026", scope="purpose", target="cctv", until=NOW + dt.timedelta(days=10)
            )
        ],
        unscheduled={"support": "as long as the ticket is open"},
    )


def retention_rows(count: int) -> list[dict[str, object]]:
    """Rows of every kind: due, not due yet, held, missing event, unknown, unscheduled purpose."""
    purposes = ["orders", "cctv", "newsletter", "support", "unknown"]
    rows = []
    start = dt.datetime(2014, 1, 1, 8, tzinfo=UTC)
    for i in range(count):
        purpose = purposes[i % len(purposes)]
        moment = start + dt.timedelta(days=(i * 37) % 4600, hours=i % 24)
        at = None if i % 11 == 0 else moment
        rows.append(
            {
                "purpose": purpose,
                "record_id": f"r-{i}",
                "subject_id": f"s-{i % 7}",
                "delivered": at if purpose == "orders" else None,
                "recorded": at if purpose == "cctv" else None,
                "unsubscribed": at if purpose == "newsletter" else None,
            }
        )
    return rows


def expected_decisions(
    rows: list[dict[str, object]],
    schedule: RetentionSchedule | None = None,
    events: tuple[str, ...] = ("delivered", "recorded", "unsubscribed"),
) -> list[tuple[object, ...]]:
    """What RetentionSchedule.evaluate decides for the rows, in the integrations' five fields."""
    records = [
        {
            "purpose": row["purpose"],
            "record_id": row["record_id"],
            "subject_id": row["subject_id"],
            "events": {k: row[k] for k in events},
        }
        for row in rows
    ]
    chosen = retention_schedule() if schedule is None else schedule
    return [
        (d.action.value, d.due, d.act_from, d.due_now, "; ".join(d.explanation))
        for d in chosen.evaluate(records, now=NOW)
    ]


# -- a schedule from a real register with a time zone and declared blockers -----------------

#: The controller's zone added to the Percenta register (Bulgaria: UTC+2, +3 in summer).
ZONE = "Europe/Sofia"
#: 22:30 UTC on 31 December is 00:30 on 1 January in Sofia: another local day and year.
NEW_YEAR_IN_SOFIA = dt.datetime(2025, 12, 31, 22, 30, tzinfo=UTC)


def zoned_register() -> Register:
    """examples/registers/percenta.toml with ``controller.time_zone`` set to :data:`ZONE`.

    The register declares blockers dated from the record (suspected misuse for four years,
    a rejected credit application for three months, book-keeping by Bulgaria's statute).
    """
    text = (REPO / "examples" / "registers" / "percenta.toml").read_text(encoding="utf-8")
    text = text.replace('\ncountry = "BG"', f'\ntime_zone = "{ZONE}"\ncountry = "BG"', 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.toml"
        path.write_text(text, encoding="utf-8")
        return Register.from_toml(path)


def zoned_schedule() -> RetentionSchedule:
    """The zoned register's schedule, plus a host-supplied blocker that ends in the zone."""
    blocker = ErasureBlocker(
        BlockerKind.CREDIT_REJECTED, "s-3", at=NEW_YEAR_IN_SOFIA - dt.timedelta(days=61)
    )
    return RetentionSchedule.from_register(zoned_register(), holds=[blocker])


def zoned_events(schedule: RetentionSchedule) -> tuple[str, ...]:
    """Every event the schedule's rules and declared blockers date from."""
    names = {rule.trigger for rule in schedule.rules.values()}
    names |= {d.event for blockers in schedule.declared.values() for d in blockers}
    return tuple(sorted(names))


def zoned_rows(schedule: RetentionSchedule, count: int) -> list[dict[str, object]]:
    """Rows of every purpose (and an unknown one) with each event set, many near local midnight.

    Row 0 has every event at :data:`NEW_YEAR_IN_SOFIA`, stored in UTC.
    """
    purposes = [*sorted(schedule.rules), *sorted(schedule.unscheduled), "unknown"]
    events = zoned_events(schedule)
    rows: list[dict[str, object]] = []
    for i in range(count):
        row: dict[str, object] = {
            "purpose": purposes[i % len(purposes)],
            "record_id": f"z-{i}",
            "subject_id": f"s-{i % 7}",
        }
        for j, name in enumerate(events):
            shift = dt.timedelta(days=(i * 53 + j * 17) % 3700, minutes=(i * 37) % 180)
            at = NEW_YEAR_IN_SOFIA - shift if i else NEW_YEAR_IN_SOFIA
            row[name] = None if (i + j) % 9 == 4 else at
        rows.append(row)
    return rows
