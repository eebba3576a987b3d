"""Where the addresses are in each log format, and the engine that masks complete lines.

Private to :mod:`gdprkit.ip.logs`.  Lines arrive decoded as latin-1, which maps every byte to one
code point and back, so non-UTF-8 bytes survive untouched; addresses are ASCII, so a masked
address encodes back to the same bytes a byte-level tool would write.

Three kinds of field:

- **address fields** (the client of an access log, an X-Forwarded-For list in front of it, the
  address fields of a JSON line, the host of a syslog line): each element must parse as an
  address, or be one of the few placeholders servers write (``-``, ``unix:``, ``unknown``); any
  other element is replaced by :data:`UNPARSED_MARKER` and counted (fail closed);
- **free text** (request line, referrer, user agent, messages, the rest of a JSON line, a
  wrapper's header, and every line that does not follow the format): every address
  :func:`gdprkit.ip.text.mask_text` recognises is masked, with its default version rule (a
  product version only in a user-agent context); in the user-agent field of an access log every
  ``Name/1.2.3.4`` is a product version;
- **fixed fields** whose pattern cannot hold an address (timestamp, status, size): copied.

Format detection never makes a field unscanned: a line that does not fit is scanned whole.

Every value is cached per engine (bounded, so memory stays flat): real logs repeat clients,
user agents and referrers, and a dictionary look-up is far cheaper than a regex pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from gdprkit.errors import InvalidAddress
from gdprkit.ip.text import _AGENT, _VERSIONS

if TYPE_CHECKING:
    from gdprkit.ip.masking import IPMasker

UNPARSED_MARKER: Final = "[unparsed]"
"""Written in place of an address field (or list element) that does not parse as an address."""

FORMATS: Final = ("combined", "common", "nginx-json", "jsonl", "syslog", "text")

# Field names of JSON lines that hold addresses or address lists, matched case-insensitively:
# nginx `escape=json` variable names, common application names, and the Elastic Common Schema
# leaf name `ip` (`source.ip`, `client.ip`).
DEFAULT_JSON_FIELDS: Final = (
    "client",
    "client_addr",
    "client_ip",
    "clientip",
    "http_x_forwarded_for",
    "http_x_real_ip",
    "ip",
    "ip_address",
    "realip_remote_addr",
    "remote_addr",
    "remote_ip",
    "remoteip",
    "x-forwarded-for",
    "x-real-ip",
    "x_forwarded_for",
    "x_real_ip",
)

# Placeholders web servers write where an address would be; they carry no address.
_PLACEHOLDERS: Final = frozenset({"-", "", "unix:", "unknown"})

# Access logs (NCSA common/combined, nginx `combined`, Apache `%v %h` variants): a head holding
# the client (possibly after a virtual host and an X-Forwarded-For list), ident, user, a strict
# timestamp, the request, status and size; then optionally referrer and user agent, then a tail
# (nginx's extra `"$http_x_forwarded_for"`, timings, CR of CRLF files).
_Q = r'"([^"\\\n]*(?:\\.[^"\\\n]*)*)"'
_ACCESS = re.compile(
    r"([^\n]*?) ([^ \n]+ [^ \n]+) "
    r"(\[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]) "
    + _Q
    + r" ((?:\d{3}|-) (?:\d+|-))(?: "
    + _Q
    + " "
    + _Q
    + r")?([^\n]*)"
)
# The `" 200 1234 "` between the request and the referrer: status (or -) and size (or -).
_STATUS_SIZE = re.compile(r" (?:\d{3}|-) (?:\d+|-) ")
# nginx's trailing `"$http_x_forwarded_for"` when the header was absent.
_NO_FORWARDED_FOR = ' "-"'
_STAMP = re.compile(r"\[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]")
_HEAD_SPLIT = re.compile(r'([ ,"]+)')
_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.?(?::\d+)?")
_HAS_LETTER = re.compile(r"[G-Zg-z_-]")

# syslog: RFC 3164 (`Mmm dd hh:mm:ss host ...`, optional <PRI>) and RFC 5424
# (`<PRI>1 TIMESTAMP HOST ...`); ISO timestamps as written by rsyslog's high-precision template.
# The ISO timestamp is matched exactly (fraction, 'Z' or offset) and must be followed by a
# space: a timestamp glued to the next field ('...Z,203.0.113.7,login') or followed by a tab
# (Zeek TSV) is no syslog header, and the line is scanned as a whole.
_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?"
_SYSLOG = re.compile(
    r"((?:<\d{1,3}>)?(?:\d{1,2} )?"
    rf"(?:[A-Z][a-z]{{2}} [ \d]\d \d\d:\d\d:\d\d|{_ISO}) )"
    r"([^ \n]+)([^\n]*)"
)
# A wrapper in front of an access-log line (syslog-forwarded nginx, Kubernetes CRI logs): kept,
# scanned as free text, and the access line after it is masked field by field.
_WRAPPER = re.compile(
    r"(?:<\d{1,3}>)?(?:1 )?"
    rf"(?:(?:[A-Z][a-z]{{2}} [ \d]\d \d\d:\d\d:\d\d|{_ISO}) [^ \n]+ [^ \n]*?(?:\[\d+\])?: "
    rf"|{_ISO} (?:stdout|stderr) [FP] )"
)
# Shaped like an address (a dotted quad, or hex and two colons) though it did not parse: such a
# token in an address field fails closed; any other token there is text (a host name, a number).
_ADDRESS_SHAPED = re.compile(
    r"\[?(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)"
    r"(?:%[^ \]]*)?\]?(?::[0-9]*)?"
)

_ACCESS_DETECT = re.compile(r'[^\n]*? [^ \n]+ [^ \n]+ \[\d\d/[A-Za-z]{3}/\d{4}:[^\]\n]*\] "')
_JSON_DETECT = re.compile(r"\s*\{")


def detect_format(sample: str) -> str:
    """Return the format most of the first lines of ``sample`` follow (``text`` if none).

    Example:
        >>> detect_format('1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5\\n')
        'combined'
    """
    lines = [line for line in sample.split("\n")[:50] if line.strip()]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines.pop()  # the last line of a sample may be cut short
    if not lines:
        return "text"
    scores = {
        "jsonl": sum(1 for line in lines if _JSON_DETECT.match(line)),
        "combined": sum(1 for line in lines if _ACCESS_DETECT.match(line)),
        "syslog": sum(1 for line in lines if _SYSLOG.match(line)),
    }
    best = max(scores, key=lambda name: scores[name])
    # A format wins when it explains at least 80 % of the sample; mixed files are free text.
    if scores[best] * 5 >= len(lines) * 4:
        return best
    return "text"


def _family(token: str) -> int:
    """4 or 6, from the textual form of a token that parsed as an address."""
    if ":" not in token:
        return 4
    # `1.2.3.4:80` is IPv4 with a port; anything else with a colon is IPv6 (mapped forms too).
    host, _, _ = token.rpartition(":")
    return 4 if ":" not in host and "[" not in host else 6


def _address_shaped(token: str) -> bool:
    """Whether a token that failed to parse still looks like an address (fail it closed)."""
    return _ADDRESS_SHAPED.fullmatch(token) is not None


def _address_like(token: str) -> bool:
    """Whether a token that failed to parse was meant as an address (not a host name)."""
    return not _HAS_LETTER.search(token) and any(c.isdigit() for c in token)


class Engine:
    """Masks complete lines of one format and counts what it did; one per stream or worker."""

    __slots__ = (
        "_addr_cache",
        "_agent_cache",
        "_cache_size",
        "_clean_agents",
        "_clean_text",
        "_columns",
        "_counts",
        "_delimiter",
        "_fields_re",
        "_head_cache",
        "_marker",
        "_mask_line",
        "_mask_lines",
        "_mask_text_counted",
        "_masker",
        "_regex",
        "_text_cache",
        "failed",
        "format",
        "lines",
    )

    def __init__(
        self,
        masker: IPMasker,
        *,
        format: str,
        fields: tuple[str, ...] | None = None,
        cache_size: int = 65536,
        columns: tuple[int, ...] = (),
        delimiter: str = " ",
        regex: re.Pattern[str] | None = None,
        marker: str = UNPARSED_MARKER,
    ) -> None:
        from gdprkit.ip.text import _mask_counted  # noqa: PLC0415 - keep import light

        self._masker = masker
        self._marker = marker
        self._columns = columns
        self._delimiter = delimiter
        self._regex = regex
        self._mask_text_counted = _mask_counted
        self.format = format
        self._cache_size = cache_size
        self._addr_cache: dict[str, tuple[str, int, int, bool]] = {}
        self._head_cache: dict[str, tuple[str, int, int, tuple[str, ...]]] = {}
        self._text_cache: dict[str, tuple[str, int, int]] = {}
        self._agent_cache: dict[str, tuple[str, int, int]] = {}
        # Values known to hold no address (the usual request, referrer and user agent): the
        # access-log loop tests these sets first and copies such a line after its head as it is.
        self._clean_text: set[str] = set()
        self._clean_agents: set[str] = set()
        self.lines = 0
        self._counts = [0, 0]  # addresses masked: IPv4, IPv6 (a list: cheap to bump in closures)
        self.failed: dict[str, int] = {}
        self._fields_re: re.Pattern[str] | None = None
        mask_line: Callable[[str], str]
        self._mask_lines: Callable[[list[str]], list[str]] | None = None
        if columns or regex is not None:
            # A layout given by the user (anonip's --columns / --regex): its fields are address
            # fields, everything else on the line is free text.
            mask_line = self._layout_line
        elif format in ("combined", "common"):
            mask_line = self._make_access_line()
            self._mask_lines = self._make_access_lines()
        elif format in ("jsonl", "nginx-json"):
            names = fields or DEFAULT_JSON_FIELDS
            alternatives = "|".join(re.escape(name) for name in sorted(set(names)))
            # Group 1 keeps key, colon and opening quote; group 2 is the string value.
            self._fields_re = re.compile(
                rf'("(?i:{alternatives})"\s*:\s*")((?:[^"\\\n]|\\.)*)(?=")'
            )
            mask_line = self._json_line
        elif format == "syslog":
            mask_line = self._syslog_line
        else:
            mask_line = self._text_line
        self._mask_line = mask_line

    # -- counting ---------------------------------------------------------------------------

    @property
    def v4(self) -> int:
        """IPv4 addresses masked so far (by textual family)."""
        return self._counts[0]

    @property
    def v6(self) -> int:
        """IPv6 addresses masked so far (by textual family; IPv4-mapped ones count here)."""
        return self._counts[1]

    def _fail(self, field: str) -> None:
        self.failed[field] = self.failed.get(field, 0) + 1

    # -- values -----------------------------------------------------------------------------

    def _text_miss(self, value: str) -> tuple[str, int, int]:
        """Mask a free-text value not in the cache yet, and cache it."""
        hit = self._mask_text_counted(value, self._masker, _VERSIONS)
        if len(self._text_cache) >= self._cache_size:
            self._text_cache.clear()
            self._clean_text.clear()
        self._text_cache[value] = hit
        if not hit[1] and not hit[2] and hit[0] == value:
            self._clean_text.add(value)
        return hit

    def _agent_miss(self, value: str) -> tuple[str, int, int]:
        """Mask a user agent not in the cache yet: ``Name/1.2.3.4`` is a product version there."""
        hit = self._mask_text_counted(value, self._masker, _AGENT)
        if len(self._agent_cache) >= self._cache_size:
            self._agent_cache.clear()
            self._clean_agents.clear()
        self._agent_cache[value] = hit
        if not hit[1] and not hit[2] and hit[0] == value:
            self._clean_agents.add(value)
        return hit

    def text(self, value: str) -> str:
        """Mask every address in a free-text value (cached)."""
        hit = self._text_cache.get(value) or self._text_miss(value)
        self._counts[0] += hit[1]
        self._counts[1] += hit[2]
        return hit[0]

    def _address(self, token: str) -> tuple[str, int, int, bool]:
        """Mask one address token; a token that does not parse becomes the marker (cached).

        Returns the replacement, the IPv4 and IPv6 counts and whether the token failed.
        """
        hit = self._addr_cache.get(token)
        if hit is None:
            try:
                masked = self._masker.apply(token)
            except InvalidAddress:
                hit = (self._marker, 0, 0, True)
            else:
                family = _family(token)
                hit = (masked, int(family == 4), int(family == 6), False)
            if len(self._addr_cache) >= self._cache_size:
                self._addr_cache.clear()
            self._addr_cache[token] = hit
        return hit

    def address_field(self, value: str, field: str) -> str:
        """Mask a field holding one address or a list of them (X-Forwarded-For style)."""
        if value in _PLACEHOLDERS:
            return value
        if "," not in value and " " not in value:
            masked, n4, n6, failed = self._address(value)
            self._counts[0] += n4
            self._counts[1] += n6
            if failed:
                self._fail(field)
            return masked
        parts = _HEAD_SPLIT.split(value)
        for i in range(0, len(parts), 2):
            token = parts[i]
            if token in _PLACEHOLDERS:
                continue
            masked, n4, n6, failed = self._address(token)
            self._counts[0] += n4
            self._counts[1] += n6
            if failed:
                self._fail(field)
            parts[i] = masked
        return "".join(parts)

    def _head(self, head: str) -> str:
        """Mask the head of an access-log line: [vhost] [X-Forwarded-For list] client."""
        hit = self._head_cache.get(head)
        if hit is None:
            hit = self._compute_head(head)
            if len(self._head_cache) >= self._cache_size:
                self._head_cache.clear()
            self._head_cache[head] = hit
        masked, n4, n6, fails = hit
        self._counts[0] += n4
        self._counts[1] += n6
        for field in fails:
            self._fail(field)
        return masked

    def _compute_head(self, head: str) -> tuple[str, int, int, tuple[str, ...]]:
        wrapper = _WRAPPER.match(head) if " " in head else None
        if wrapper is not None:
            # A syslog or CRI header before the access line: free text, then the real head.
            cut = wrapper.end()
            front, a4, a6 = self._mask_text_counted(head[:cut], self._masker, _VERSIONS)
            masked, n4, n6, inner = self._compute_head(head[cut:])
            return front + masked, a4 + n4, a6 + n6, inner
        if " " not in head and "," not in head and '"' not in head:
            # The usual case: the client alone.
            if head in _PLACEHOLDERS:
                return head, 0, 0, ()
            masked, n4, n6, failed = self._address(head)
            return masked, n4, n6, ("client",) if failed else ()
        parts = _HEAD_SPLIT.split(head)
        # parts alternates token, separator, token ...; an empty first/last token is possible
        # when the head starts or ends with a separator (a quoted X-Forwarded-For list).
        tokens = [i for i in range(0, len(parts), 2) if parts[i]]
        n4 = n6 = 0
        fails: list[str] = []
        for position, i in enumerate(tokens):
            token = parts[i]
            is_client = position == len(tokens) - 1
            field = "client" if is_client else "x_forwarded_for"
            if token in _PLACEHOLDERS:
                continue
            masked, a4, a6, failed = self._address(token)
            # The first of several tokens may be the virtual host (Apache `%v`, nginx `$host`):
            # a host name stays, an address-like token is still failed closed.
            if (
                failed
                and position == 0
                and not is_client
                and _HOSTNAME.fullmatch(token)
                and not _address_like(token)
            ):
                continue
            parts[i] = masked
            n4 += a4
            n6 += a6
            if failed:
                fails.append(field)
        return "".join(parts), n4, n6, tuple(fails)

    # -- lines ------------------------------------------------------------------------------

    def _make_access_line(self) -> Callable[[str], str]:
        """The per-line function of access logs, for lines the chunk loop does not take.

        Each field value is looked up in its cache first; only a miss calls into the masker or
        :func:`mask_text`.  ``"-"`` (absent ident, user, referrer, X-Forwarded-For) costs nothing.
        """
        fullmatch = _ACCESS.fullmatch
        head_cache, text_cache, agent_cache = self._head_cache, self._text_cache, self._agent_cache
        head_of, text_of, agent_of = self._head, self._text_miss, self._agent_miss
        fallback = self._fallback_line
        counts = self._counts

        def text(value: str) -> str:
            hit = text_cache.get(value) or text_of(value)
            if hit[1] or hit[2]:
                counts[0] += hit[1]
                counts[1] += hit[2]
            return hit[0]

        def access_line(line: str) -> str:
            m = fullmatch(line)
            if m is None:
                return fallback(line)
            head, ident_user, stamp, request, status_size, referer, agent, tail = m.groups()
            hit = head_cache.get(head)
            masked_head = head_of(head) if hit is None or hit[3] else hit[0]
            if hit is not None and not hit[3]:
                counts[0] += hit[1]
                counts[1] += hit[2]
            if ident_user != "- -":
                ident_user = text(ident_user)
            out = f'{masked_head} {ident_user} {stamp} "{text(request)}" {status_size}'
            if referer is not None:
                if referer != "-":
                    referer = text(referer)
                found = agent_cache.get(agent) or agent_of(agent)
                if found[1] or found[2]:
                    counts[0] += found[1]
                    counts[1] += found[2]
                out = f'{out} "{referer}" "{found[0]}"'
            if tail:
                masked_tail, a4, a6 = self._tail(tail)
                counts[0] += a4
                counts[1] += a6
                return out + masked_tail
            return out

        return access_line

    def _make_access_lines(self) -> Callable[[list[str]], list[str]]:
        """The chunk loop of access logs: every line of a chunk in one Python loop.

        The hot path of ``gdprkit ip mask`` on web-server logs, written for speed: no function
        call per line or per field unless a cache misses, counters in local variables.  The
        usual ``combined`` line is cut with ``str.split('"')`` and checked piece by piece (status
        and size, the timestamp, ident and user); a line that does not fit exactly goes to the
        regular-expression path (:meth:`_make_access_line`), which masks or fails closed.
        """
        slow = self._make_access_line()
        head_cache, text_cache, agent_cache = self._head_cache, self._text_cache, self._agent_cache
        head_of, text_of, agent_of = self._head, self._text_miss, self._agent_miss
        clean_text, clean_agents = self._clean_text, self._clean_agents
        counts = self._counts
        status_size_ok = _STATUS_SIZE.fullmatch
        stamp_ok = _STAMP.fullmatch
        tail_of = self._tail
        good_stamps: set[str] = set()

        def access_lines(lines: list[str]) -> list[str]:
            out: list[str] = []
            append = out.append
            n4 = n6 = 0
            for line in lines:
                if not line:
                    append(line)
                    continue
                parts = line.split('"')
                if (
                    len(parts) < 7
                    or parts[4] != " "
                    or "\\" in line
                    or status_size_ok(parts[2]) is None
                ):
                    append(slow(line))
                    continue
                prefix = parts[0]
                if prefix[-30:-28] != " [" or prefix[-2:] != "] ":
                    append(slow(line))
                    continue
                stamp = prefix[-29:-1]
                if stamp not in good_stamps:
                    if stamp_ok(stamp) is None:
                        append(slow(line))
                        continue
                    if len(good_stamps) > 4096:
                        good_stamps.clear()
                    good_stamps.add(stamp)
                front = prefix[:-30].rsplit(" ", 2)
                if len(front) != 3 or not front[1] or not front[2]:
                    append(slow(line))
                    continue
                head = front[0]
                head_hit = head_cache.get(head)
                if head_hit is None or head_hit[3]:
                    masked_head = head_of(head)  # counts and records failures itself
                else:
                    masked_head = head_hit[0]
                    n4 += head_hit[1]
                    n6 += head_hit[2]
                # The other fields usually hold no address (the clean sets say so at the cost
                # of one set probe); then the line after its head is copied as it is.
                unchanged = True
                if front[1] == "-" and front[2] == "-":
                    ident_user = "- -"
                else:
                    ident_user = f"{front[1]} {front[2]}"
                if ident_user != "- -" and ident_user not in clean_text:
                    hit = text_cache.get(ident_user) or text_of(ident_user)
                    n4 += hit[1]
                    n6 += hit[2]
                    if hit[0] != ident_user:
                        ident_user = hit[0]
                        unchanged = False
                request = parts[1]
                if request not in clean_text:
                    hit = text_cache.get(request) or text_of(request)
                    n4 += hit[1]
                    n6 += hit[2]
                    if hit[0] != request:
                        request = hit[0]
                        unchanged = False
                referer = parts[3]
                if referer != "-" and referer not in clean_text:
                    hit = text_cache.get(referer) or text_of(referer)
                    n4 += hit[1]
                    n6 += hit[2]
                    if hit[0] != referer:
                        referer = hit[0]
                        unchanged = False
                agent = parts[5]
                if agent not in clean_agents:
                    hit = agent_cache.get(agent) or agent_of(agent)
                    n4 += hit[1]
                    n6 += hit[2]
                    if hit[0] != agent:
                        agent = hit[0]
                        unchanged = False
                tail = parts[6] if len(parts) == 7 else '"'.join(parts[6:])
                if tail and tail != _NO_FORWARDED_FOR and tail not in clean_text:
                    unchanged = False
                    tail, a4, a6 = tail_of(tail)
                    n4 += a4
                    n6 += a6
                if unchanged:
                    append(masked_head + line[len(head) :])
                else:
                    append(
                        f'{masked_head} {ident_user} {stamp} "{request}"{parts[2]}"{referer}" '
                        f'"{agent}"{tail}'
                    )
            counts[0] += n4
            counts[1] += n6
            return out

        return access_lines

    def _tail(self, tail: str) -> tuple[str, int, int]:
        """Mask what follows the user agent; return it with the IPv4 and IPv6 counts.

        nginx's trailing ``"$http_x_forwarded_for"`` is an address field: its elements are
        masked one by one through the address cache (proxies and clients repeat, whole lists
        rarely do), and an element shaped like an address that does not parse fails closed.
        A tail that is not a plain list of addresses is free text.  Failures are recorded here.
        """
        if tail.startswith(' "') and tail.endswith('"') and tail.count('"') == 2 and len(tail) > 3:
            masked: list[str] = []
            a4 = a6 = bad = 0
            for token in tail[2:-1].split(", "):
                if token in _PLACEHOLDERS:
                    masked.append(token)
                    continue
                found = self._addr_cache.get(token) or self._address(token)
                if found[3]:
                    if not _address_shaped(token):
                        break  # not a list of addresses: free text
                    bad += 1
                masked.append(found[0])
                a4 += found[1]
                a6 += found[2]
            else:
                for _ in range(bad):
                    self._fail("x_forwarded_for")
                return f' "{", ".join(masked)}"', a4, a6
        return self._text_cache.get(tail) or self._text_miss(tail)

    def _fallback_line(self, line: str) -> str:
        """A line that does not follow the format: an address first, else all free text.

        A first token that parses as an address (or list) is the client field, one shaped like
        an address fails closed; any other line is scanned as a whole (an unknown layout never
        leaves a field unscanned).
        """
        if not line or line == "\r":
            return line
        token, sep, rest = line.partition(" ")
        if token.endswith("\r") and not sep:
            token, rest = token[:-1], "\r"
        elements = [t for t in _HEAD_SPLIT.split(token)[::2] if t and t not in _PLACEHOLDERS]
        if not elements or not all(not self._address(t)[3] or _address_shaped(t) for t in elements):
            return self._scan(line)
        return f"{self.address_field(token, 'client')}{sep}{self.text(rest) if rest else ''}"

    def _json_line(self, line: str) -> str:
        fields_re = self._fields_re
        if fields_re is None:  # pragma: no cover - set in __init__ for JSON formats
            raise AssertionError
        parts = fields_re.split(line)
        if len(parts) == 1:
            return self._scan(line)
        # parts: text, key-prefix, value, text, key-prefix, value, ..., text.  The free text
        # (with the key prefixes, which hold no address) is masked in one pass with a separator
        # that latin-1 text can never contain, then cut apart again.
        texts = parts[0::3]
        for i in range(1, len(parts), 3):
            texts[i // 3] += parts[i]
        masked_texts = self._scan(_SEP.join(texts)).split(_SEP)
        out = [masked_texts[0]]
        for k, i in enumerate(range(2, len(parts), 3)):
            out.append(self.address_field(parts[i], "json"))
            out.append(masked_texts[k + 1])
        return "".join(out)

    def _syslog_line(self, line: str) -> str:
        m = _SYSLOG.fullmatch(line)
        if m is None:
            return self._scan(line)
        prefix, host, rest = m.groups()
        if host.endswith(":") and not host.endswith("::"):
            # `Feb 21 21:54:44 sshd[1]: ...` has no host; the token is the program.
            return f"{prefix}{self._scan(host + rest)}"
        masked, n4, n6, failed = self._address(host)
        if not failed:
            self._counts[0] += n4
            self._counts[1] += n6
            return f"{prefix}{masked}{self._scan(rest)}"
        if _address_shaped(host):
            self._fail("host")
            return f"{prefix}{self._marker}{self._scan(rest)}"
        # A host name, or no host at all (MySQL's thread id after an ISO time): free text.
        return f"{prefix}{self._scan(host + rest)}"

    def _layout_line(self, line: str) -> str:
        """A line of a user-given layout: columns or the named groups of a regex."""
        regex = self._regex
        if regex is not None:
            m = regex.search(line)
            if m is None:
                return self._scan(line)
            spans = sorted(
                (m.span(name), name) for name in m.groupdict() if m.group(name) is not None
            )
            out = []
            last = 0
            for (a, b), name in spans:
                if a < last:
                    continue  # nested groups: the outer one was taken
                out.append(self.text(line[last:a]) if a > last else "")
                out.append(self.address_field(line[a:b], name))
                last = b
            out.append(self.text(line[last:]) if last < len(line) else "")
            return "".join(out)
        parts = line.split(self._delimiter)
        cr = parts[-1].endswith("\r")
        if cr:
            parts[-1] = parts[-1][:-1]
        wanted = self._columns
        for i, part in enumerate(parts):
            if i + 1 in wanted:
                parts[i] = self.address_field(part, f"column {i + 1}")
            elif part:
                parts[i] = self.text(part)
        return self._delimiter.join(parts) + ("\r" if cr else "")

    def _text_line(self, line: str) -> str:
        return self._scan(line)

    def _scan(self, value: str) -> str:
        """Mask every address in free text (uncached: for values that rarely repeat)."""
        masked, n4, n6 = self._mask_text_counted(value, self._masker, _VERSIONS)
        self._counts[0] += n4
        self._counts[1] += n6
        return masked

    # -- chunks -----------------------------------------------------------------------------

    def mask_chunk(self, text: str, *, continuation: bool = False) -> str:
        """Mask complete lines; the last line may lack its newline (end of input or a cut).

        ``continuation`` says the first line continues a line cut at the previous chunk (a line
        longer than the read limit): it is scanned as free text, its fields were already seen.
        """
        self.lines += text.count("\n")
        if self.format == "text" and not self._columns and self._regex is None:
            return self._scan(text)
        lines = text.split("\n")
        mask_line = self._mask_line
        mask_lines = self._mask_lines
        if continuation:
            first = self._scan(lines[0])
            if mask_lines is not None:
                return "\n".join([first, *mask_lines(lines[1:])])
            return "\n".join([first, *(mask_line(x) if x else x for x in lines[1:])])
        if mask_lines is not None:
            return "\n".join(mask_lines(lines))
        return "\n".join([mask_line(x) if x else x for x in lines])


# A code point above U+00FF never occurs in latin-1 decoded text, and is neither a word character
# nor an address character, so it separates values in one mask_text pass without joining them.
_SEP: Final = "\u2028"
