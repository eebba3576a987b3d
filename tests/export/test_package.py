"""The Art. 20 package: scope, determinism, atomicity, integrity, round trip, streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdprkit.errors import (
    IntegrityError,
    InvalidInput,
    InvalidType,
    NaiveDatetimeError,
    NotFound,
    PackageIntegrityError,
)
from gdprkit.export import Attachment, Dataset, read_package, write_package
from gdprkit.register import Register
from gdprkit.testing import strategies as gst

WHEN = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone.utc)


def _orders(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "order": f"A-{i}",
            "placed": dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone.utc) + dt.timedelta(hours=i),
            "total": Decimal("19.90") + i,
            "paid": i % 2 == 0,
            "ship_to": {"city": "Rīga", "zip": "LV-1050"},
            "items": [{"sku": "X1", "qty": 1}],
            "note": None,
        }


def _write(path: Path, shop: Register, **kwargs: Any) -> Any:
    datasets = kwargs.pop(
        "datasets",
        [
            Dataset("orders", "order_fulfilment", list(_orders(5))),
            Dataset("fraud_scores", "fraud_prevention", [{"score": 0.93}]),
            Dataset("visits", "web_analytics", [{"page": "/"}]),
        ],
    )
    return write_package(path, shop, "tok-7f3a", datasets, generated_at=WHEN, **kwargs)


def test_package_layout_and_manifest(tmp_path: Path, shop: Register) -> None:
    pkg = _write(tmp_path / "p.zip", shop)
    with zipfile.ZipFile(pkg.path) as archive:
        names = archive.namelist()
    assert names == [
        "data/orders.jsonl",
        "data/orders.csv",
        "data/visits.jsonl",
        "data/visits.csv",
        "manifest.json",
    ]
    manifest = pkg.manifest
    assert manifest["format"] == "gdprkit-portability-package"
    assert manifest["version"] == 1
    assert manifest["generated_at"] == WHEN.isoformat()
    assert manifest["subject"] == "tok-7f3a"
    assert manifest["controller"]["name"] == shop.controller.name
    orders, _visits = manifest["datasets"]
    assert orders["records"] == 5
    assert orders["fields"] == [
        "order",
        "placed",
        "total",
        "paid",
        "ship_to.city",
        "ship_to.zip",
        "items",
        "note",
    ]
    schema = orders["schema"]
    assert schema["properties"]["placed"] == {"type": "string", "format": "date-time"}
    assert schema["properties"]["ship_to"]["properties"]["city"]["type"] == "string"
    assert schema["properties"]["paid"]["type"] == "boolean"
    assert set(manifest["members"]) == {
        "data/orders.jsonl",
        "data/orders.csv",
        "data/visits.jsonl",
        "data/visits.csv",
    }


def test_scope_excludes_with_reasons_and_never_reads_excluded(
    tmp_path: Path, shop: Register
) -> None:
    def exploding() -> Iterator[dict[str, Any]]:
        raise AssertionError("excluded datasets must not be read")
        yield {}  # pragma: no cover

    pkg = _write(
        tmp_path / "p.zip",
        shop,
        datasets=[
            Dataset("orders", "order_fulfilment", [{"a": 1}]),
            Dataset("fraud_scores", "fraud_prevention", exploding()),  # legitimate interests
            Dataset("invoices", "bookkeeping", exploding()),  # legal obligation
            Dataset("cctv", "cctv", exploding()),  # not automated, and legitimate interests
            Dataset("visits", "web_analytics", exploding()),  # consent, but observed only
            Dataset("derived", "account", exploding(), provenance="derived"),
        ],
        include_observed=False,  # the narrow reading of "provided"
    )
    reasons = {e["name"]: e["reason"] for e in pkg.manifest["excluded"]}
    assert reasons == {
        "fraud_scores": "basis",
        "invoices": "basis",
        "cctv": "basis",
        "visits": "provenance",
        "derived": "provenance",
    }
    assert all(e["article"].startswith("Art. 20") for e in pkg.manifest["excluded"])


def test_observed_data_included_by_default(tmp_path: Path, shop: Register) -> None:
    # WP242 rev.01, section III: data observed from the subject's activity are "provided by
    # the data subject" for Art. 20(1); only inferred or derived data fall outside.
    pkg = _write(
        tmp_path / "p.zip",
        shop,
        datasets=[Dataset("visits", "web_analytics", [{"page": "/"}])],
    )
    assert pkg.dataset_names() == ("visits",)
    assert pkg.manifest["excluded"] == []
    assert pkg.manifest["scope"]["include_observed"] is True
    assert read_package(pkg.path).load()["visits"] == [{"page": "/"}]


def test_observed_data_excluded_with_reason_when_the_shop_reads_narrowly(
    tmp_path: Path, shop: Register
) -> None:
    pkg = _write(
        tmp_path / "p.zip",
        shop,
        datasets=[
            Dataset("orders", "order_fulfilment", [{"a": 1}]),
            Dataset("visits", "web_analytics", [{"page": "/"}]),
        ],
        include_observed=False,
    )
    assert pkg.dataset_names() == ("orders",)
    (entry,) = pkg.manifest["excluded"]
    assert entry["name"] == "visits"
    assert entry["reason"] == "provenance"
    assert entry["article"] == "Art. 20(1)"
    assert "narrowly" in entry["explanation"]
    assert "observed" in entry["explanation"]
    assert pkg.manifest["scope"]["include_observed"] is False
    with zipfile.ZipFile(pkg.path) as archive:
        assert "data/visits.jsonl" not in archive.namelist()


def test_same_input_gives_identical_bytes(tmp_path: Path, shop: Register) -> None:
    first = _write(tmp_path / "a.zip", shop).path.read_bytes()
    second = _write(tmp_path / "b.zip", shop).path.read_bytes()
    assert first == second
    third = write_package(
        tmp_path / "c.zip",
        shop,
        "tok-7f3a",
        [Dataset("orders", "order_fulfilment", list(_orders(5)))],
        generated_at=WHEN + dt.timedelta(seconds=1),
    )
    assert third.path.read_bytes() != first


def test_zip_entries_carry_fixed_timestamps(tmp_path: Path, shop: Register) -> None:
    pkg = _write(tmp_path / "p.zip", shop)
    with zipfile.ZipFile(pkg.path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_error_midway_leaves_no_file_and_no_temporary(tmp_path: Path, shop: Register) -> None:
    def failing() -> Iterator[dict[str, Any]]:
        yield from _orders(3000)
        raise RuntimeError("database connection lost")

    target = tmp_path / "p.zip"
    with pytest.raises(RuntimeError, match="connection lost"):
        _write(target, shop, datasets=[Dataset("orders", "order_fulfilment", failing())])
    assert list(tmp_path.iterdir()) == []


def test_error_keeps_an_existing_package_untouched(tmp_path: Path, shop: Register) -> None:
    target = tmp_path / "p.zip"
    target.write_bytes(b"previous package")
    with pytest.raises(InvalidType):
        _write(target, shop, datasets=[Dataset("orders", "order_fulfilment", [{"b": b"x"}])])
    assert target.read_bytes() == b"previous package"
    assert [p.name for p in tmp_path.iterdir()] == ["p.zip"]


def test_bad_values_name_dataset_and_record_not_value(tmp_path: Path, shop: Register) -> None:
    naive = dt.datetime(2025, 1, 1, 12, 0)
    records = [{"ok": 1}, {"when": naive, "email": "someone@example.com"}]
    with pytest.raises(InvalidInput) as caught:
        _write(tmp_path / "p.zip", shop, datasets=[Dataset("orders", "order_fulfilment", records)])
    message = str(caught.value)
    assert "'orders'" in message
    assert "record 1" in message
    assert "2025" not in message
    assert "someone@example.com" not in message
    with pytest.raises(InvalidInput, match="NaN"):
        _write(
            tmp_path / "p.zip",
            shop,
            datasets=[Dataset("orders", "order_fulfilment", [{"x": float("nan")}])],
        )
    with pytest.raises(InvalidType, match="mapping"):
        _write(tmp_path / "p.zip", shop, datasets=[Dataset("orders", "order_fulfilment", [[1]])])


def test_inputs_are_checked_before_anything_is_written(tmp_path: Path, shop: Register) -> None:
    with pytest.raises(NotFound, match="no purpose 'nope'"):
        _write(tmp_path / "p.zip", shop, datasets=[Dataset("x", "nope", [])])
    with pytest.raises(InvalidInput, match="unique"):
        _write(
            tmp_path / "p.zip",
            shop,
            datasets=[Dataset("x", "account", []), Dataset("x", "payment", [])],
        )
    with pytest.raises(NaiveDatetimeError):
        write_package(
            tmp_path / "p.zip",
            shop,
            "tok",
            [],
            generated_at=dt.datetime(2025, 1, 1),
        )
    with pytest.raises(InvalidInput, match="subject"):
        write_package(tmp_path / "p.zip", shop, " ", [], generated_at=WHEN)
    assert list(tmp_path.iterdir()) == []


def test_subject_stays_out_of_reprs(tmp_path: Path, shop: Register) -> None:
    pkg = _write(tmp_path / "p.zip", shop)
    assert "tok-7f3a" not in repr(pkg)
    assert "tok-7f3a" not in repr(read_package(pkg.path))


def test_csv_is_rfc4180_utf8_with_flattened_columns(tmp_path: Path, shop: Register) -> None:
    records = [
        {"name": 'Ana "Ani" Kola', "address": {"line": "Rr. 1\nKati 2", "city": "Tiranë"}},
        {"name": "Bo, Jr.", "when": dt.datetime(2025, 5, 1, 8, tzinfo=dt.timezone.utc)},
        {"name": "Cy", "amount": Decimal("0.10"), "vip": True, "tags": ["a", "b"], "x.y": 1},
    ]
    pkg = _write(tmp_path / "p.zip", shop, datasets=[Dataset("people", "account", records)])
    with zipfile.ZipFile(pkg.path) as archive:
        raw = archive.read("data/people.csv")
    assert raw.count(b"\r\n") >= 4  # CRLF line ends (RFC 4180 §2.1)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    header, *body = rows
    assert header == [
        "name",
        "address.line",
        "address.city",
        "when",
        "amount",
        "vip",
        "tags",
        "x\\.y",
    ]
    assert all(len(row) == len(header) for row in body)
    assert body[0][:3] == ['Ana "Ani" Kola', "Rr. 1\nKati 2", "Tiranë"]
    assert body[1][3] == "2025-05-01T08:00:00+00:00"
    assert body[2][4:] == ["0.10", "true", '["a","b"]', "1"]
    assert pkg.manifest["datasets"][0]["fields"] == header


def test_columns_appearing_late_pad_earlier_rows(tmp_path: Path, shop: Register) -> None:
    records = [{"id": i} for i in range(5000)] + [{"id": 5000, "extra": {"deep": "yes"}}]
    pkg = _write(
        tmp_path / "p.zip",
        shop,
        datasets=[Dataset("rows", "account", iter(records))],
        batch_size=1000,
    )
    with zipfile.ZipFile(pkg.path) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("data/rows.csv").decode(), newline="")))
    assert rows[0] == ["id", "extra.deep"]
    assert rows[1] == ["0", ""]
    assert rows[-1] == ["5000", "yes"]
    assert len(rows) == 5002
    assert {len(r) for r in rows} == {2}


def test_redaction_hook_removes_third_party_data(tmp_path: Path, shop: Register) -> None:
    seen: list[str] = []

    def redact(dataset: str, record: Mapping[str, Any]) -> Mapping[str, Any] | None:
        seen.append(dataset)
        if record.get("hidden"):
            return None
        return {k: v for k, v in record.items() if k != "gift_recipient"}

    records = [{"id": 1, "gift_recipient": "Other Person"}, {"id": 2, "hidden": True}]
    pkg = _write(
        tmp_path / "p.zip",
        shop,
        datasets=[Dataset("orders", "order_fulfilment", records)],
        redact=redact,
    )
    assert read_package(pkg.path).load() == {"orders": [{"id": 1}]}
    assert seen == ["orders", "orders"]
    assert pkg.manifest["scope"]["redacted"] is True
    with zipfile.ZipFile(pkg.path) as archive:
        assert b"Other Person" not in b"".join(archive.read(n) for n in archive.namelist())


def test_attachments_are_stored_streamed_and_scoped(tmp_path: Path, shop: Register) -> None:
    photo = tmp_path / "in" / "photo.jpg"
    photo.parent.mkdir()
    photo.write_bytes(bytes(range(256)) * 5000)
    out = tmp_path / "out"
    out.mkdir()
    pkg = _write(
        out / "p.zip",
        shop,
        datasets=[],
        attachments=[
            Attachment("photos/avatar.jpg", "account", photo, media_type="image/jpeg"),
            Attachment("note.txt", "account", b"hello"),
            Attachment("clip.mp4", "cctv", b"video"),
        ],
    )
    again = read_package(pkg.path)
    assert again.attachment("photos/avatar.jpg") == photo.read_bytes()
    assert again.attachment("note.txt") == b"hello"
    assert [e["name"] for e in again.manifest["excluded"]] == ["clip.mp4"]
    with pytest.raises(NotFound):
        again.attachment("clip.mp4")
    with pytest.raises(InvalidInput):
        Attachment("../etc/passwd", "account", b"")


def _tamper(source: Path, target: Path, member: str, change: bytes) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, data + change if info.filename == member else data)


def test_tampered_member_is_named(tmp_path: Path, shop: Register) -> None:
    pkg = _write(tmp_path / "p.zip", shop)
    for member in ("data/orders.csv", "data/orders.jsonl"):
        bad = tmp_path / "bad.zip"
        _tamper(pkg.path, bad, member, b" ")
        with pytest.raises(PackageIntegrityError) as caught:
            read_package(bad)
        assert caught.value.member == member
        assert member in str(caught.value)
        assert isinstance(caught.value, IntegrityError)


def test_added_and_missing_members_are_caught(tmp_path: Path, shop: Register) -> None:
    pkg = _write(tmp_path / "p.zip", shop)
    extra = tmp_path / "extra.zip"
    _tamper(pkg.path, extra, "", b"")
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("data/smuggled.csv", "a,b\r\n")
    with pytest.raises(PackageIntegrityError) as caught:
        read_package(extra)
    assert caught.value.member == "data/smuggled.csv"

    missing = tmp_path / "missing.zip"
    with zipfile.ZipFile(pkg.path) as old, zipfile.ZipFile(missing, "w") as new:
        for info in old.infolist():
            if info.filename != "data/orders.csv":
                new.writestr(info, old.read(info))
    with pytest.raises(PackageIntegrityError) as caught:
        read_package(missing)
    assert caught.value.member == "data/orders.csv"


def test_tampered_manifest_count_is_caught(tmp_path: Path, shop: Register) -> None:
    pkg = _write(tmp_path / "p.zip", shop)
    manifest = dict(pkg.manifest)
    manifest["datasets"] = [dict(manifest["datasets"][0], records=4)]
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(pkg.path) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "manifest.json":
                data = json.dumps(manifest).encode()
            new.writestr(info, data)
    with pytest.raises(PackageIntegrityError, match="record count") as caught:
        read_package(bad)
    assert caught.value.member == "data/orders.jsonl"


def test_not_a_zip_is_an_input_error(tmp_path: Path) -> None:
    bogus = tmp_path / "p.zip"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(InvalidInput, match="not a ZIP"):
        read_package(bogus)


def test_records_are_consumed_once_and_lazily(tmp_path: Path, shop: Register) -> None:
    pulled = 0

    def counting() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for record in _orders(2500):
            pulled += 1
            yield record

    source = counting()
    pkg = _write(tmp_path / "p.zip", shop, datasets=[Dataset("orders", "order_fulfilment", source)])
    assert pulled == 2500
    assert next(source, None) is None
    assert pkg.manifest["datasets"][0]["records"] == 2500
    assert sum(1 for _ in read_package(pkg.path).records("orders")) == 2500


def test_non_json_values_come_back_as_their_documented_json(tmp_path: Path, shop: Register) -> None:
    pkg = _write(tmp_path / "p.zip", shop, datasets=[Dataset("o", "account", list(_orders(1)))])
    (record,) = read_package(pkg.path).records("o")
    assert record["placed"] == "2025-01-01T12:00:00+00:00"
    assert record["total"] == "19.90"
    assert record["ship_to"] == {"city": "Rīga", "zip": "LV-1050"}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=st.lists(gst.json_records(), max_size=6), batch=st.integers(1, 4))
def test_round_trip_is_lossless_for_json_values(
    tmp_path_factory: pytest.TempPathFactory,
    shop: Register,
    records: list[dict[str, Any]],
    batch: int,
) -> None:
    path = tmp_path_factory.mktemp("rt") / "p.zip"
    write_package(
        path,
        shop,
        "tok",
        [Dataset("data", "account", iter(records))],
        generated_at=WHEN,
        batch_size=batch,
    )
    package = read_package(path)
    assert list(package.records("data")) == records
    with zipfile.ZipFile(path) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("data/data.csv").decode(), newline="")))
    assert len(rows) == len(records) + 1
    assert {len(r) for r in rows} <= {len(rows[0])}


_SCRIPT = """
import datetime as dt, sys
from decimal import Decimal
from gdprkit.export import Dataset, write_package
from gdprkit.register import load_register
records = [{"a": 1, "b": None, "c": {"d": Decimal("1.5"), "e": [1, "x"]}},
           {"a": "two", "b": True, "c": {"d": None}, "f": dt.date(2025, 1, 2)}] * 50
write_package(sys.argv[2], load_register(sys.argv[1]), "tok", [Dataset("x", "account", records)],
              generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
"""


def test_bytes_do_not_depend_on_hash_seed(tmp_path: Path) -> None:
    register = Path(__file__).resolve().parents[2] / "examples" / "register.toml"
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"p{seed}.zip"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(register), str(target)], check=True, env=env
        )
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


def test_corrupted_compressed_bytes_are_named(tmp_path: Path, shop: Register) -> None:
    pkg = _write(
        tmp_path / "p.zip",
        shop,
        datasets=[Dataset("orders", "order_fulfilment", list(_orders(400)))],
    )
    with zipfile.ZipFile(pkg.path) as archive:
        info = archive.getinfo("data/orders.jsonl")
    raw = bytearray(pkg.path.read_bytes())
    # Local header: 30 fixed bytes, the name, the extra field; then the deflate stream.
    name_length = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    raw[start + info.compress_size // 2] ^= 0xFF
    pkg.path.write_bytes(bytes(raw))
    with pytest.raises(PackageIntegrityError) as caught:
        read_package(pkg.path)
    assert caught.value.member == "data/orders.jsonl"
    with pytest.raises(PackageIntegrityError) as caught:
        list(pkg.records("orders"))
    assert caught.value.member == "data/orders.jsonl"
