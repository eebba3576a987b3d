"""Issue 17: the leak and damage classes, one table per class, in the style of real logs.

The lines are synthetic (documentation addresses, RFC 5737 / RFC 3849) and imitate the formats
named in the issue; the issue's own examples are one row of each table, the others are further
members of the same class.  Every row is also checked with the independent finder of
``_oracle.py``.
"""

from __future__ import annotations

import io

import pytest
from _oracle import readable

from gdprkit.errors import InvalidAddress
from gdprkit.ip import (
    CryptoPAnMasker,
    KeyedTokenMasker,
    TruncationMasker,
    mask_stream,
    mask_text,
    mask_text_counted,
    parse_address,
)

GA = TruncationMasker.preset("ga")
TOKEN = KeyedTokenMasker(bytes(range(32)), key_id="k1")
CRYPTOPAN = CryptoPAnMasker(bytes(range(32)))
V4 = int.from_bytes(bytes((203, 0, 113, 7)), "big")
V6 = 0x2A00_1234_0005_0006_0000_0000_0000_00A7


def _leak_free(line: str, expected: str, family: int = 4, value: int = V4) -> None:
    assert mask_text(line, GA) == expected
    for masker in (TOKEN, CRYPTOPAN):
        out = mask_text(line, masker)
        assert not readable(out, family, value), out


# Class 1: after a percent-escape, or percent-encoded (request lines, referrers, JSON).
@pytest.mark.parametrize(
    ("line", "expected", "family"),
    [
        (
            "GET /search?q=host%20203.0.113.7 HTTP/1.1",
            "GET /search?q=host%20203.0.113.0 HTTP/1.1",
            4,
        ),
        ("?to=http%3A%2F%2F203.0.113.7%2Fx", "?to=http%3A%2F%2F203.0.113.0%2Fx", 4),
        (
            "?next=https%253A%252F%252F203.0.113.7%252F",
            "?next=https%253A%252F%252F203.0.113.0%252F",
            4,
        ),
        ("http://%5B2a00:1234:5:6::a7%5D/", "http://%5B2a00:1234:5::%5D/", 6),
        ("?ip=2a00%3A1234%3A5%3A6%3A%3Aa7", "?ip=2a00%3A1234%3A5%3A%3A", 6),
        ("?ip=2a00%3a1234%3a5%3a6%3a%3aa7&x", "?ip=2a00%3a1234%3a5%3a%3a&x", 6),
        ("?ip=2a00%253A1234%253A5%253A6%253A%253Aa7", "?ip=2a00%253A1234%253A5%253A%253A", 6),
        ('{"request_uri":"/r?u=203%2E0%2E113%2E7"}', '{"request_uri":"/r?u=203%2E0%2E113%2E0"}', 4),
        ('{"msg":"line\\n203.0.113.7 up"}', '{"msg":"line\\n203.0.113.0 up"}', 4),
    ],
)
def test_class_1_percent_and_backslash_escapes(line: str, expected: str, family: int) -> None:
    _leak_free(line, expected, family, V4 if family == 4 else V6)


# Class 2: IPv6 after a word ending in a digit or in hex letters.
@pytest.mark.parametrize(
    "before",
    ["ip6:", "inet6:", "helo=<[IPv6:", "peer added:", "IPv6:", "addr6:", "cafe_added:"],
)
def test_class_2_ipv6_after_a_word(before: str) -> None:
    line = f"{before}2a00:1234:5:6::a7 up"
    _leak_free(line, f"{before}2a00:1234:5:: up", 6, V6)


def test_class_2_a_short_hex_word_is_read_with_the_address() -> None:
    # 'bad:2a00:1234:5:6::a7' is itself an address: masked as a whole, nothing of it is left.
    line = "bad:2a00:1234:5:6::a7 up"
    _leak_free(line, "bad:2a00:1234:: up", 6, V6)


# Class 3: after an ellipsis (strongSwan, truncated messages).
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "matching 203.0.113.7[a]...198.51.100.23[b]",
            "matching 203.0.113.0[a]...198.51.100.0[b]",
        ),
        ("peers 198.51.100.23..203.0.113.7", "peers 198.51.100.0..203.0.113.0"),
        ("x ...203.0.113.7", "x ...203.0.113.0"),
        ("2001:db8::1...2a00:1234:5:6::a7", "2001:db8::...2a00:1234:5::"),
    ],
)
def test_class_3_after_an_ellipsis(line: str, expected: str) -> None:
    family, value = (6, V6) if "2a00" in line else (4, V4)
    _leak_free(line, expected, family, value)


# Class 4: zero-padded IPv4 in text, JSON fields outside the default list, nginx's XFF tail.
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("from 203.000.113.007 port 22", "from 203.0.113.0 port 22"),
        ('{"peer":"203.000.113.007"}', '{"peer":"203.0.113.0"}'),
        ("::ffff:203.000.113.007", "::ffff:203.0.113.0"),
    ],
)
def test_class_4_zero_padded_in_text(line: str, expected: str) -> None:
    _leak_free(line, expected)


def test_class_4_zero_padded_in_address_fields_fails_closed() -> None:
    line = (
        b'203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.1" '
        b'"203.000.113.007, 198.51.100.7"\n'
    )
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(line), out, masker=GA, format="combined")
    assert out.getvalue().endswith(b'"[unparsed], 198.51.100.0"\n')
    assert summary.failed == (("x_forwarded_for", 1),)
    head = b'203.000.113.007 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5\n'
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(head), out, masker=GA, format="common")
    assert out.getvalue().startswith(b"[unparsed] - -")
    assert summary.failed_total == 1


# Class 5: zone ids that carry an address are refused in address fields (fail closed).
@pytest.mark.parametrize(
    "zone", ["x203.0.113.7", "25203.0.113.7", "203.000.113.007", "3405803783", "eth0.203.0.113.7"]
)
def test_class_5_zone_tricks_fail_closed(zone: str) -> None:
    with pytest.raises(InvalidAddress):
        parse_address(f"fe80::1%{zone}")
    line = f'{{"remote_addr":"fe80::1%{zone}"}}\n'.encode()
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(line), out, masker=GA)
    assert out.getvalue() == b'{"remote_addr":"[unparsed]"}\n'
    assert summary.failed_total == 1


@pytest.mark.parametrize("zone", ["eth0", "en0", "eth0.100", "25", "lo0", "bond0.100.200"])
def test_class_5_interface_names_are_zones(zone: str) -> None:
    assert parse_address(f"fe80::1%{zone}").zone == zone


@pytest.mark.parametrize("line", ["fe80::1%x203.0.113.7 up", "fe80::1%25203.0.113.7 up"])
def test_class_5_zone_tricks_in_text_are_masked(line: str) -> None:
    _leak_free(line, mask_text(line, GA))
    assert "203.0.113.0" in mask_text(line, GA)


# Class 6: a line starting with an ISO time glued to the next field is never taken for syslog.
@pytest.mark.parametrize(
    "line",
    [
        "2024-01-01T00:00:00Z,203.0.113.7,login ok",
        "2024-01-01T00:00:00.123456Z\tCabc\t203.0.113.7\t51000\t198.51.100.2\t80\ttcp",  # Zeek
        "2024-01-01T00:00:00.123Z,EX01,IMAP4,203.0.113.7:143,198.51.100.2:51000,user",  # CSV
        "2024-01-01T00:00:00+01:00;203.0.113.7;ok",
    ],
)
def test_class_6_iso_time_glued_to_the_next_field(line: str) -> None:
    data = ((line + "\n") * 20).encode()
    for format in ("auto", "syslog", "text"):
        out = io.BytesIO()
        summary = mask_stream(io.BytesIO(data), out, masker=TOKEN, format=format)  # type: ignore[arg-type]
        assert not readable(out.getvalue().decode(), 4, V4), format
        assert summary.addresses >= 20


# Class 7: other spellings a reader recognises.
@pytest.mark.parametrize(
    ("line", "expected", "family"),
    [
        ("dead:::203.0.113.7 x", "dead:::203.0.113.0 x", 4),
        ("backup_203.0.113.7.tar", "backup_0.0.113.0.tar", 4),
        ("id=::ffff:203.0.113.7x", "id=::ffff:203.0.113.0x", 4),
        ("id=2a00:1234:5:6::a7x", "id=2a00:1234:5::x", 6),
        ("2a00:1234:5:6:0:0:0:a7_x", "2a00:1234:5::_x", 6),
        ("host x203.0.113.7 y", "host x203.0.113.0 y", 4),
        ("cafe203.0.113.7", "cafe203.0.113.0", 4),
        ('{"peer":"203\\u002e0\\u002e113\\u002e7"}', '{"peer":"203\\u002e0\\u002e113\\u002e0"}', 4),
        ("7.113.0.203.in-addr.arpa", "0.113.0.203.in-addr.arpa", 4),
        ("7.113.0.203.IN-ADDR.ARPA", "0.113.0.203.IN-ADDR.ARPA", 4),
        ("ip-203-0-113-7.example.net", "ip-0-0-113-0.example.net", 4),
        ("ip-203-0-113-7 joined", "ip-0-0-113-0 joined", 4),
        ("203-0-113-7.static.example.net", "0-0-113-0.static.example.net", 4),
        ("ec2-203-0-113-7.compute-1.amazonaws.com", "ec2-0-0-113-0.compute-1.amazonaws.com", 4),
        ("from dsl-203-0-113-7 port 22", "from dsl-0-0-113-0 port 22", 4),
        ("7.113.0.203.rev.vodafone.pt", "0.113.0.0.rev.vodafone.pt", 4),
        ("static.7.113.0.203.client.example", "static.0.113.0.0.client.example", 4),
        ("2a00:1234:5:6:0:0:0:a7:8080: x", "2a00:1234:5:::8080: x", 6),
        ("client:203.0.113.7:443", "client:203.0.113.0:443", 4),
    ],
)
def test_class_7_other_spellings(line: str, expected: str, family: int) -> None:
    _leak_free(line, expected, family, V4 if family == 4 else V6)


# Class 8: after a path separator or a name and '/', in third-party formats: addresses.
@pytest.mark.parametrize(
    "line",
    [
        "GET /geo/203.0.113.7 HTTP/1.1",
        "Contact: <sip:100@203.0.113.7:5060>;transport=UDP IPV4/UDP/203.0.113.7/5060",  # Asterisk
        "%ASA-6-106100: access-list acl permitted tcp inside/203.0.113.7(51763) -> outside/x",
        "client1/203.0.113.7:54321 MULTI: Learn: 10.8.0.6",  # OpenVPN
        (  # Squid
            "1286536309.586 921 192.0.2.68 TCP_MISS/200 507 GET http://x/ - "
            "HIER_DIRECT/203.0.113.7 text/html"
        ),
        "- HIER_DIRECT/203.0.113.7 text/html Mozilla/5.0 (X11)",  # Squid with a user agent
        "to=<u@example.org>, relay=mx.example.org[203.0.113.7]:25, delay=0.1",  # Postfix
        "imap-login: Login: user=<u>, rip=203.0.113.7, lip=198.51.100.2",  # Dovecot
        "H=(helo) [203.0.113.7]:51000 I=[198.51.100.2]:25 F=<a@b>",  # Exim
    ],
)
def test_class_8_paths_and_third_party_formats(line: str) -> None:
    for masker in (TOKEN, CRYPTOPAN):
        assert not readable(mask_text(line, masker), 4, V4)


# Class 9: product versions are left alone, with every method, in free text and JSON.
@pytest.mark.parametrize(
    "text",
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0"
        ),
        '{"user_agent":"ShopApp/4.16.7.81 (iPhone; iOS 17.1)","status":200}',
        '{"http_user_agent":"ShopApp/4.16.7.81"}',
        "ua=ShopApp/4.16.7.81",
        "User-Agent: Foo/1.2.3.4",
        (
            "docker/24.0.7 go/go1.20.10 git-commit/311b9ff "
            "kernel/5.15.90.1-microsoft-standard-WSL2 os/linux arch/amd64"
        ),
        "Mozilla/5.0 (Linux; Android 14) OPR/106.0.0.0",
        "(KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
        "okhttp/4.9.0 Foo/1.2.3.4",
    ],
)
def test_class_9_versions_are_not_addresses(text: str) -> None:
    for masker in (GA, TOKEN, CRYPTOPAN):
        assert mask_text_counted(text, masker) == (text, 0, 0)


def test_class_9_user_agents_in_json_lines_keep_their_versions() -> None:
    line = (
        b'{"remote_addr":"203.0.113.7","http_user_agent":"Mozilla/5.0 (X11) Chrome/130.0.0.0 '
        b'Safari/537.36","request":"GET /geo/198.51.100.23"}\n'
    )
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(line), out, masker=CRYPTOPAN)
    assert b"Chrome/130.0.0.0 Safari" in out.getvalue()
    assert b"198.51.100.23" not in out.getvalue()
    assert summary.addresses == 2


# Class 10: code, slices, identifiers and MySQL's thread id are not addresses.
@pytest.mark.parametrize(
    "text",
    [
        "at std::function<void()>::operator()::{lambda#1}",
        "x = data[::2] + a[1::3]",
        "ab::cd() and ff::ee(x)",
        "EUI-64 00:1a:2b:ff:fe:3c:4d:5e",
        "WWN 50:06:01:60:3b:a0:12:34",
        "1-2-3-4-5 and 10-20-30-40",
        "from::1 Foo::bar",
    ],
)
def test_class_10_not_addresses(text: str) -> None:
    for masker in (TOKEN, CRYPTOPAN):
        assert mask_text_counted(text, masker) == (text, 0, 0)


def test_class_10_mysql_thread_id_after_an_iso_time() -> None:
    lines = b"".join(
        b"2024-01-01T00:00:0%dZ 0 [Note] Access denied for user 'x'@'203.0.113.7'\n" % i
        for i in range(5)
    )
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(lines), out, masker=GA)
    assert out.getvalue() == lines.replace(b"203.0.113.7", b"203.0.113.0")
    assert summary.failed_total == 0


# Class 11: wrapped access logs keep their header and are masked field by field.
@pytest.mark.parametrize(
    "wrapper",
    [
        b"Sep 15 16:13:46 host nginx[2869]: ",
        b"<13>Sep  5 16:13:46 web1 nginx: ",
        b"2022-01-28T16:04:05.413656027Z stdout F ",
        b"2022-01-28T16:04:05.413656027Z stderr P ",
        b"2024-01-01T00:00:00+00:00 web1 nginx[1]: ",
    ],
)
def test_class_11_wrapped_access_logs(wrapper: bytes) -> None:
    access = (
        b'203.0.113.7 - - [15/Sep/2024:16:13:46 +0000] "POST /wp-login.php HTTP/1.1" 200 5 '
        b'"-" "Mozilla/5.0 (X11) Chrome/130.0.0.0 Safari/537.36"'
    )
    data = (wrapper + access + b"\n") * 5
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(data), out, masker=GA)
    assert summary.format == "combined"
    assert out.getvalue() == data.replace(b"203.0.113.7", b"203.0.113.0")
    assert summary.failed_total == 0
    assert summary.addresses == 5
