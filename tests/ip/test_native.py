"""The engine choice, its reporting, and the native engine's handling of keys and errors."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest

from gdprkit.cli import EXIT_OK, main
from gdprkit.errors import GdprkitError, InvalidInput, MissingDependency
from gdprkit.ip import (
    CryptoPAnMasker,
    LogSummary,
    TruncationMasker,
    _engine,
    mask_file,
    mask_stream,
)

LINE = b'203.0.113.77 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "-"\n'
KEY = bytes(range(32))
native_only = pytest.mark.skipif(_engine.native_module() is None, reason="needs gdprkit-native")


@pytest.fixture
def no_native(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as if gdprkit-native were not installed."""
    monkeypatch.setattr(_engine, "_probed", True)
    monkeypatch.setattr(_engine, "_module", None)


def test_choose_resolves_argument_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_engine.ENV_VAR, "python")
    assert _engine.choose(None) == "python"
    assert _engine.choose("python") == "python"
    monkeypatch.setenv(_engine.ENV_VAR, "")
    expected = "native" if _engine.native_module() is not None else "python"
    assert _engine.choose(None) == expected
    with pytest.raises(InvalidInput, match="engine must be one of"):
        _engine.choose("rust")


@pytest.mark.usefixtures("no_native")
def test_forcing_native_without_it_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_engine.ENV_VAR, raising=False)
    assert _engine.choose(None) == "python"
    with pytest.raises(MissingDependency, match=r"pip install \./native"):
        _engine.choose("native")
    with pytest.raises(MissingDependency):
        mask_stream(
            io.BytesIO(LINE), io.BytesIO(), masker=TruncationMasker.preset("ga"), engine="native"
        )
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(LINE), out, masker=TruncationMasker.preset("ga"))
    assert summary.engine == "python"
    assert _engine.describe() == "IP engine: python (native not installed)"


def test_summary_names_the_engine_and_adds_up() -> None:
    a = LogSummary(lines=1, engine="native")
    b = LogSummary(lines=2, engine="python")
    assert (a + a).engine == "native"
    assert (a + b).engine == "mixed"
    assert (a + LogSummary()).engine == "native"
    assert LogSummary.from_dict((a + b).to_dict()) == a + b
    old = (a + b).to_dict()
    del old["engine"]  # a summary written before the field existed
    assert LogSummary.from_dict(old).engine == ""


@pytest.mark.parametrize("engine", ["python", "native"])
def test_cli_engine_flag_and_summary(
    engine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if engine == "native" and _engine.native_module() is None:
        pytest.skip("needs gdprkit-native")
    log = tmp_path / "access.log"
    log.write_bytes(LINE * 2)
    assert (
        main(["ip", "mask", "--engine", engine, "-o", str(tmp_path / "out.log"), str(log)])
        == EXIT_OK
    )
    assert capsys.readouterr().err.rstrip().endswith(f"; engine: {engine}")
    assert (tmp_path / "out.log").read_bytes() == LINE.replace(b".77 ", b".0 ") * 2


def test_version_names_the_engine(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    out = capsys.readouterr().out
    assert "IP engine: " in out
    assert ("IP engine: native " in out) == (_engine.choose(None) == "native")


@native_only
@pytest.mark.parametrize("jobs", [1, 2])
def test_mask_file_jobs_with_native(jobs: int, tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(LINE * 5000)
    native = mask_file(
        log, tmp_path / "n.log", masker=CryptoPAnMasker(KEY), jobs=jobs, engine="native"
    )
    python = mask_file(
        log, tmp_path / "p.log", masker=CryptoPAnMasker(KEY), jobs=jobs, engine="python"
    )
    assert (tmp_path / "n.log").read_bytes() == (tmp_path / "p.log").read_bytes()
    assert native.engine == "native"
    assert python.engine == "python"
    assert native.addresses == python.addresses == 5000


@native_only
def test_native_objects_hold_keys_without_showing_or_pickling_them() -> None:
    masker = CryptoPAnMasker(KEY)
    sealed = masker._native_key
    assert repr(sealed) == "SealedKey(...)"
    module = _engine.native_module()
    assert module is not None
    spec = _engine._method_spec(module, masker)
    engine = _engine.make_engine(masker, format="combined", fields=None, engine="native")
    for thing in (sealed, spec, engine._native):  # type: ignore[union-attr]
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(thing)
        assert KEY.hex() not in repr(thing)
    with pytest.raises((TypeError, AttributeError, pickle.PicklingError)):
        pickle.dumps(masker)  # the masker itself never pickled (its cipher context)


@native_only
def test_native_errors_are_typed() -> None:
    module = _engine.native_module()
    assert module is not None
    with pytest.raises(InvalidInput, match="32 bytes"):
        module.SealedKey(b"short")
    with pytest.raises(InvalidInput, match="unknown special range"):
        module.MethodSpec.truncate(24, 48, ["nowhere"])
    with pytest.raises(InvalidInput, match="unknown log format"):
        module.LineEngine("csv", None, [], 16, object())

    # An exception raised by the Python side while the native engine runs comes through as it is.
    class Broken:
        def line(self, line: str) -> str:
            raise GdprkitError("fallback failed")

    engine = module.LineEngine("syslog", None, [], 16, Broken())
    with pytest.raises(GdprkitError, match="fallback failed"):
        engine.mask_bytes(b"Feb 21 21:54:44 host x\n", False)


@native_only
def test_hand_back_is_counted() -> None:
    masker = TruncationMasker.preset("ga")
    engine = _engine.make_engine(masker, format="combined", fields=None, engine="native")
    odd = b'vhost 192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "-"'
    engine.mask_bytes(LINE + odd + b"\n")  # type: ignore[union-attr]
    stats = engine.stats  # type: ignore[union-attr]
    assert stats["lines_native"] == 1
    assert stats["lines_handed_back"] == 1
