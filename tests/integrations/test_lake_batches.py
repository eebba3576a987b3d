"""The batch functions under the Spark and Dask integrations (no framework needed).

The invariant that makes a cluster give the command line's bytes: masking log lines batch by
batch, however the lines are cut into batches, gives what ``mask_stream`` gives for the whole
input.  Also: address columns mask like an address field, the retention schedule survives its
trip to the workers, and the integrations name their extra when the framework is missing.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import pickle
import subprocess
import sys
import zoneinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprkit.errors import GdprkitError, InvalidInput
from gdprkit.integrations import _lake
from gdprkit.ip import UNPARSED_MARKER, TruncationMasker, mask_stream
from gdprkit.ip.spec import MaskerSpec
from gdprkit.retention import RetentionRule, RetentionSchedule
from gdprkit.retention._declared import DeclaredBlocker
from gdprkit.testing import strategies as gst
from gdprkit.testing._st_law import ZONE_NAMES

sys.path.insert(0, str(Path(__file__).parent))
from _lake_support import (
    NOW,
    expected_decisions,
    zoned_events,
    zoned_rows,
    zoned_schedule,
)

MASKER = MaskerSpec("cryptopan", key_env="K").build(environ={"K": "07" * 32})
FORMATS = ("combined", "common", "jsonl", "syslog", "text")


@settings(deadline=None)
@given(
    st.sampled_from(FORMATS),
    st.lists(gst.log_lines(), min_size=1, max_size=30),
    st.lists(st.integers(0, 30), max_size=5),
    st.booleans(),
)
def test_any_batching_gives_the_bytes_of_one_stream(
    fmt: str, generated: list[tuple[str, bytes, tuple[str, ...]]], cuts: list[int], crlf: bool
) -> None:
    lines = [line + (b"\r" if crlf else b"") for _, line, _ in generated]
    whole = io.BytesIO()
    mask_stream(io.BytesIO(b"\n".join(lines) + b"\n"), whole, masker=MASKER, format=fmt)
    bounds = sorted({0, len(lines), *(c for c in cuts if c < len(lines))})
    batched: list[bytes | None] = []
    for start, end in itertools.pairwise(bounds):
        batched += _lake.mask_lines(lines[start:end], MASKER, format=fmt, fields=None)
    assert b"\n".join(b for b in batched if b is not None) + b"\n" == whole.getvalue()


@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=20))
def test_text_lines_keep_their_ends_and_nulls(values: list[str | None]) -> None:
    lines = [None if v is None else v.replace("\n", " ") + "\n" for v in values]
    out = _lake.mask_text_lines(
        lines, TruncationMasker.preset("ga"), format="text", fields=None, encoding="utf-8"
    )
    assert [o is None for o in out] == [v is None for v in values]
    assert all(o.endswith("\n") for o in out if o is not None)


@given(st.lists(st.one_of(gst.ip_addresses(), gst.x_forwarded_for_values()), max_size=10))
def test_address_columns_mask_like_a_json_address_field(values: list[str]) -> None:
    log = "".join(f'{{"ip": "{v}"}}\n' for v in values).encode()
    out = io.BytesIO()
    mask_stream(io.BytesIO(log), out, masker=MASKER, format="jsonl", fields=("ip",))
    expected = [line[len('{"ip": "') : -2] for line in out.getvalue().decode().splitlines()]
    assert _lake.mask_addresses(values, MASKER) == expected


def test_address_columns_fail_closed_and_keep_placeholders() -> None:
    got = _lake.mask_addresses(["-", "", "unknown", "nope", None, "192.0.2.1, x"], MASKER)
    assert got[:5] == ["-", "", "unknown", UNPARSED_MARKER, None]
    assert got[5].endswith(UNPARSED_MARKER)


def test_the_schedule_survives_its_trip_to_the_workers() -> None:
    import pickle
    import sys as _sys
    from pathlib import Path

    _sys.path.insert(0, str(Path(__file__).parent))
    from _lake_support import NOW, expected_decisions, retention_rows, retention_schedule

    data = pickle.loads(pickle.dumps(_lake.schedule_to_dict(retention_schedule())))  # noqa: S301
    rows = retention_rows(60)
    decided = _lake.decide(
        _lake.schedule_from_dict(data),
        purposes=[r["purpose"] for r in rows],
        record_ids=[r["record_id"] for r in rows],
        subject_ids=[r["subject_id"] for r in rows],
        events={k: [r[k] for r in rows] for k in ("delivered", "recorded", "unsubscribed")},
        now=NOW,
    )
    assert decided == expected_decisions(rows)


def test_the_integrations_name_their_extra_when_the_framework_is_missing() -> None:
    script = """
import sys
for name in ("pyspark", "pyarrow", "dask", "distributed", "pandas"):
    sys.modules[name] = None
for module, extra in (("spark", "gdprkit[spark]"), ("dask", "gdprkit[dask]")):
    try:
        __import__("gdprkit.integrations." + module)
    except ImportError as exc:
        assert extra in str(exc), exc
        assert type(exc).__name__ == "MissingDependency"
    else:
        raise SystemExit(module + " imported without its framework")
import gdprkit.ip.spec  # the spec needs neither
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_schedule_field_that_cannot_be_shipped_is_refused() -> None:
    import attrs
    import pytest

    from gdprkit.errors import InvalidInput
    from gdprkit.retention import RetentionRule, RetentionSchedule

    @attrs.frozen
    class Extended(RetentionSchedule):
        region: str | None = attrs.field(default=None, kw_only=True)

    rules = {"cctv": RetentionRule("recorded", "30 days")}
    assert _lake.schedule_to_dict(Extended(rules))["rules"]["cctv"]["period"] == "30 days"
    with pytest.raises(InvalidInput, match="'region'"):
        _lake.schedule_to_dict(Extended(rules, region="eu"))


# -- the schedule's zone and declared blockers reach the workers ------------------------------

_SUBJECTS = st.sampled_from(("s-1", "s-2", "s-3"))
_ZONES = st.sampled_from(
    [
        *(ZoneInfo(name) for name in ZONE_NAMES),
        dt.timezone.utc,
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(-dt.timedelta(hours=3)),
    ]
)


def _declared_blockers(purposes: list[str], events: list[str]) -> st.SearchStrategy[Any]:
    return st.builds(
        DeclaredBlocker,
        purpose=st.sampled_from(purposes),
        event=st.sampled_from(events),
        reason=st.sampled_from(("misuse", "bookkeeping (bk): invoices")),
        ground=st.sampled_from(("Art. 17(3)(b)", "Art. 17(3)(e)")),
        period=st.none() | gst.durations(max_amount=10),
        rules=st.lists(gst.retention_rules(), max_size=2),
        after=st.none() | gst.durations(max_amount=5),
    )


@st.composite
def _shippable(draw: st.DrawFn) -> tuple[RetentionSchedule, list[str], list[str]]:
    """A generated schedule, in a zone, with declared and host blockers; its purposes, events."""
    base = draw(gst.retention_schedules())
    purposes = sorted({*base.rules, *base.unscheduled}) or ["orders"]
    events = sorted(
        {r.trigger for r in base.rules.values()}
        | {d.event for ds in base.declared.values() for d in ds}
        | {"misuse_suspected"}
    )
    declared: dict[str, list[DeclaredBlocker]] = {k: list(v) for k, v in base.declared.items()}
    for blocker in draw(st.lists(_declared_blockers(purposes, events), max_size=3)):
        declared.setdefault(blocker.purpose, []).append(blocker)
    schedule = RetentionSchedule(
        base.rules,
        holds=[*base.holds, *draw(st.lists(gst.erasure_blockers(subjects=_SUBJECTS), max_size=2))],
        unscheduled=base.unscheduled,
        zone=draw(st.none() | _ZONES),
        declared=declared,
    )
    return schedule, purposes, events


def _outcome(schedule: RetentionSchedule, records: list[Any], now: dt.datetime) -> object:
    try:
        return [d.to_dict() for d in schedule.evaluate(records, now=now)]
    except GdprkitError as exc:  # e.g. a due date after the year 9999: both must refuse alike
        return (type(exc).__name__, str(exc))


@settings(deadline=None, max_examples=150)
@given(_shippable(), st.data())
def test_a_shipped_schedule_decides_every_record_as_the_original(
    drawn: tuple[RetentionSchedule, list[str], list[str]], data: st.DataObject
) -> None:
    schedule, purposes, events = drawn
    records = data.draw(
        st.lists(
            gst.retention_records(
                purposes=st.sampled_from([*purposes, "unknown"]),
                events=st.sampled_from(events),
                subjects=_SUBJECTS,
            ),
            max_size=8,
        )
    )
    now = data.draw(gst.event_datetimes())
    # Through JSON: stricter than the pickle the workers get (only str, numbers, lists, dicts).
    shipped = _lake.schedule_from_dict(json.loads(json.dumps(_lake.schedule_to_dict(schedule))))
    assert shipped.zone == schedule.zone
    assert shipped.holds == schedule.holds
    assert dict(shipped.declared) == dict(schedule.declared)
    assert _outcome(shipped, records, now) == _outcome(schedule, records, now)


def test_a_register_schedule_with_a_zone_and_blockers_is_shipped_whole() -> None:
    schedule = zoned_schedule()
    data = _lake.schedule_to_dict(schedule)
    assert data["zone"] == "Europe/Sofia"
    assert sorted(data["declared"]) == ["legal_obligations", "misuse_prevention", "online_purchase"]
    events = zoned_events(schedule)
    rows = zoned_rows(schedule, 150)
    shipped = _lake.schedule_from_dict(pickle.loads(pickle.dumps(data)))  # noqa: S301
    decided = _lake.decide(
        shipped,
        purposes=[r["purpose"] for r in rows],
        record_ids=[r["record_id"] for r in rows],
        subject_ids=[r["subject_id"] for r in rows],
        events={k: [r[k] for r in rows] for k in events},
        now=NOW,
    )
    assert decided == expected_decisions(rows, schedule, events)
    # The zone and the blockers decide: without either, some rows would be decided otherwise.
    for lost in (attrs.evolve(schedule, zone=None), attrs.evolve(schedule, declared={})):
        assert decided != expected_decisions(rows, lost, events)


def test_a_zone_without_an_iana_name_is_refused() -> None:
    from dateutil import tz

    rules = {"cctv": RetentionRule("recorded", "30 days")}
    with pytest.raises(InvalidInput, match=r"tzfile.*IANA name"):
        _lake.schedule_to_dict(RetentionSchedule(rules, zone=tz.gettz("Europe/Sofia")))
    files = [Path(d, "Europe", "Sofia") for d in zoneinfo.TZPATH]
    for path in (f for f in files if f.is_file()):
        with path.open("rb") as file:
            nameless = ZoneInfo.from_file(file)  # a ZoneInfo without a key
        with pytest.raises(InvalidInput, match="ZoneInfo"):
            _lake.schedule_to_dict(RetentionSchedule(rules, zone=nameless))
        break
    fixed = RetentionSchedule(rules, zone=dt.timezone(dt.timedelta(hours=-3)))
    assert _lake.schedule_from_dict(_lake.schedule_to_dict(fixed)).zone == fixed.zone
