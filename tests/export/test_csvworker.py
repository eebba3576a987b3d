"""The CSV helper process: the same package bytes and the same errors as without it, no leftovers.

Most tests set ``_HELPER_AFTER`` (the record count after which a dataset gets a helper) low and
pass ``workers=1`` (a helper even on one CPU, waited for), so small datasets really cross the
process boundary; each test checks that by watching the batches the helper was sent.
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
import types
import uuid
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput
from gdprkit.export import Dataset, _csvworker, _package, read_package, write_package
from gdprkit.register import Register
from gdprkit.testing import strategies as gst

WHEN = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone.utc)


class Size(str, enum.Enum):
    SMALL = "s"


class Rank(enum.IntEnum):
    FIRST = 1


class Point(NamedTuple):
    x: int
    y: int


class Pair(Sequence[int]):
    """A sequence that is neither a list nor a tuple (JSON writes it through ``default``)."""

    def __init__(self, a: int, b: int) -> None:
        self._items = (a, b)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __len__(self) -> int:
        return 2


class Frozen(Mapping[str, Any]):
    """A read-only mapping that is not a dict."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class Watch:
    """Records what the helpers of one ``write_package`` call were sent, and keeps them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kinds: collections.Counter[bytes] = collections.Counter()
        self.helpers: list[_csvworker.CsvHelper] = []
        send, start = _csvworker.CsvHelper._send, _csvworker.CsvHelper.start.__func__  # type: ignore[attr-defined]

        def watched_send(helper: _csvworker.CsvHelper, kind: bytes, payload: bytes) -> None:
            self.kinds[kind] += 1
            send(helper, kind, payload)

        def watched_start(
            cls: type[_csvworker.CsvHelper], spool_file: Any, *, dataset: str
        ) -> _csvworker.CsvHelper | None:
            helper = start(cls, spool_file, dataset=dataset)
            if helper is not None:
                self.helpers.append(helper)
            return helper

        monkeypatch.setattr(_csvworker.CsvHelper, "_send", watched_send)
        monkeypatch.setattr(_csvworker.CsvHelper, "start", classmethod(watched_start))

    def all_gone(self) -> bool:
        return all(helper._process.poll() is not None for helper in self.helpers)


_ZONES = st.sampled_from(
    [
        dt.timezone.utc,
        dt.timezone(dt.timedelta(hours=-3, minutes=-30)),
        zoneinfo.ZoneInfo("Europe/Riga"),
        zoneinfo.ZoneInfo("America/New_York"),
    ]
)
_TEXT = st.text(alphabet=st.sampled_from('ab ,"\r\n{}ëž\\.Ω')) | st.text(max_size=6)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
    | st.datetimes(timezones=_ZONES)
    | st.dates()
    | st.times()
    | st.times(timezones=st.just(dt.timezone(dt.timedelta(hours=2))))
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.uuids()
    | st.sampled_from([Size.SMALL, Rank.FIRST])
    | st.builds(Point, st.integers(), st.integers())
    | st.builds(Pair, st.integers(), st.integers())
)
_KEYS = st.sampled_from(["id", "a", "b.c", "x\\y", "late", "ë"]) | _TEXT
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(_KEYS, children, max_size=3)
        | st.dictionaries(_KEYS, children, max_size=2).map(collections.OrderedDict)
        | st.dictionaries(_KEYS, children, max_size=2).map(types.MappingProxyType)
        | st.dictionaries(_KEYS, children, min_size=1, max_size=2).map(Frozen)
        | st.dictionaries(st.sampled_from([Size.SMALL]), children, max_size=1)
        | st.dictionaries(st.integers(0, 3) | st.booleans(), children, min_size=1, max_size=1)
    ),
    max_leaves=6,
)
_RECORDS = (
    st.dictionaries(_KEYS | st.just(Size.SMALL), _VALUES, max_size=5)
    | st.dictionaries(_KEYS, _VALUES, max_size=3).map(Frozen)
    | gst.json_records(max_leaves=6)
)


def _attempt(
    path: Path, shop: Register, records: list[Any], *, batch: int, workers: int
) -> tuple[Any, ...]:
    """The package's bytes, or the error's type and message; never a file after an error."""
    try:
        write_package(
            path,
            shop,
            "tok",
            [Dataset("data", "account", iter(records))],
            generated_at=WHEN,
            batch_size=batch,
            workers=workers,
        )
    except (InvalidInput, TypeError) as exc:
        assert not path.exists()
        assert list(path.parent.iterdir()) == []
        return ("error", type(exc), str(exc))
    return ("ok", path.read_bytes())


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    records=st.lists(_RECORDS, max_size=12),
    tail=st.lists(st.dictionaries(st.sampled_from(["id", "late", "z"]), _VALUES), max_size=4),
    batch=st.integers(1, 4),
    after=st.integers(0, 5),
)
def test_package_bytes_are_the_same_with_and_without_the_helper(  # noqa: PLR0917 - Hypothesis
    tmp_path_factory: pytest.TempPathFactory,
    shop: Register,
    records: list[dict[str, Any]],
    tail: list[dict[str, Any]],
    batch: int,
    after: int,
) -> None:
    records = records + tail  # columns that first appear late
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_package, "_HELPER_AFTER", after)
        watch = Watch(patch)
        alone = _attempt(
            tmp_path_factory.mktemp("a") / "p.zip", shop, records, batch=batch, workers=0
        )
        assert not watch.helpers
        helped = _attempt(
            tmp_path_factory.mktemp("h") / "p.zip", shop, records, batch=batch, workers=1
        )
    assert helped == alone
    assert watch.all_gone()


def _rows(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    for i in range(start, start + n):
        yield {
            "id": i,
            "placed": WHEN + dt.timedelta(minutes=i),
            "total": Decimal(i) / 4,
            "ref": uuid.UUID(int=i),
            "ship_to": {"city": "Rīga", "zip": f"LV-{i:04d}"},
            "tags": ["a", "b,c"],
            "note": None if i % 3 else 'say "hi"\n',
        }


def _package_bytes(
    tmp_path: Path, shop: Register, records: list[dict[str, Any]], **kwargs: Any
) -> bytes:
    path = tmp_path / f"p{len(list(tmp_path.iterdir()))}.zip"
    write_package(
        path,
        shop,
        "tok",
        [Dataset("data", "account", iter(records))],
        generated_at=WHEN,
        **kwargs,
    )
    return path.read_bytes()


@pytest.fixture
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> Watch:
    monkeypatch.setattr(_package, "_HELPER_AFTER", 50)
    return Watch(monkeypatch)


def test_helper_takes_over_a_large_dataset(
    tmp_path: Path, shop: Register, low_threshold: Watch
) -> None:
    records = [*_rows(1000), {"id": -1, "late": {"deep": True}}]
    helped = _package_bytes(tmp_path, shop, records, batch_size=100, workers=1)
    assert low_threshold.kinds[b"B"] == 11 - 1  # the first batch (100 >= 50) is rendered here
    assert low_threshold.kinds[b"S"] == 1
    assert low_threshold.all_gone()
    assert helped == _package_bytes(tmp_path, shop, records, batch_size=100, workers=0)
    package = read_package(tmp_path / "p0.zip")
    assert package.manifest["datasets"][0]["schema"]["properties"]["placed"]["format"] == (
        "date-time"
    )


def test_auto_mode_uses_a_helper_only_with_a_second_cpu(
    tmp_path: Path, shop: Register, low_threshold: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_package.os, "cpu_count", lambda: 1)
    _package_bytes(tmp_path, shop, list(_rows(300)), batch_size=50)
    assert not low_threshold.helpers
    monkeypatch.setattr(_package.os, "cpu_count", lambda: 4)
    _package_bytes(tmp_path, shop, list(_rows(300)), batch_size=50)
    assert len(low_threshold.helpers) == 1  # started; whether it was ready in time may vary
    assert low_threshold.all_gone()


def test_a_value_the_helper_cannot_be_sent_brings_the_rows_back(
    tmp_path: Path, shop: Register, low_threshold: Watch
) -> None:
    records = list(_rows(400))
    records[250]["rank"] = Rank.FIRST  # an int subclass: only its own class names it in errors
    helped = _package_bytes(tmp_path, shop, records, batch_size=100, workers=1)
    assert low_threshold.kinds[b"B"] == 1  # rows 100-199; the batch of row 250 stayed here
    assert low_threshold.kinds[b"E"] == 1
    assert helped == _package_bytes(tmp_path, shop, records, batch_size=100, workers=0)


def test_helper_errors_are_the_in_process_errors(
    tmp_path: Path, shop: Register, low_threshold: Watch
) -> None:
    records = list(_rows(500))
    records[330]["ship_to"] = {7: "int key"}  # JSON would quietly write "7"; the CSV refuses it
    records[470]["x"] = float("nan")  # a later batch's error, found first by the main process
    errors = []
    for workers in (0, 1):
        with pytest.raises(InvalidInput) as caught:
            _package_bytes(tmp_path, shop, records, batch_size=100, workers=workers)
        errors.append(str(caught.value))
    assert errors[0] == errors[1] == "dataset 'data': record keys must be strings, got int"
    assert low_threshold.kinds[b"B"] >= 1
    assert low_threshold.all_gone()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "error",
    [RuntimeError("database connection lost"), KeyboardInterrupt()],
    ids=["generator-error", "keyboard-interrupt"],
)
def test_an_error_in_the_records_stops_the_helper_and_leaves_nothing(
    tmp_path: Path, shop: Register, low_threshold: Watch, error: BaseException
) -> None:
    def failing() -> Iterator[dict[str, Any]]:
        yield from _rows(500)
        raise error

    with pytest.raises(type(error)):
        write_package(
            tmp_path / "p.zip",
            shop,
            "tok",
            [Dataset("data", "account", failing())],
            batch_size=100,
            workers=1,
        )
    assert low_threshold.kinds[b"B"] >= 1
    assert low_threshold.all_gone()
    assert list(tmp_path.iterdir()) == []


def test_a_helper_that_dies_fails_the_package(
    tmp_path: Path, shop: Register, low_threshold: Watch
) -> None:
    def killing() -> Iterator[dict[str, Any]]:
        yield from _rows(300)
        low_threshold.helpers[0]._process.kill()
        low_threshold.helpers[0]._process.wait()
        yield from _rows(300, start=300)

    with pytest.raises(ChildProcessError, match="helper process"):
        write_package(
            tmp_path / "p.zip",
            shop,
            "tok",
            [Dataset("data", "account", killing())],
            batch_size=100,
            workers=1,
        )
    assert low_threshold.all_gone()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("executable", ["/usr/bin/uwsgi", "/nonexistent/bin/python3", ""])
def test_no_usable_interpreter_means_no_helper_and_the_same_bytes(
    tmp_path: Path,
    shop: Register,
    low_threshold: Watch,
    monkeypatch: pytest.MonkeyPatch,
    executable: str,
) -> None:
    expected = _package_bytes(tmp_path, shop, list(_rows(300)), batch_size=100, workers=0)
    monkeypatch.setattr(_csvworker.sys, "executable", executable)
    assert _package_bytes(tmp_path, shop, list(_rows(300)), batch_size=100, workers=1) == (expected)
    assert not low_threshold.kinds


@pytest.mark.parametrize(
    ("executable", "expected"),
    [
        ("/usr/bin/python3", True),
        ("/venv/bin/python", True),
        ("/usr/local/bin/python3.11", True),
        ("/usr/bin/pypy3", True),
        ("/usr/sbin/uwsgi", False),
        ("/usr/sbin/apache2", False),
        ("", False),
    ],
)
def test_only_a_python_interpreter_is_started(executable: str, *, expected: bool) -> None:
    assert _csvworker._looks_like_python(executable) is expected


@pytest.mark.parametrize("workers", [2, -1, True, "1", 1.0])
def test_workers_is_checked(tmp_path: Path, shop: Register, workers: Any) -> None:
    with pytest.raises(InvalidInput, match="workers"):
        _package_bytes(tmp_path, shop, [], workers=workers)
    assert list(tmp_path.iterdir()) == []


def test_the_helper_ignores_a_gdprkit_in_the_current_directory(
    tmp_path: Path, shop: Register, low_threshold: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = tmp_path / "cwd" / "gdprkit"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text(
        "import pathlib\npathlib.Path(__file__).with_name('imported').touch()\n", encoding="utf-8"
    )
    monkeypatch.chdir(decoy.parent)
    out = tmp_path / "out"
    out.mkdir()
    records = list(_rows(300))
    helped = _package_bytes(out, shop, records, batch_size=100, workers=1)
    assert low_threshold.kinds[b"B"] == 2
    assert not (decoy / "imported").exists()
    assert helped == _package_bytes(out, shop, records, batch_size=100, workers=0)


def test_no_spool_file_is_left_in_spool_dir(
    tmp_path: Path, shop: Register, low_threshold: Watch
) -> None:
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    records = list(_rows(300))
    _package_bytes(out, shop, records, batch_size=100, workers=1, spool_dir=spool_dir)
    records[250]["ship_to"] = {None: "a None key"}
    with pytest.raises(InvalidInput, match="got NoneType"):
        _package_bytes(out, shop, records, batch_size=100, workers=1, spool_dir=spool_dir)
    assert low_threshold.kinds[b"B"] >= 3
    assert low_threshold.all_gone()
    assert list(spool_dir.iterdir()) == []
