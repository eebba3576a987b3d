"""``gdprkit ip mask`` through ``gdprkit.cli.main``: files, stdin, gzip, in place, exit codes."""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gdprkit.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from gdprkit.cli._ip import read_key_file
from gdprkit.errors import ConfigurationError
from gdprkit.ip import TruncationMasker
from gdprkit.ip.cryptopan import CryptoPAnMasker

LINE = (
    b'203.0.113.77 - - [17/May/2015:10:05:03 +0000] "GET /?from=10.1.2.3 HTTP/1.1" 200 5 "-" "-"\n'
)
MASKED = (
    b'203.0.113.0 - - [17/May/2015:10:05:03 +0000] "GET /?from=10.1.2.0 HTTP/1.1" 200 5 "-" "-"\n'
)
BAD = b'1.2.3.999 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "-"\n'
KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


class FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BufferedReader(io.BytesIO(data))  # type: ignore[arg-type]


def test_file_to_stdout_with_summary_on_stderr(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(LINE * 3)
    assert main(["ip", "mask", str(log)]) == EXIT_OK
    captured = capsysbinary.readouterr()
    assert captured.out == MASKED * 3
    err = captured.err.decode()
    assert "3 lines (combined), 6 IPv4 and 0 IPv6 addresses masked, 0 address fields" in err
    assert "203.0.113.77" not in err


def test_stdin_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(LINE + b"tail 10.0.0.1"))
    assert main(["ip", "mask", "-q", "--format", "text"]) == EXIT_OK
    assert capsysbinary.readouterr().out == MASKED + b"tail 10.0.0.0"


def test_gzip_stdin_is_recognised(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(gzip.compress(LINE)))
    assert main(["ip", "mask", "-q", "-"]) == EXIT_OK
    assert capsysbinary.readouterr().out == MASKED


def test_strict_exits_1_when_a_field_failed_closed(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(LINE + BAD)
    assert main(["ip", "mask", str(log)]) == EXIT_OK
    assert main(["ip", "mask", "--strict", str(log)]) == EXIT_FINDINGS
    captured = capsysbinary.readouterr()
    assert b"1.2.3.999" not in captured.out
    assert "1 address fields failed closed (client: 1)" in captured.err.decode()


def test_in_place_on_several_rotated_files(tmp_path: Path) -> None:
    plain, zipped = tmp_path / "access.log", tmp_path / "access.log.1.gz"
    plain.write_bytes(LINE)
    zipped.write_bytes(gzip.compress(LINE * 2))
    assert main(["ip", "mask", "-q", "--in-place", str(plain), str(zipped)]) == EXIT_OK
    assert plain.read_bytes() == MASKED
    assert gzip.decompress(zipped.read_bytes()) == MASKED * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["access.log", "access.log.1.gz"]


def test_output_file_gzip_by_extension_and_folder_output(tmp_path: Path) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_bytes(LINE)
    b.write_bytes(LINE * 2)
    joined = tmp_path / "all.log.gz"
    assert main(["ip", "mask", "-q", str(a), str(b), "-o", str(joined)]) == EXIT_OK
    assert gzip.decompress(joined.read_bytes()) == MASKED * 3
    folder = tmp_path / "masked"
    folder.mkdir()
    assert main(["ip", "mask", "-q", str(a), str(b), "-o", str(folder), "--jobs", "2"]) == 0
    assert (folder / "a.log").read_bytes() == MASKED
    assert (folder / "b.log").read_bytes() == MASKED * 2


def test_jobs_two_matches_one(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_bytes((LINE + BAD) * 2000)
    one, two = tmp_path / "one.log", tmp_path / "two.log"
    assert main(["ip", "mask", "-q", str(log), "-o", str(one)]) == EXIT_OK
    assert main(["ip", "mask", "-q", str(log), "-o", str(two), "--jobs", "2"]) == EXIT_OK
    assert one.read_bytes() == two.read_bytes()


def test_keyed_method_with_a_key_file(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    key = tmp_path / "ip.key"
    key.write_text(KEY + "\n", encoding="ascii")
    log = tmp_path / "access.log"
    log.write_bytes(LINE)
    assert (
        main(["ip", "mask", "-q", "--method", "cryptopan", "--key-file", str(key), str(log)]) == 0
    )
    expected = CryptoPAnMasker(bytes.fromhex(KEY))
    out = capsysbinary.readouterr().out.decode()
    assert out.startswith(expected.apply("203.0.113.77") + " - - ")
    assert expected.apply("10.1.2.3") in out


def test_skip_reserved_and_explicit_bit_counts(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"from 10.1.2.3 and 198.51.100.77 and 8.8.4.4\n")
    args = ["ip", "mask", "-q", "--format", "text", "--method", "truncate-16-32", str(log)]
    assert main([*args, "--skip-reserved"]) == EXIT_OK
    masker = TruncationMasker(ipv4_prefix=16, ipv6_prefix=32)
    assert (
        capsysbinary.readouterr().out
        == f"from 10.1.2.3 and {masker.apply('198.51.100.77')} and 8.8.0.0\n".encode()
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--method", "nope"], "--method"),
        (["--method", "cryptopan"], "needs --key-file"),
        (["--jobs", "0"], "--jobs"),
        (["--fields", "ip", "--format", "combined"], "fields"),
        (["missing.log"], "no such file"),
        (["-", "--in-place"], "stdin"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["ip", "mask", *argv]) == EXIT_USAGE
    err = capsysbinary.readouterr().err.decode().strip()
    assert message in err
    assert "\n" not in err
    assert "Traceback" not in err


def test_key_file_formats_and_errors_never_show_the_key(tmp_path: Path) -> None:
    key = tmp_path / "k"
    raw = bytes(range(32))
    for text in (raw.hex(), raw.hex().upper() + "\n", "hex:" + raw.hex()):
        key.write_text(text, encoding="ascii")
        assert read_key_file(key) == raw
    import base64

    key.write_text(base64.b64encode(raw).decode() + "\n", encoding="ascii")
    assert read_key_file(key) == raw
    key.write_text("base64:" + base64.urlsafe_b64encode(raw).decode().rstrip("="), encoding="ascii")
    assert read_key_file(key) == raw
    key.write_text("not a key! s3cr3t", encoding="ascii")
    with pytest.raises(ConfigurationError) as info:
        read_key_file(key)
    assert "s3cr3t" not in str(info.value)
    key.write_text("", encoding="ascii")
    with pytest.raises(ConfigurationError):
        read_key_file(key)


def test_wrong_key_length_is_a_usage_error_without_the_key(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    key = tmp_path / "short.key"
    key.write_text("abcdef0123", encoding="ascii")
    log = tmp_path / "a.log"
    log.write_bytes(LINE)
    code = main(["ip", "mask", "--method", "ipcrypt-pfx", "--key-file", str(key), str(log)])
    assert code == EXIT_USAGE
    assert "abcdef0123" not in capsysbinary.readouterr().err.decode()


def test_progress_is_drawn_on_the_given_terminal_stream_only() -> None:
    from gdprkit.cli._ip import _Progress

    stream = io.StringIO()
    progress = _Progress(200, stream)
    progress(50)
    assert " 25.0%" in stream.getvalue()
    assert stream.getvalue().startswith("\r")
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_no_progress_line_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(LINE * 10)
    assert main(["ip", "mask", str(log)]) == EXIT_OK
    assert b"\r" not in capsysbinary.readouterr().err


# -- issue 17: the command behaves like a Unix tool ------------------------------------------


def _gdprkit(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gdprkit", "ip", "mask", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.mark.parametrize("kind", ["truncated", "corrupt", "directory", "binary"])
def test_bad_inputs_are_one_line_exit_2_and_the_others_are_masked(
    tmp_path: Path, kind: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(LINE)
    bad = tmp_path / "bad.log.gz"
    if kind == "truncated":
        bad.write_bytes(gzip.compress(LINE * 100)[:-20])
    elif kind == "corrupt":
        data = bytearray(gzip.compress(LINE * 100))
        data[30:40] = b"\xff" * 10
        bad.write_bytes(bytes(data))
    elif kind == "directory":
        bad.mkdir()
    else:
        bad.write_bytes(b"\x7fELF\x00\x00\x01" + LINE)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert main(["ip", "mask", str(bad), str(good), "-o", str(out_dir)]) == EXIT_USAGE
    err = capsysbinary.readouterr().err.decode()
    first = err.splitlines()[0]
    assert first.startswith(f"gdprkit ip mask: {bad}: ")
    assert "Traceback" not in err
    assert ".tmp" not in err
    assert (out_dir / "good.log").read_bytes() == MASKED  # the other input is still masked
    assert sorted(p.name for p in out_dir.iterdir()) == ["good.log"]  # nothing half-written


def test_binary_input_is_masked_only_when_asked(tmp_path: Path) -> None:
    log = tmp_path / "bin.log"
    log.write_bytes(b"\x00\x01 203.0.113.7\n")
    out = tmp_path / "out.log"
    assert main(["ip", "mask", "-q", str(log), "-o", str(out)]) == EXIT_USAGE
    assert not out.exists()
    assert main(["ip", "mask", "-q", "--binary", str(log), "-o", str(out)]) == EXIT_OK
    assert out.read_bytes() == b"\x00\x01 203.0.113.0\n"


def test_output_files_get_the_mode_of_the_input(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(LINE)
    log.chmod(0o644)
    for target in (tmp_path / "one.log", tmp_path / "dir"):
        if target.name == "dir":
            target.mkdir()
        assert main(["ip", "mask", "-q", str(log), "-o", str(target)]) == EXIT_OK
        written = target / "access.log" if target.is_dir() else target
        assert written.stat().st_mode & 0o777 == 0o644


def test_columns_delimiter_regex_and_replace(tmp_path: Path) -> None:
    log = tmp_path / "app.csv"
    log.write_bytes(b"2024-01-01;203.0.113.7;GET /geo/198.51.100.9;bogus\n")
    out = tmp_path / "out.csv"
    argv = ["ip", "mask", "-q", str(log), "-o", str(out), "--delimiter", ";"]
    assert main([*argv, "--columns", "2,4", "--replace", "-"]) == EXIT_OK
    assert out.read_bytes() == b"2024-01-01;203.0.113.0;GET /geo/198.51.100.0;-\n"
    argv = ["ip", "mask", "-q", str(log), "-o", str(out), "--regex", r";(?P<client>[^;]+);"]
    assert main(argv) == EXIT_OK
    assert out.read_bytes() == b"2024-01-01;203.0.113.0;GET /geo/198.51.100.0;bogus\n"
    assert main(["ip", "mask", str(log), "--regex", "(no groups)"]) == EXIT_USAGE


@pytest.mark.xfail(
    os.environ.get("GDPRKIT_IP_ENGINE") == "native",
    reason=(
        "issue 18, open: in one CI run with the native engine the interrupted command exited 0 "
        "(the SIGINT was lost); not reproduced since, so it runs and is reported, not hidden"
    ),
    strict=False,
)
def test_sigint_exits_130_without_a_traceback_or_a_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    process = _gdprkit("-o", str(out), "-")
    assert process.stdin is not None
    assert process.stderr is not None
    process.stdin.write(LINE)
    process.stdin.flush()
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in err
    assert err.strip() == b"gdprkit ip mask: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_append_writes_lines_as_they_arrive_and_reopens_on_sighup(tmp_path: Path) -> None:
    out = tmp_path / "access.log"
    out.write_bytes(b"earlier line\n")
    process = _gdprkit("-q", "--append", "-o", str(out))
    assert process.stdin is not None
    process.stdin.write(LINE)
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while out.read_bytes() != b"earlier line\n" + MASKED and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_bytes() == b"earlier line\n" + MASKED  # appended before the input ended
    out.rename(tmp_path / "access.log.1")  # logrotate
    process.send_signal(signal.SIGHUP)
    time.sleep(0.2)
    process.communicate(LINE, timeout=30)
    assert process.returncode == EXIT_OK
    assert out.read_bytes() == MASKED
    assert (tmp_path / "access.log.1").read_bytes() == b"earlier line\n" + MASKED


def test_binary_stdin_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"\x00\x01 203.0.113.7\n"))
    assert main(["ip", "mask", "-q"]) == EXIT_USAGE
    captured = capsysbinary.readouterr()
    assert captured.out == b""
    assert captured.err.startswith(b"gdprkit ip mask: stdin: looks like binary data")
