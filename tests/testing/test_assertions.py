"""The public assertions: they fail exactly when they should, and their messages never disclose."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import urllib.parse
import zipfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.export import Dataset, write_package
from gdprkit.ip import TruncationMasker, mask_text
from gdprkit.register import Controller, Purpose, Register, load_register
from gdprkit.testing import strategies as gst
from gdprkit.testing.assertions import (
    assert_no_personal_data,
    assert_no_raw_ips,
    assert_package_valid,
    assert_register_clean,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_REGISTER = REPO / "examples" / "register.toml"


def _failure(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(AssertionError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(info.value)


# --- assert_no_raw_ips -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("client=203.0.113.9 ok", "line 1, column 8: IPv4 203.x.x.x"),
        ("x\nfrom [2001:DB8::7%eth0]:443", "line 2, column 7: IPv6 2001:…"),
        ("fwd ::ffff:198.51.100.23,", "line 1, column 5: IPv6 ::ffff:198.x.x.x"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001 -", "line 1, column 1: IPv6 2001:…"),
        ("to 192.0.2.1:8080", "line 1, column 4: IPv4 192.x.x.x"),
    ],
)
def test_raw_ip_is_reported_by_position_and_first_group_only(text: str, shown: str) -> None:
    message = _failure(assert_no_raw_ips, text)
    assert message.startswith("found 1 raw IP address in the text")
    assert shown in message
    # The address itself never appears (the mapped one: not even its IPv4 part).
    assert "203.0.113.9" not in message
    assert "db8::7" not in message.lower()
    assert "198.51.100.23" not in message
    assert "0db8" not in message
    assert "192.0.2.1" not in message


def test_truncated_internal_and_allowed_addresses_pass() -> None:
    assert_no_raw_ips("203.0.113.0 2001:db8:abcd:: ::ffff:198.51.100.0 127.0.0.1 ::1 0.0.0.0")
    assert_no_raw_ips("server 10.0.0.5", allow=["10.0.0.0/8"])
    assert_no_raw_ips("lan 192.168.1.7", skip=["private"])
    assert_no_raw_ips("v6 2001:db8:1:2::", ipv6_prefix=64)


def test_documentation_ranges_count_as_raw_by_default() -> None:
    # Tests use the documentation ranges as stand-ins for visitors, so they must be caught.
    _failure(assert_no_raw_ips, "198.51.100.7")
    _failure(assert_no_raw_ips, "2001:db8::1")


def test_prefix_none_accepts_no_truncated_address() -> None:
    message = _failure(assert_no_raw_ips, "203.0.113.0", ipv4_prefix=None)
    assert "IPv4 203.x.x.x" in message
    # /16 truncation passes the default /24 check (more bits zeroed).
    assert_no_raw_ips("203.0.0.0")
    _failure(assert_no_raw_ips, "203.0.113.0", ipv4_prefix=16)


def test_loopback_is_raw_when_not_skipped() -> None:
    _failure(assert_no_raw_ips, "127.0.0.1", skip=())


def test_file_is_read_line_by_line(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    lines = [f"GET /{i} 200 203.0.113.0" for i in range(30)]
    lines[4] = "GET /x 200 203.0.113.77"
    lines += [f"GET /y 200 198.51.100.{i + 1}" for i in range(12)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _failure(assert_no_raw_ips, log)
    assert message.startswith(f"found 13 raw IP addresses in {log} ")
    assert "the first 10 listed" in message
    assert "line 5, column 12: IPv4 203.x.x.x" in message
    assert len(re.findall(r"^  line ", message, re.MULTILINE)) == 10
    assert "203.0.113.77" not in message


def test_undecodable_file_is_still_scanned(tmp_path: Path) -> None:
    log = tmp_path / "bin.log"
    log.write_bytes(b"\xff\xfe garbage \x80 203.0.113.5 \xc3\n")
    assert "IPv4 203.x.x.x" in _failure(assert_no_raw_ips, log)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"ipv4_prefix": 33}, InvalidInput),
        ({"ipv6_prefix": -1}, InvalidInput),
        ({"allow": "10.0.0.0/8"}, InvalidType),
        ({"allow": ["not a network"]}, InvalidInput),
        ({"skip": "loopback"}, InvalidType),
        ({"skip": ["nowhere"]}, InvalidInput),
    ],
)
def test_invalid_options_raise_typed_errors(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        assert_no_raw_ips("text", **kwargs)  # type: ignore[arg-type]


def test_bytes_are_refused() -> None:
    with pytest.raises(InvalidType, match="text_or_path"):
        assert_no_raw_ips(b"203.0.113.9")  # type: ignore[arg-type]


@given(gst.log_lines())
def test_every_address_of_a_log_line_is_found_and_none_is_disclosed(
    line: tuple[str, bytes, tuple[str, ...]],
) -> None:
    _fmt, raw, addresses = line
    text = raw.decode("utf-8", errors="replace")
    if not addresses:
        assert_no_raw_ips(text, ipv4_prefix=None, ipv6_prefix=None, skip=())
        return
    message = _failure(assert_no_raw_ips, text, ipv4_prefix=None, ipv6_prefix=None, skip=())
    count = len(addresses)
    assert message.startswith(f"found {count} raw IP address{'es' if count > 1 else ''} ")
    for token in addresses:
        if token.startswith("["):  # [v6]:port
            bare = token[1 : token.index("]")]
        elif token.count(":") == 1:  # v4:port
            bare = token.split(":")[0]
        else:
            bare = token
        # "::" or "::1" are no longer than their masked form, and "::ff" is part of the masked
        # form of any IPv4-mapped address ("::ffff:198.x.x.x"): those prove nothing.
        if len(bare) > 3 and bare.casefold() not in "::ffff:":
            assert bare.casefold() not in message.casefold()


@given(gst.log_lines())
def test_lines_masked_with_the_ga_preset_pass(line: tuple[str, bytes, tuple[str, ...]]) -> None:
    _fmt, raw, _addresses = line
    text = raw.decode("utf-8", errors="replace")
    assert_no_raw_ips(mask_text(text, TruncationMasker.preset("ga")))


# --- assert_no_personal_data -------------------------------------------------------------------


def test_value_is_found_case_insensitively_and_masked() -> None:
    text = "INFO order placed\nWARN mail to ANN.Smith@Shop.Example bounced\n"
    message = _failure(assert_no_personal_data, text, ["x@y.example", "ann.smith@shop.example"])
    assert message == (
        "personal data found in the text (values are masked here):\n"
        "  value #2 (a…e, 22 chars), 1 occurrence: line 2, column 14 (as written)"
    )


@pytest.mark.parametrize(
    ("encode", "label"),
    [
        (lambda v: urllib.parse.quote(v, safe=""), "URL-encoded"),
        (urllib.parse.quote_plus, "URL-encoded"),
        (lambda v: json.dumps(v)[1:-1], "JSON-escaped"),
        (html.escape, "HTML-escaped"),
    ],
)
def test_common_encodings_are_found(encode: object, label: str) -> None:
    value = "Zoë O'Brien & co <zoe+1@shop.example>"
    text = f"GET /unsubscribe?who={encode(value)} HTTP/1.1"  # type: ignore[operator]
    message = _failure(assert_no_personal_data, text, [value])
    assert f"({label})" in message
    assert value not in message


def test_occurrences_beyond_five_are_counted() -> None:
    message = _failure(assert_no_personal_data, "+4930123456 " * 8, ["+4930123456"])
    assert "8 occurrences" in message
    assert "; 3 more" in message
    assert "4930123456" not in message


def test_short_values_are_masked_by_length_only() -> None:
    message = _failure(assert_no_personal_data, "id=Bo", ["bo"])
    assert "value #1 (2 chars)" in message


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ("ann@shop.example", InvalidType),
        ([42], InvalidType),
        ([""], InvalidInput),
        (["  "], InvalidInput),
    ],
)
def test_invalid_values_raise_typed_errors(values: object, error: type) -> None:
    with pytest.raises(error):
        assert_no_personal_data("text", values)  # type: ignore[arg-type]


def test_non_text_is_refused_with_a_hint_for_caplog() -> None:
    with pytest.raises(InvalidType, match=r"caplog\.text"):
        assert_no_personal_data(["a line"], ["ann"])  # type: ignore[arg-type]


_FILLER = st.text(alphabet="xyz -_=/\n", max_size=30)


@given(gst.email_addresses(), _FILLER, _FILLER, st.sampled_from(["plain", "upper", "url", "json"]))
def test_an_email_anywhere_fails_and_is_never_disclosed(
    email: str, before: str, after: str, form: str
) -> None:
    encoded = {
        "plain": email,
        "upper": email.upper(),
        "url": urllib.parse.quote(email, safe=""),
        "json": json.dumps(email)[1:-1],
    }[form]
    message = _failure(assert_no_personal_data, before + encoded + after, [email])
    assert "value #1" in message
    if len(email) > 3:
        assert email.casefold() not in message.casefold()


@given(st.lists(st.text(alphabet="xyz -", max_size=15), min_size=1, max_size=6), st.data())
def test_reported_position_is_where_the_value_is(lines: list[str], data: st.DataObject) -> None:
    row = data.draw(st.integers(0, len(lines) - 1))
    column = data.draw(st.integers(0, len(lines[row])))
    lines[row] = lines[row][:column] + "ann@shop.example" + lines[row][column:]
    message = _failure(assert_no_personal_data, "\n".join(lines), ["ann@shop.example"])
    assert message.endswith(f": line {row + 1}, column {column + 1} (as written)")


@given(gst.email_addresses(), _FILLER)
def test_text_without_the_value_passes(email: str, text: str) -> None:
    assume(email.casefold() not in text.casefold())
    assert_no_personal_data(text, [email])


# --- assert_package_valid ----------------------------------------------------------------------


def _package(tmp_path: Path) -> Path:
    register = Register(
        Controller(name="Shop", contact="privacy@shop.example"),
        [Purpose(id="account", description="Account", basis="contract")],
    )
    out = tmp_path / "package.zip"
    records = [{"email": "ann@shop.example", "n": i} for i in range(3)]
    write_package(
        out,
        register,
        "tok-1",
        [Dataset("profile", "account", records)],
        generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
    )
    return out


def test_a_written_package_is_valid(tmp_path: Path) -> None:
    package = assert_package_valid(_package(tmp_path), datasets=["profile"])
    assert package.load()["profile"][2]["n"] == 2


def test_a_missing_dataset_is_named(tmp_path: Path) -> None:
    message = _failure(assert_package_valid, _package(tmp_path), datasets=["orders", "profile"])
    assert message == "package.zip lacks dataset(s) 'orders' (it has: 'profile')"


def test_a_tampered_member_is_named_without_its_content(tmp_path: Path) -> None:
    path = _package(tmp_path)
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    target = next(n for n in members if n.endswith(".jsonl"))
    members[target] = members[target].replace(b"ann@", b"bob@")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    message = _failure(assert_package_valid, path)
    assert message.startswith("package.zip is not a valid portability package: ")
    assert target in message
    assert "SHA-256" in message
    assert "bob@" not in message


def test_missing_and_non_zip_files_fail(tmp_path: Path) -> None:
    assert "no such file" in _failure(assert_package_valid, tmp_path / "nope.zip")
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert "not a ZIP archive" in _failure(assert_package_valid, junk)


# --- assert_register_clean ---------------------------------------------------------------------


def test_example_register_is_clean_and_returned() -> None:
    register = assert_register_clean(EXAMPLE_REGISTER, allow_warnings=False)
    assert register == load_register(EXAMPLE_REGISTER)


def test_errors_fail_and_warnings_fail_only_when_asked(tmp_path: Path) -> None:
    toml = EXAMPLE_REGISTER.read_text(encoding="utf-8")
    # A declared category no purpose uses is a warning; a consent purpose without a way to
    # withdraw is an error (Art. 7(3)).
    with_warning = toml.replace('"preferences",\n]', '"preferences", "biometric",\n]', 1)
    assert with_warning != toml
    path = tmp_path / "register.toml"
    path.write_text(with_warning, encoding="utf-8")
    assert_register_clean(path)
    message = _failure(assert_register_clean, path, allow_warnings=False)
    assert message.startswith(f"{path} has 1 lint finding that fail")
    assert "[category-unused]" in message
    assert_register_clean(path, allow_warnings=False, ignore=["category-unused"])

    broken = toml.replace('withdrawal = "The cookie settings link in the page footer"\n', "")
    path.write_text(broken, encoding="utf-8")
    message = _failure(assert_register_clean, path)
    assert "error: [web_analytics]" in message
    assert "[consent-without-withdrawal]" in message


def test_unloadable_register_fails_with_the_loader_message(tmp_path: Path) -> None:
    path = tmp_path / "register.toml"
    path.write_text("version = 1\n[controller\n", encoding="utf-8")
    message = _failure(assert_register_clean, path)
    assert message.startswith("the register cannot be loaded: ")
    assert "register.toml" in message
    assert "no such register file" in _failure(assert_register_clean, tmp_path / "none.toml")


def test_register_argument_type_is_checked() -> None:
    with pytest.raises(InvalidType):
        assert_register_clean(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        assert_register_clean(EXAMPLE_REGISTER, ignore="category-unused")


@settings(max_examples=30)  # registers are large values; 30 cover both outcomes many times
@given(gst.registers())
def test_clean_means_no_error_finding(register: Register) -> None:
    errors = [f for f in register.lint() if f.severity.value == "error"]
    if errors:
        message = _failure(assert_register_clean, register)
        for finding in errors:
            assert str(finding) in message
    else:
        assert assert_register_clean(register) is register
