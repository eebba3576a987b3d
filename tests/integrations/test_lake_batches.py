"""The batch functions under the Spark and Dask integrations (no framework needed).

The invariant that makes a cluster give the command line's bytes: masking log lines batch by
batch, however the lines are cut into batches, gives what ``mask_stream`` gives for the whole
input.  Also: address columns mask like an address field, the retention schedule survives its
trip to the workers, and the integrations name their extra when the framework is missing.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from gdprkit.integrations import _lake
from gdprkit.ip import UNPARSED_MARKER, TruncationMasker, mask_stream
from gdprkit.ip.spec import MaskerSpec
from gdprkit.testing import strategies as gst

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
