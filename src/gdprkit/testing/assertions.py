"""Assertions for a shop's tests: no raw IPs, no personal data, valid packages, a clean register.

Each function raises :class:`AssertionError` with a message that says where the problem is and
what to do, and never prints the personal value itself: an address is shown by its first
group only (``203.x.x.x``), any other value by its first and last character and its length.
They need no pytest (any test runner, or a CI script, can call them); under pytest the
functions hide themselves from the traceback.

Example:
    >>> from gdprkit.testing.assertions import assert_no_personal_data
    >>> assert_no_personal_data("user logged in: id=42", ["ann@shop.example"])
    >>> assert_no_personal_data("mail to Ann%40Shop.example", ["ann@shop.example"])
    Traceback (most recent call last):
    ...
    AssertionError: personal data found in the text (values are masked here):
      value #1 (a…e, 16 chars), 1 occurrence: line 1, column 9 (URL-encoded)
"""

from __future__ import annotations

import bisect
import html
import io
import ipaddress
import json
import os
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from gdprkit.errors import (
    GdprkitError,
    InvalidAddress,
    InvalidInput,
    InvalidType,
    RegisterError,
)
from gdprkit.register import Register, Severity, load_register

if TYPE_CHECKING:
    from gdprkit.export import PortabilityPackage
    from gdprkit.ip import SpecialRange

__all__ = [
    "NECESSARY_COOKIES",
    "assert_no_personal_data",
    "assert_no_raw_ips",
    "assert_no_tracking_before_consent",
    "assert_package_valid",
    "assert_register_clean",
]

_SHOWN = 10  # problems listed in one message; the count says how many there are in all
_SHOWN_PER_VALUE = 5


def _masked(value: str) -> str:
    """A form of ``value`` that identifies it to the test's author but does not disclose it."""
    if len(value) <= 3:
        return f"{len(value)} chars"
    return f"{value[0]}…{value[-1]}, {len(value)} chars"


def _lines(text_or_path: str | os.PathLike[str], name: str) -> tuple[str, Iterator[str]]:
    """The source's name for messages and its lines (a file is read lazily, line by line)."""
    if isinstance(text_or_path, str):
        return "the text", iter(io.StringIO(text_or_path))
    if isinstance(text_or_path, os.PathLike):
        path = Path(text_or_path)

        def read() -> Iterator[str]:
            handle: IO[str]
            with path.open(encoding="utf-8", errors="replace", newline="") as handle:
                yield from handle

        return str(path), read()
    raise InvalidType(f"{name} must be a str (text) or a path (os.PathLike)")


# --- IP addresses ------------------------------------------------------------------------------


def _address_masked(text: str, family: int) -> str:
    if family == 4:
        return f"IPv4 {text.split('.', 1)[0]}.x.x.x"
    if "." in text:  # IPv4-mapped or -compatible: show the IPv6 part and the first octet
        head, _, tail = text.rpartition(":")
        return f"IPv6 {head}:{tail.split('.', 1)[0]}.x.x.x"
    return f"IPv6 {text.split(':', 1)[0] or ':'}:…"


def _network_list(allow: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    if isinstance(allow, str):
        raise InvalidType("allow must be an iterable of networks, not one str")
    networks = []
    for index, item in enumerate(allow):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except (TypeError, ValueError):
            raise InvalidInput(
                f"allow[{index}]: expected an address or network such as '192.0.2.0/24'"
            ) from None
    return networks


def assert_no_raw_ips(
    text_or_path: str | os.PathLike[str],
    *,
    ipv4_prefix: int | None = 24,
    ipv6_prefix: int | None = 48,
    allow: Iterable[str] = (),
    skip: Iterable[SpecialRange | str] = ("loopback", "unspecified"),
) -> None:
    """Fail if the text (a ``str``) or file (a path) contains an unmasked IP address.

    Addresses are found with :func:`gdprkit.ip.find_addresses`, in every textual form (IPv4,
    IPv6 compressed or full, upper case, IPv4-mapped, with zone or port, bracketed).  An
    address does *not* count as raw when:

    - it is truncated: every bit after the first ``ipv4_prefix`` (IPv6: ``ipv6_prefix``) bits
      is zero.  The defaults, /24 and /48, are the ``ga`` truncation preset of
      :mod:`gdprkit.ip`; use ``ipv6_prefix=64`` for ``matomo1`` and ``None`` to accept no
      truncated address at all;
    - it lies in one of the networks of ``allow`` (e.g. the shop's own servers);
    - it lies in one of the special ranges of ``skip`` (:class:`gdprkit.ip.SpecialRange`
      values; by default loopback and unspecified, which name no one).  The documentation
      ranges are *not* skipped by default: tests use them as stand-ins for real visitors.

    Keyed methods (Crypto-PAn, ipcrypt) produce addresses that look raw; for them, assert
    instead that the original addresses are gone with :func:`assert_no_personal_data`.

    Raises:
        AssertionError: a raw address was found; the message gives the line and column of
            each (up to ten) and only its first group (``203.x.x.x``).
        InvalidType: ``text_or_path`` is neither a ``str`` nor a path.
        InvalidInput: a prefix is out of range, or an ``allow`` or ``skip`` entry is invalid.
        OSError: the file cannot be read.

    Example:
        >>> assert_no_raw_ips("GET / 200 from 203.0.113.0 and [2001:db8::]:443")
        >>> assert_no_raw_ips("GET / 200 from 203.0.113.9")
        Traceback (most recent call last):
        ...
        AssertionError: found 1 raw IP address in the text (first group shown):
          line 1, column 16: IPv4 203.x.x.x
        mask addresses before they are written: ...
    """
    __tracebackhide__ = True
    from gdprkit.ip import SpecialRange, find_addresses, parse_address, special_range  # noqa: PLC0415

    for name, prefix, width in (
        ("ipv4_prefix", ipv4_prefix, 32),
        ("ipv6_prefix", ipv6_prefix, 128),
    ):
        if prefix is not None and (isinstance(prefix, bool) or not 0 <= prefix <= width):
            raise InvalidInput(f"{name} must be between 0 and {width} or None")
    networks = _network_list(allow)
    if isinstance(skip, str):
        raise InvalidType("skip must be an iterable of SpecialRange values, not one str")
    try:
        skipped = frozenset(SpecialRange(s) for s in skip)
    except ValueError:
        choices = ", ".join(repr(r.value) for r in SpecialRange)
        raise InvalidInput(f"skip: expected SpecialRange values ({choices})") from None

    def is_raw(text: str) -> bool:
        try:
            address = parse_address(text)
        except InvalidAddress:  # find_addresses only yields parseable text; be safe anyway
            return True
        if address.carries_ipv4:
            value, width, prefix = address.value & 0xFFFFFFFF, 32, ipv4_prefix
            plain: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.IPv4Address(value)
        else:
            value, width, prefix = address.value, 128, ipv6_prefix
            plain = ipaddress.IPv6Address(value)
        if prefix is not None and value & ((1 << (width - prefix)) - 1) == 0:
            return False
        if any(plain in net for net in networks if net.version == plain.version):
            return False
        return special_range(text) not in skipped

    source, lines = _lines(text_or_path, "text_or_path")
    found: list[str] = []
    count = 0
    for number, line in enumerate(lines, start=1):
        for match in find_addresses(line):
            if not is_raw(match.text):
                continue
            count += 1
            if len(found) < _SHOWN:
                where = f"line {number}, column {match.start + 1}"
                found.append(f"  {where}: {_address_masked(match.text, match.family)}")
    if count:
        noun = "address" if count == 1 else "addresses"
        more = f"; the first {_SHOWN} listed" if count > _SHOWN else ""
        head = f"found {count} raw IP {noun} in {source} (first group shown{more}):"
        hint = (
            "mask addresses before they are written: gdprkit.ip.mask_text, "
            "or logging with gdprkit.integrations.logging.IPMaskingFilter"
        )
        raise AssertionError("\n".join([head, *found, hint]))


# --- personal values ---------------------------------------------------------------------------


def _encodings(value: str) -> list[tuple[str, str]]:
    """The forms in which ``value`` commonly reaches a log line, each with its name."""
    forms = [
        ("as written", value),
        ("URL-encoded", urllib.parse.quote(value, safe="")),
        ("URL-encoded", urllib.parse.quote_plus(value, safe="")),
        ("URL-encoded", urllib.parse.quote(value, safe="@:/")),
        ("JSON-escaped", json.dumps(value)[1:-1]),
        ("JSON-escaped", json.dumps(value, ensure_ascii=False)[1:-1]),
        ("HTML-escaped", html.escape(value)),
    ]
    seen: set[str] = set()
    unique = []
    for label, form in forms:
        key = form.casefold()
        if key not in seen:
            seen.add(key)
            unique.append((label, form))
    return unique


def _checked_values(values: Iterable[str]) -> list[str]:
    if isinstance(values, (str, bytes)):
        raise InvalidType("values must be an iterable of str (a list of values), not one str")
    checked = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise InvalidType(f"values[{index}] must be a str")
        if not value.strip():
            raise InvalidInput(f"values[{index}] is empty: it would match any text")
        checked.append(value)
    return checked


def assert_no_personal_data(text: str, values: Iterable[str]) -> None:
    """Fail if any of ``values`` appears in ``text`` (e.g. ``caplog.text`` or a rendered page).

    Each value is searched case-insensitively, as written and in the encodings in which values
    usually leak into logs and URLs: URL-encoded (``%40`` and ``+`` forms), JSON-escaped
    (``\\u00eb`` and raw), and HTML-escaped.  Not detected: base64 and other binary-to-text
    encodings, hashes, and values reformatted (a phone number with other spacing): pass
    those forms in ``values`` too.

    Raises:
        AssertionError: a value was found; the message gives the value's index in ``values``,
            a masked form (first and last character, length), and the line, column and
            encoding of each occurrence (up to five per value).
        InvalidType: ``text`` is not a ``str``, or ``values`` is a single ``str`` or holds a
            non-``str``.
        InvalidInput: a value is empty or only whitespace (it would match anything).

    Example:
        >>> assert_no_personal_data("order 1 shipped", ["Ana Kovačević"])
        >>> assert_no_personal_data('{"name": "ANA KOVA\\\\u010dEVI\\\\u0107"}', ["Ana Kovačević"])
        Traceback (most recent call last):
        ...
        AssertionError: personal data found in the text (values are masked here):
          value #1 (A…ć, 13 chars), 1 occurrence: line 1, column 11 (JSON-escaped)
    """
    __tracebackhide__ = True
    if not isinstance(text, str):
        raise InvalidType("text must be a str (for pytest's caplog, pass caplog.text)")
    checked = _checked_values(values)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(offset: int) -> str:
        line = bisect.bisect_right(starts, offset) - 1
        return f"line {line + 1}, column {offset - starts[line] + 1}"

    reports = []
    for index, value in enumerate(checked, start=1):
        hits: dict[int, str] = {}
        for label, form in _encodings(value):
            for match in re.finditer(re.escape(form), text, re.IGNORECASE):
                hits.setdefault(match.start(), label)
        if not hits:
            continue
        where = [f"{position(o)} ({hits[o]})" for o in sorted(hits)[:_SHOWN_PER_VALUE]]
        more = f"; {len(hits) - _SHOWN_PER_VALUE} more" if len(hits) > _SHOWN_PER_VALUE else ""
        noun = "occurrence" if len(hits) == 1 else "occurrences"
        reports.append(
            f"  value #{index} ({_masked(value)}), {len(hits)} {noun}: {'; '.join(where)}{more}"
        )
    if reports:
        raise AssertionError(
            "\n".join(["personal data found in the text (values are masked here):", *reports])
        )


# --- portability packages ----------------------------------------------------------------------


def assert_package_valid(
    zip_path: str | os.PathLike[str], *, datasets: Iterable[str] | None = None
) -> PortabilityPackage:
    """Fail unless ``zip_path`` is a complete, intact portability package; return it.

    Verifies what :func:`gdprkit.export.read_package` verifies (manifest, every member's
    SHA-256, size and record count, no unlisted or missing member), then reads every record of
    every dataset (each line must be a JSON object).  ``datasets``, when given, are dataset
    names the package must contain.

    Raises:
        AssertionError: the file is missing, not a ZIP, or fails verification (the message
            names the ZIP member and the check that failed, never a record's content), or a
            dataset of ``datasets`` is absent.

    Example:
        >>> import datetime as dt, pathlib, tempfile
        >>> from gdprkit.export import Dataset, write_package
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"),
        ...                [Purpose(id="account", description="Account", basis="contract")])
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "p.zip"
        >>> _ = write_package(out, reg, "tok-1", [Dataset("profile", "account", [{"a": 1}])],
        ...                   generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
        >>> assert_package_valid(out, datasets=["profile"]).dataset_names()
        ('profile',)
        >>> _ = out.write_bytes(out.read_bytes()[:-30])
        >>> assert_package_valid(out)
        Traceback (most recent call last):
        ...
        AssertionError: p.zip is not a valid portability package: ...
    """
    __tracebackhide__ = True
    from gdprkit.export import read_package  # noqa: PLC0415

    path = Path(zip_path)
    if not path.is_file():
        raise AssertionError(f"{path}: no such file (was the package written?)")
    try:
        package = read_package(path)
        for name in package.dataset_names():
            for _record in package.records(name):
                pass
    except GdprkitError as exc:
        raise AssertionError(f"{path.name} is not a valid portability package: {exc}") from None
    if datasets is not None:
        if isinstance(datasets, str):
            raise InvalidType("datasets must be an iterable of dataset names, not one str")
        present = package.dataset_names()
        missing = [d for d in datasets if d not in present]
        if missing:
            raise AssertionError(
                f"{path.name} lacks dataset(s) {', '.join(map(repr, missing))} "
                f"(it has: {', '.join(map(repr, present)) or 'none'})"
            )
    return package


# --- the register ------------------------------------------------------------------------------


def assert_register_clean(
    path_or_register: str | os.PathLike[str] | Register,
    *,
    allow_warnings: bool = True,
    ignore: Iterable[str] = (),
) -> Register:
    """Fail if the register has lint findings (errors; warnings too unless ``allow_warnings``).

    ``path_or_register`` is a :class:`~gdprkit.register.Register` or the path of its TOML file.
    ``ignore`` lists finding codes to leave out (e.g. ``"category-unused"``); see
    :func:`gdprkit.register.lint_register` for the codes.  Returns the register, so a test can
    go on using it.

    Raises:
        AssertionError: the file cannot be loaded (the message is the loader's: file, purpose,
            key), or findings remain; every finding is listed with its purpose, article and
            code.
        InvalidType: ``path_or_register`` is neither a register nor a path.

    Example:
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"), [
        ...     Purpose(id="news", description="Newsletter", basis="consent",
        ...             categories=["contact"])])
        >>> assert_register_clean(reg)
        Traceback (most recent call last):
        ...
        AssertionError: the register has 2 lint findings that fail the check:
          error: [news] ...
    """
    __tracebackhide__ = True
    if isinstance(ignore, str):
        raise InvalidType("ignore must be an iterable of finding codes, not one str")
    if isinstance(path_or_register, Register):
        register = path_or_register
        name = "the register"
    elif isinstance(path_or_register, (str, os.PathLike)):
        path = Path(path_or_register)
        name = str(path)
        try:
            register = load_register(path)
        except FileNotFoundError:
            raise AssertionError(f"{path}: no such register file") from None
        except RegisterError as exc:
            raise AssertionError(f"the register cannot be loaded: {exc}") from None
    else:
        raise InvalidType("path_or_register must be a Register or the path of a TOML file")
    ignored = frozenset(ignore)
    failing = [
        f
        for f in register.lint()
        if f.code not in ignored and (f.severity is Severity.ERROR or not allow_warnings)
    ]
    if failing:
        noun = "finding" if len(failing) == 1 else "findings"
        lines = [f"{name} has {len(failing)} lint {noun} that fail the check:"]
        lines += [f"  {finding}" for finding in failing]
        raise AssertionError("\n".join(lines))
    return register


#: Cookie names a page may set before any consent choice: the frameworks' session and CSRF
#: cookies and gdprkit's own choice cookie, all strictly necessary (ePrivacy Directive
#: Art. 5(3), second sentence).  Pass your own ``necessary=`` for others (a basket cookie).
NECESSARY_COOKIES = frozenset({"session", "sessionid", "csrftoken", "gdprkit_consent"})


def _set_cookie_names(response: Any) -> list[str]:
    """Names of the cookies ``response`` sets: Set-Cookie headers, else its cookie mapping."""
    headers = getattr(response, "headers", None)
    values: list[str] = []
    if headers is not None and hasattr(headers, "getlist"):  # Werkzeug (Flask)
        values = list(headers.getlist("Set-Cookie"))
    elif headers is not None and hasattr(headers, "get_list"):  # httpx, Starlette
        values = list(headers.get_list("set-cookie"))
    if values:
        return [v.split("=", 1)[0].strip() for v in values]
    cookies = getattr(response, "cookies", None)
    if isinstance(cookies, Mapping):  # Django's SimpleCookie: name -> Morsel
        return [str(name) for name in cookies]
    if cookies is not None:  # a cookie jar of objects with a name (requests)
        return [str(getattr(c, "name", "")) for c in cookies]
    return []


def assert_no_tracking_before_consent(
    client: Any, url: str, *, necessary: Iterable[str] = NECESSARY_COOKIES
) -> None:
    """Fail unless a first visit to ``url`` sets only strictly necessary cookies.

    ``client`` is a fresh test client without cookies (Flask's ``app.test_client()``,
    Django's ``django.test.Client()``, or anything whose ``get(url)`` returns a response with
    ``Set-Cookie`` headers).  Storing anything else on the visitor's device needs consent first
    (ePrivacy Directive Art. 5(3); EDPB Guidelines 2/2023): a page that sets an analytics or
    advertising cookie before the visitor chose fails, naming the cookie (never its value).

    Raises:
        AssertionError: a cookie outside ``necessary`` was set.

    Example:
        >>> class Response:
        ...     headers = {"Set-Cookie": "_ga=GA1.1; Path=/"}
        ...     cookies = {"_ga": "GA1.1"}
        >>> class Client:
        ...     def get(self, url):
        ...         return Response()
        >>> assert_no_tracking_before_consent(Client(), "/")
        Traceback (most recent call last):
        ...
        AssertionError: GET / set 1 cookie(s) before any consent choice: _ga (allowed without consent: csrftoken, gdprkit_consent, session, sessionid)
    """  # noqa: E501
    allowed = frozenset(necessary)
    response = client.get(url)
    extra = sorted({n for n in _set_cookie_names(response) if n and n not in allowed})
    if extra:
        raise AssertionError(
            f"GET {url} set {len(extra)} cookie(s) before any consent choice: "
            f"{', '.join(extra)} (allowed without consent: {', '.join(sorted(allowed))})"
        )
