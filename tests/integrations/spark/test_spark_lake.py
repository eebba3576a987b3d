"""Spark on a real local[2] session gives what ``gdprkit ip mask`` and the library give.

Every test file is read in 256 KiB splits, so a file spans several partitions and both task
slots; the reference is the command line (or the library call) on the same bytes.  Grouped in
one module on one session: the JVM starts once.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import json
import os
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from _lake_support import (
    KEY_ENV,
    KEY_TEXT,
    NOW,
    benchmark_log,
    cli_mask,
    corpus_logs,
    expected_decisions,
    retention_rows,
    retention_schedule,
    zoned_events,
    zoned_rows,
    zoned_schedule,
)
from pyspark.sql import functions as sf
from pyspark.sql import types as st

from gdprkit.errors import InvalidInput, InvalidType, KeyMaterialError, NaiveDatetimeError, NotFound
from gdprkit.integrations.spark import (
    TokenSpec,
    mask_ip_column,
    mask_log_lines,
    pseudonymise_column,
    read_log_lines,
    retention_decisions,
)
from gdprkit.ip import detect_log_format
from gdprkit.ip.spec import MaskerSpec
from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical

pytestmark = pytest.mark.spark

SECRET = KEY_TEXT.removeprefix("hex:")


def _bytes(df: Any, column: str = "value") -> bytes:
    rows = df.select(sf.col(column).cast("binary")).collect()
    return b"\n".join(bytes(row[0]) for row in rows)


def _same(spark_out: bytes, cli_out: bytes) -> bool:
    # Spark rows are lines without their "\n"; the CLI keeps a missing last newline missing.
    return spark_out == cli_out.removesuffix(b"\n")


def test_corpora_same_bytes_as_cli(
    spark: Any, shared_dir: Path, key_file: Path, tmp_path: Path
) -> None:
    # The key reaches the executors only through spark.executorEnv (the driver has none).
    assert KEY_ENV not in os.environ
    spec = MaskerSpec("cryptopan", key_env=KEY_ENV)
    by_format: dict[str, list[Path]] = collections.defaultdict(list)
    for path in corpus_logs(shared_dir):
        with path.open("rb") as head:  # the format the command line detects for this file
            by_format[detect_log_format(head.read(65536))].append(path)
    assert len(by_format) >= 3
    for fmt, paths in by_format.items():
        # One job per format; the splits of each file stay in order, so lines regroup by file.
        lines = read_log_lines(spark, [str(p) for p in paths]).withColumn(
            "file", sf.input_file_name()
        )
        masked = mask_log_lines(lines, spec, format=fmt).select(
            "file", sf.col("value").cast("binary")
        )
        got: dict[str, list[bytes]] = collections.defaultdict(list)
        for row in masked.collect():
            got[Path(urllib.parse.unquote(urllib.parse.urlparse(row[0]).path)).name].append(
                bytes(row[1])
            )
        for path in paths:
            expected = cli_mask(path, tmp_path / "out", method="cryptopan", key_file=key_file)
            assert _same(b"\n".join(got[path.name]), expected), path.name


def test_auto_format_is_detected_like_the_cli(spark: Any, shared_dir: Path) -> None:
    for name in ("elastic-examples/apache_logs.first8000", "fail2ban/sshd"):
        path = shared_dir / "corpora" / "logs" / name
        lines = read_log_lines(spark, str(path))
        auto = mask_log_lines(lines, MaskerSpec("ga"))
        with path.open("rb") as head:
            fmt = detect_log_format(head.read(65536))
        assert _bytes(auto) == _bytes(mask_log_lines(lines, MaskerSpec("ga"), format=fmt)), name


@pytest.mark.parametrize(
    ("method", "options"),
    [("ga", ()), ("hmac", ()), ("ipcrypt-pfx", ("--keep-form", "--skip-reserved"))],
)
def test_benchmark_log_same_bytes_as_cli(
    spark: Any, tmp_path: Path, key_file: Path, method: str, options: tuple[str, ...]
) -> None:
    log = benchmark_log(tmp_path / "access.log", 10000)
    keyed = method != "ga"
    spec = MaskerSpec(
        method,
        key_env=KEY_ENV if keyed else None,
        keep_form="--keep-form" in options,
        skip_reserved="--skip-reserved" in options,
    )
    lines = read_log_lines(spark, str(log))
    assert lines.rdd.getNumPartitions() > 2
    expected = cli_mask(
        log, tmp_path / "out", method=method, key_file=key_file if keyed else None, options=options
    )
    assert _same(_bytes(mask_log_lines(lines, spec)), expected)
    assert b"[unparsed]" in expected
    assert b"\r\n" in expected


def test_key_file_shipped_with_sparkfiles(spark: Any, tmp_path: Path, key_file: Path) -> None:
    shipped = tmp_path / "lake-ip.key"
    shipped.write_text(KEY_TEXT)
    spark.sparkContext.addFile(str(shipped))
    log = benchmark_log(tmp_path / "access.log", 2000)
    spec = MaskerSpec("ipcrypt-pfx", key_file="lake-ip.key")  # relative: found with SparkFiles
    masked = mask_log_lines(read_log_lines(spark, str(log)), spec, format="combined")
    expected = cli_mask(log, tmp_path / "out", method="ipcrypt-pfx", key_file=key_file)
    assert _same(_bytes(masked), expected)


def test_ip_column_and_tokens_are_the_same_wherever_the_row_lands(
    spark: Any, tmp_path: Path, key_file: Path
) -> None:
    values = [
        "192.0.2.1",
        "2001:db8::1",
        "-",
        "not an address",
        "198.51.100.4, 10.0.0.1",
        "[2001:db8::2]:443",
        "::ffff:192.0.2.9",
        None,
    ] * 40
    mails = [f"Customer{i % 13}@Shop.Example" for i in range(len(values))]
    rows = [(i, v, m) for i, (v, m) in enumerate(zip(values, mails, strict=True))]
    frame = spark.createDataFrame(rows, "n int, ip string, email string").repartition(5)
    ring = KeyRing([("k2026", bytes(range(32)))])
    ring_file = tmp_path / "lake-ring.json"
    ring_file.write_text(ring.to_secret_json())
    spark.sparkContext.addFile(str(ring_file))
    masked = mask_ip_column(frame, "ip", MaskerSpec("hmac", key_env=KEY_ENV), output="ip_masked")
    tokens = TokenSpec("email", canonicaliser="email_lower", keyring_file="lake-ring.json")
    out = pseudonymise_column(masked, "email", tokens).orderBy("n").collect()

    log = tmp_path / "ips.jsonl"
    log.write_text("".join(f'{{"ip": "{v}"}}\n' for v in values if v is not None))
    cli = cli_mask(
        log,
        tmp_path / "out",
        method="hmac",
        key_file=key_file,
        options=("--format", "jsonl", "--fields", "ip"),
    )
    from_cli = iter(line[len('{"ip": "') : -2] for line in cli.decode().splitlines())
    assert [r.ip_masked for r in out] == [None if v is None else next(from_cli) for v in values]
    assert [r.ip for r in out] == values
    local = Pseudonymiser(ring, domain="email", canonicaliser=canonical.email_lower)
    assert [r.email for r in out] == [local.token(m) for m in mails]


def test_decisions_equal_evaluate(spark: Any) -> None:
    rows = retention_rows(300)
    frame = spark.createDataFrame(
        [tuple(r.values()) for r in rows],
        "purpose string, record_id string, subject_id string, delivered timestamp, "
        "recorded timestamp, unsubscribed timestamp",
    ).repartition(4)
    out = retention_decisions(frame, retention_schedule(), now=NOW, subject_id="subject_id")
    got = {r.record_id: r.retention for r in out.collect()}
    expected = expected_decisions(rows)
    for row, want in zip(rows, expected, strict=True):
        decision = got[row["record_id"]]
        as_utc = [
            # collect() hands back naive datetimes in this process's local time (whatever TZ
            # Django's settings set earlier in the run): astimezone() reads them as such.
            None if v is None else v.astimezone(dt.timezone.utc)
            for v in (decision.due, decision.act_from)
        ]
        assert (decision.action, *as_utc, decision.due_now, decision.reason) == want


def test_a_zoned_register_schedule_with_blockers_decides_as_evaluate(spark: Any) -> None:
    # A register with controller.time_zone and [[blockers]]: the zone and the declared blockers
    # reach the executors; row 0 is stored in UTC on 31 December, 1 January in Sofia.
    schedule = zoned_schedule()
    events = zoned_events(schedule)
    rows = zoned_rows(schedule, 200)
    columns = ["purpose", "record_id", "subject_id", *events]
    frame = spark.createDataFrame(
        [tuple(r[c] for c in columns) for r in rows],
        "purpose string, record_id string, subject_id string, "
        + ", ".join(f"{name} timestamp" for name in events),
    ).repartition(4)
    out = retention_decisions(frame, schedule, now=NOW, subject_id="subject_id", events=events)
    got = {r.record_id: r.retention for r in out.collect()}
    expected = expected_decisions(rows, schedule, events)
    for row, want in zip(rows, expected, strict=True):
        decision = got[row["record_id"]]
        as_utc = [
            # collect() hands back naive datetimes in this process's local time (whatever TZ
            # Django's settings set earlier in the run): astimezone() reads them as such.
            None if v is None else v.astimezone(dt.timezone.utc)
            for v in (decision.due, decision.act_from)
        ]
        assert (decision.action, *as_utc, decision.due_now, decision.reason) == want
    assert "2026-01-01" in got["z-0"].reason  # the local day, not the UTC one


def test_bad_input_fails_on_the_driver_before_any_job(spark: Any) -> None:
    context = spark.sparkContext
    context.setJobGroup("gdprkit-bad-input", "typed errors before any job")
    try:
        numbers = spark.createDataFrame([(1, "a")], "ip int, name string")
        with pytest.raises(InvalidType, match="'ip' must hold strings, it is int"):
            mask_ip_column(numbers, "ip", MaskerSpec("ga"))
        with pytest.raises(NotFound, match="'client_ip'"):
            mask_log_lines(numbers, MaskerSpec("ga"), column="client_ip")
        with pytest.raises(KeyMaterialError, match="GDPRKIT_TEST_ABSENT") as info:
            mask_ip_column(numbers, "name", MaskerSpec("hmac", key_env="GDPRKIT_TEST_ABSENT"))
        assert "Traceback" not in str(info.value)
        with pytest.raises(KeyMaterialError, match="fingerprint"):
            mask_ip_column(numbers, "name", MaskerSpec("hmac", key_env=KEY_ENV, key_id="other"))
        with pytest.raises(KeyMaterialError):
            pseudonymise_column(numbers, "name", TokenSpec("n", keyring_file="/nonexistent.json"))
        with pytest.raises(InvalidInput, match="format"):
            mask_log_lines(numbers, MaskerSpec("ga"), column="name", format="apache")
        naive = spark.createDataFrame(
            [("cctv", "1", dt.datetime(2026, 1, 1, 10))],
            "purpose string, record_id string, recorded timestamp_ntz",
        )
        with pytest.raises(NaiveDatetimeError, match="'recorded'"):
            retention_decisions(naive, retention_schedule(), now=NOW)
        with pytest.raises(NaiveDatetimeError):
            retention_decisions(
                naive.drop("recorded"), retention_schedule(), now=dt.datetime(2026, 1, 1)
            )
        with pytest.raises(InvalidType, match="'recorded'"):
            retention_decisions(
                naive.withColumn("recorded", sf.lit(3)), retention_schedule(), now=NOW
            )
        assert list(context.statusTracker().getJobIdsForGroup("gdprkit-bad-input")) == []
    finally:
        context.setJobGroup("", "")


def test_no_key_in_plans_or_the_logged_configuration(spark: Any) -> None:
    masked = mask_log_lines(
        spark.createDataFrame([("from 192.0.2.1",)], "value string"),
        MaskerSpec("cryptopan", key_env=KEY_ENV),
        format="text",
    )
    assert _bytes(masked) != b"from 192.0.2.1"
    plans = masked._jdf.queryExecution().toString()
    assert "MapInArrow" in plans
    assert SECRET not in plans
    # What Spark logs, shows in its UI and writes to event logs as the configuration is
    # redacted; the raw configuration does hold the key (so the check above can fail).
    shown = spark.sparkContext._jsc.sc().conf().toDebugString()
    assert "spark.executorEnv." + KEY_ENV in shown
    assert SECRET not in shown
    assert SECRET in json.dumps(dict(spark.sparkContext.getConf().getAll()))


def test_column_type_is_kept_and_binary_columns_work(spark: Any) -> None:
    data = [(b"GET /caf\xe9 from 203.0.113.9\r",), (None,)]
    frame = spark.createDataFrame(data, st.StructType([st.StructField("raw", st.BinaryType())]))
    out = mask_log_lines(frame, MaskerSpec("ga"), column="raw", format="text")
    assert out.schema["raw"].dataType == st.BinaryType()
    assert [r.raw for r in out.collect()] == [bytearray(b"GET /caf\xe9 from 203.0.113.0\r"), None]


def test_docstring_examples_run() -> None:
    import doctest

    import gdprkit.integrations.spark

    result = doctest.testmod(gdprkit.integrations.spark, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def _listening(pid: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) of the TCP sockets ``pid`` listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = str(fd.readlink())
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.append(fields[1].split(":")[0])
    return found


def test_the_jvm_listens_on_loopback_only(spark: Any) -> None:
    proc = getattr(spark.sparkContext._gateway, "proc", None)
    if proc is None or not Path("/proc").is_dir():
        pytest.skip("needs Linux /proc and a JVM started by this process")
    addresses = _listening(proc.pid)
    assert addresses  # the driver, the block manager, the gateway
    loopback = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}
    assert set(addresses) <= loopback, addresses
