"""gdprkit.ip.logs: format-aware, fail-closed, byte-preserving masking of log streams and files."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from gdprkit.errors import GdprkitError, InvalidInput
from gdprkit.ip import TruncationMasker, parse_address
from gdprkit.ip.logs import (
    UNPARSED_MARKER,
    LogSummary,
    detect_log_format,
    mask_file,
    mask_stream,
)

GA = TruncationMasker.preset("ga")


class TagMasker:
    """A trivial masker for these tests: every valid address becomes ``<v4>``/``<v6>``."""

    name = "tag"
    key_id = None

    def __init__(self) -> None:
        self.calls = 0

    def apply(self, address: str) -> str:
        self.calls += 1
        return f"<v{parse_address(address).version}>"  # raises InvalidAddress


def run(data: bytes, masker: object = GA, **options: object) -> tuple[bytes, LogSummary]:
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(data), out, masker=masker, **options)  # type: ignore[arg-type]
    return out.getvalue(), summary


COMBINED = (
    b'198.51.100.23 - frank [10/Oct/2000:13:55:36 -0700] "GET /a?ip=10.20.30.40 HTTP/1.1" 200 '
    b'2326 "http://[2001:db8:1:2::7]/x" "Mozilla/5.0 Chrome/120.0.6099.109 Safari/537.36"\n'
)


def test_combined_masks_client_request_and_referrer_and_keeps_versions() -> None:
    out, summary = run(COMBINED)
    assert out == (
        b'198.51.100.0 - frank [10/Oct/2000:13:55:36 -0700] "GET /a?ip=10.20.30.0 HTTP/1.1" 200 '
        b'2326 "http://[2001:db8:1::]/x" "Mozilla/5.0 Chrome/120.0.6099.109 Safari/537.36"\n'
    )
    assert (summary.format, summary.lines) == ("combined", 1)
    assert (summary.addresses_v4, summary.addresses_v6, summary.failed_total) == (2, 1, 0)


def test_forwarded_for_list_and_vhost_in_front_of_the_client() -> None:
    line = (
        b'example.com:80 "10.5.102.222, 2001:db8::9" 203.0.113.9 - - '
        b'[22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n'
    )
    out, summary = run(line, TagMasker())
    assert out.startswith(b'example.com:80 "<v4>, <v6>" <v4> - - [22/Jan/2016')
    assert (summary.addresses_v4, summary.addresses_v6, summary.failed_total) == (2, 1, 0)


@pytest.mark.parametrize(
    ("client", "field"),
    [
        (b"1.2.3.999", "client"),  # not an address
        (b"monitoring-server", "client"),  # a host name in the client field (HostnameLookups)
        (b"1.2.3", "client"),
        (b"01.2.3.4", "client"),  # leading zero: octal in inet_aton, refused
    ],
)
def test_unparseable_client_is_replaced_by_the_marker_and_counted(
    client: bytes, field: str
) -> None:
    line = client + b' - - [29/May/2017:19:02:48 +0000] "GET / HTTP/1.1" 200 612 "-" "-"\n'
    out, summary = run(line, format="combined")
    assert out == UNPARSED_MARKER.encode() + line[len(client) :]
    assert summary.failed == ((field, 1),)
    assert client not in out


def test_unparseable_forwarded_for_element_fails_closed_but_the_rest_is_masked() -> None:
    line = b'localhost, 10.0.0.1 192.0.2.1 - - [29/May/2017:19:02:48 +0000] "GET /" 200 1\n'
    line = line.replace(b'"GET /"', b'"GET / HTTP/1.1"')
    out, summary = run(line, format="combined")
    assert out.startswith(b"localhost, 10.0.0.0 192.0.2.0 - -")  # first token: a vhost name
    assert summary.failed_total == 0
    line2 = line.replace(b"localhost, ", b"10.0.0.2, 999.1.1.1, ")
    out2, summary2 = run(line2, format="combined")
    assert out2.startswith(b"10.0.0.0, [unparsed], 10.0.0.0 192.0.2.0 - -")
    assert summary2.failed == (("x_forwarded_for", 1),)


@pytest.mark.parametrize("placeholder", [b"-", b"unix:"])
def test_server_placeholders_in_the_client_field_stay_and_do_not_count(placeholder: bytes) -> None:
    line = placeholder + b' - - [26/Feb/2019:15:39:42 +0100] "hello" 400 173 "-" "-"\n'
    out, summary = run(line, format="combined")
    assert out == line
    assert summary.failed_total == 0


def test_a_line_that_does_not_follow_the_access_format_is_scanned_as_a_whole() -> None:
    # Issue 17, class 6: an unknown layout never leaves a field unscanned; only a first token
    # shaped like an address that does not parse fails closed.
    data = COMBINED + b"garbage 10.1.1.1 here\n2024-01-01T00:00:00Z,203.0.113.7,login ok\n"
    out, summary = run(data, format="combined")
    assert out.endswith(b"garbage 10.1.1.0 here\n2024-01-01T00:00:00Z,203.0.113.0,login ok\n")
    assert summary.failed == ()
    out, summary = run(COMBINED + b"203.000.113.007 rest\n", format="combined")
    assert out.endswith(b"[unparsed] rest\n")
    assert summary.failed == (("client", 1),)


def test_jsonl_fields_by_name_and_free_text() -> None:
    data = (
        b'{"remote_addr":"192.0.2.44","http_x_forwarded_for":"198.51.100.1, 2001:db8::5",'
        b'"request":"GET /?u=203.0.113.5","status":200}\n'
        b'{"remote_addr":"not-an-ip","x":null}\n'
        b'{"remote_addr":"10.0.0.1\\u0030"}\n'
    )
    out, summary = run(data)
    assert out.split(b"\n")[0] == (
        b'{"remote_addr":"192.0.2.0","http_x_forwarded_for":"198.51.100.0, 2001:db8::",'
        b'"request":"GET /?u=203.0.113.0","status":200}'
    )
    assert out.split(b"\n")[1] == b'{"remote_addr":"[unparsed]","x":null}'
    assert out.split(b"\n")[2] == b'{"remote_addr":"[unparsed]"}'  # escapes: fail closed
    assert summary.format == "jsonl"
    assert summary.failed == (("json", 2),)


def test_jsonl_with_custom_field_names() -> None:
    data = b'{"peer": "192.0.2.44", "remote_addr": "junk"}\n'
    out, summary = run(data, format="jsonl", fields=("peer",))
    assert out == b'{"peer": "192.0.2.0", "remote_addr": "junk"}\n'
    assert summary.failed_total == 0


def test_syslog_host_field() -> None:
    data = (
        b"Feb 21 21:54:44 192.0.2.200 sshd[3402]: Accepted publickey from 10.0.2.2 port 63673 "
        b"ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84\n"
        b"Feb 21 21:54:45 web-1 sshd[3402]: Invalid user test from 10.0.2.2\n"
        b"Feb 21 21:54:46 10.0.2.999 sshd[3402]: x\n"
    )
    out, summary = run(data, format="syslog")
    lines = out.split(b"\n")
    assert lines[0] == (
        b"Feb 21 21:54:44 192.0.2.0 sshd[3402]: Accepted publickey from 10.0.2.0 port 63673 "
        b"ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84"
    )
    assert lines[1] == b"Feb 21 21:54:45 web-1 sshd[3402]: Invalid user test from 10.0.2.0"
    assert lines[2] == b"Feb 21 21:54:46 [unparsed] sshd[3402]: x"
    assert summary.failed == (("host", 1),)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (COMBINED * 3, "combined"),
        (b'1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1\n', "combined"),
        (b'{"a": 1}\n{"b": 2}\n', "jsonl"),
        (b"<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - hello\n", "syslog"),
        (b"Feb 21 21:54:44 localhost sshd[3402]: hi\n", "syslog"),
        (b"2015-07-29 17:41:44,747 - INFO  hello\n", "text"),
        (b"", "text"),
    ],
)
def test_detect_log_format(sample: bytes, expected: str) -> None:
    assert detect_log_format(sample) == expected


def test_non_utf8_bytes_crlf_and_missing_final_newline_are_preserved() -> None:
    data = (
        b"\xff\xfe caf\xe9 192.0.2.1\r\n"
        b"\x00\x01 2001:db8::1%eth0 \xc3\x28\r\n"
        b"\xe2\x82 last 203.0.113.255"
    )
    out, summary = run(data, format="text")
    assert out == (
        b"\xff\xfe caf\xe9 192.0.2.0\r\n"
        b"\x00\x01 2001:db8::%eth0 \xc3\x28\r\n"
        b"\xe2\x82 last 203.0.113.0"
    )
    assert summary.lines == 3
    assert (summary.bytes_in, summary.bytes_out) == (len(data), len(out))


def test_crlf_access_log_keeps_its_carriage_returns() -> None:
    data = COMBINED.replace(b"\n", b"\r\n") * 2
    out, _ = run(data)
    assert out == run(COMBINED)[0].replace(b"\n", b"\r\n") * 2


def test_empty_input() -> None:
    out, summary = run(b"")
    assert out == b""
    assert summary.lines == 0


class Trickle(io.RawIOBase):
    """A source that hands out at most ``step`` bytes a read, like a pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def read1(self, n: int = -1) -> bytes:
        chunk = self._data[self._pos : self._pos + min(self._step, n if n > 0 else self._step)]
        self._pos += len(chunk)
        return chunk

    read = read1


@pytest.mark.parametrize("step", [1, 7, 64])
def test_output_does_not_depend_on_how_the_input_arrives(step: int) -> None:
    data = COMBINED * 5 + b"tail 10.9.8.7 without newline"
    whole, summary = run(data)
    out = io.BytesIO()
    trickled = mask_stream(Trickle(data, step), out, masker=GA)  # type: ignore[arg-type]
    assert out.getvalue() == whole
    assert trickled == summary


class RecordingSink(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[bytes] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def test_flush_writes_each_complete_line_as_it_arrives() -> None:
    lines = [b"a 192.0.2.1\n", b"b 192.0.2.2\n", b"c 192.0.2.3\n"]
    sink = RecordingSink()

    class Pipe(Trickle):
        def read1(self, n: int = -1) -> bytes:
            # When the next line is asked for, the previous one must already be out.
            assert sink.getvalue().count(b"\n") == self._pos_lines
            self._pos_lines += 1
            return lines.pop(0) if lines else b""

    pipe = Pipe(b"", 1)
    pipe._pos_lines = 0  # type: ignore[attr-defined]
    mask_stream(pipe, sink, masker=GA, format="text", flush=True)  # type: ignore[arg-type]
    assert sink.getvalue() == b"a 192.0.2.0\nb 192.0.2.0\nc 192.0.2.0\n"
    assert len(sink.flushed) == 3


def test_a_line_longer_than_the_limit_is_cut_between_addresses_and_preserved() -> None:
    unit = b"x 203.0.113.77 \xff"
    line = unit * 10000  # 160 kB, no newline until the end
    data = COMBINED + line + b"\n" + COMBINED
    out, summary = run(data, max_line_bytes=65536)
    expected_line = (b"x 203.0.113.0 \xff" * 10000) + b"\n"
    # The long line does not follow the access format: it is scanned as a whole.
    assert out == run(COMBINED)[0] + expected_line + run(COMBINED)[0]
    assert summary.lines == 3
    assert summary.addresses_v4 == 2 * 2 + 10000


def test_options_are_checked() -> None:
    with pytest.raises(InvalidInput, match="format"):
        run(b"", format="csv")
    with pytest.raises(InvalidInput, match="fields"):
        run(b"", format="combined", fields=("ip",))
    with pytest.raises(InvalidInput, match="max_line_bytes"):
        run(b"", max_line_bytes=10)


def test_summary_adds_up_and_round_trips() -> None:
    a = LogSummary(lines=3, addresses_v4=2, failed={"client": 1}, format="combined")
    b = LogSummary(lines=1, addresses_v6=4, failed={"client": 2, "json": 1}, format="jsonl")
    total = a + b
    assert total.failed == (("client", 3), ("json", 1))
    assert total.format == "mixed"
    assert total.addresses == 6
    assert LogSummary.from_dict(total.to_dict()) == total
    with pytest.raises(InvalidInput):
        LogSummary.from_dict({"version": 99})
    with pytest.raises(InvalidInput):
        LogSummary(lines=-1)
    assert "203.0.113" not in repr(a)


def test_masker_errors_are_not_swallowed_for_free_text() -> None:
    class Broken(TagMasker):
        def apply(self, address: str) -> str:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run(b"a 192.0.2.1\n", Broken(), format="text")


# -- files ----------------------------------------------------------------------------------


def test_mask_file_plain_to_gzip_and_back(tmp_path: Path) -> None:
    source = tmp_path / "access.log"
    source.write_bytes(COMBINED * 50)
    zipped = tmp_path / "masked.log.gz"
    summary = mask_file(source, zipped, masker=GA)
    assert zipped.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(zipped.read_bytes()) == run(COMBINED * 50)[0]
    assert summary.lines == 50
    # gzip in, plain out; the format is detected through the compression.
    plain = tmp_path / "again.log"
    again = mask_file(zipped, plain, masker=TagMasker())
    assert plain.read_bytes().count(b"<v4>") == 100
    assert again.format == "combined"


def test_mask_file_in_place_keeps_compression_and_mode(tmp_path: Path) -> None:
    source = tmp_path / "access.log.1.gz"
    source.write_bytes(gzip.compress(COMBINED * 3))
    source.chmod(0o640)
    mask_file(source, masker=GA)
    assert gzip.decompress(source.read_bytes()) == run(COMBINED * 3)[0]
    assert source.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["access.log.1.gz"]


def test_in_place_failure_leaves_the_original_intact_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    source = tmp_path / "access.log"
    original = (COMBINED * 2000) + b"192.0.2.1 boom\n" + COMBINED * 2000
    source.write_bytes(original)

    class FailsMidWay(TagMasker):
        # Fails on the address of the middle line (repeated runs of text are memoised, so a
        # count of calls would not reach the middle of the file).
        def apply(self, address: str) -> str:
            if address == "192.0.2.1":
                raise OSError("disk full (simulated)")
            return super().apply(address)

    with pytest.raises(OSError, match="simulated"):
        mask_file(source, masker=FailsMidWay(), format="text")
    assert source.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["access.log"]


def test_jobs_two_gives_the_same_bytes_and_summary_as_one(tmp_path: Path) -> None:
    source = tmp_path / "big.log"
    lines = [
        COMBINED,
        b'2001:db8::17 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1\n',
        b"junk line \xff\n",
    ]
    source.write_bytes(b"".join(lines[i % 3] for i in range(3001)) + b"no newline 10.0.0.9")
    one, two = tmp_path / "one.log", tmp_path / "two.log.gz"
    s1 = mask_file(source, one, masker=GA, jobs=1, format="combined")
    s2 = mask_file(source, two, masker=GA, jobs=2, format="combined")
    assert gzip.decompress(two.read_bytes()) == one.read_bytes()
    assert s1 == s2
    assert s1.failed_total == 0  # 'junk' and 'no' lines are scanned as free text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.log", "one.log", "two.log.gz"]


def test_jobs_two_write_the_users_marker_in_every_range(tmp_path: Path) -> None:
    # A marker of one's own reaches the workers too: with jobs=2 the second half's failed
    # client fields were written with the default marker.
    source = tmp_path / "bad.log"
    bad = b'999.1.2.3 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1\n'
    source.write_bytes((COMBINED + bad) * 2000)
    one, two = tmp_path / "one.log", tmp_path / "two.log"
    s1 = mask_file(source, one, masker=GA, jobs=1, format="combined", marker="[gone]")
    s2 = mask_file(source, two, masker=GA, jobs=2, format="combined", marker="[gone]")
    assert two.read_bytes() == one.read_bytes()
    assert one.read_bytes().count(b"[gone]") == 2000
    assert s1 == s2


def test_jobs_more_than_lines(tmp_path: Path) -> None:
    source = tmp_path / "tiny.log"
    source.write_bytes(COMBINED)
    target = tmp_path / "out.log"
    summary = mask_file(source, target, masker=GA, jobs=4)
    assert target.read_bytes() == run(COMBINED)[0]
    assert summary.lines == 1


def test_a_failing_worker_fails_the_whole_file(tmp_path: Path) -> None:
    source = tmp_path / "big.log"
    source.write_bytes(COMBINED * 1000)
    target = tmp_path / "out.log"

    class Broken(TagMasker):
        def apply(self, address: str) -> str:
            raise ValueError("worker failure")

    with pytest.raises(Exception, match="worker"):
        mask_file(source, target, masker=Broken(), jobs=2)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.log"]


def test_a_failure_in_a_workers_range_fails_the_whole_file(tmp_path: Path) -> None:
    # The parent masks the first range itself; the second is a worker's.  Only addresses of
    # the second half make the masker fail, so the error crosses the process boundary.
    source = tmp_path / "big.log"
    first = COMBINED.replace(b"198.51.100.23", b"192.0.2.1")
    second = COMBINED.replace(b"198.51.100.23", b"203.0.113.7")
    assert first != second
    source.write_bytes(first * 700 + second * 300)  # the byte midpoint is in the first part
    target = tmp_path / "out.log"

    class FailsOnSecondHalf(TagMasker):
        def apply(self, address: str) -> str:
            if address.startswith("203.0.113."):
                raise ValueError("cannot mask this one")
            return super().apply(address)

    with pytest.raises(GdprkitError, match="a masking worker failed with ValueError"):
        mask_file(source, target, masker=FailsOnSecondHalf(), jobs=2, format="combined")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.log"]


def test_jobs_on_an_empty_file_and_progress_adds_up(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    summary = mask_file(empty, tmp_path / "empty.out", masker=GA, jobs=2, format="combined")
    assert (summary.lines, (tmp_path / "empty.out").read_bytes()) == (0, b"")
    source = tmp_path / "big.log"
    source.write_bytes(COMBINED * 5000)
    seen: list[int] = []
    mask_file(source, tmp_path / "out.log", masker=GA, jobs=2, progress=seen.append)
    assert sum(seen) == source.stat().st_size
    assert (tmp_path / "out.log").read_bytes() == run(COMBINED)[0] * 5000
