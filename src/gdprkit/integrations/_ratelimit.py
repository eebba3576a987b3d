"""A per-client-network rate limit for the pages' POSTs, shared by Django and Flask.

One IPv6 customer usually holds a whole /64 (RFC 6177 assigns end sites a /48 to /64, and SLAAC
privacy addresses rotate inside the /64), so counting each full IPv6 address lets one visitor
send unlimited requests.  :func:`client_network` keys IPv6 on its /64 (configurable) and IPv4 on
the full address.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["DEFAULT_IPV6_PREFIX", "RateLimiter", "client_network"]

#: The IPv6 prefix length one client is counted by (RFC 6177 §3: an end site's /64 at least).
DEFAULT_IPV6_PREFIX = 64


def client_network(address: str | None, *, ipv6_prefix: int = DEFAULT_IPV6_PREFIX) -> str:
    """The rate-limit key of ``address``: an IPv4 address itself, IPv6 its ``/ipv6_prefix``.

    IPv4-mapped IPv6 addresses count as their IPv4 address; anything unparsable (a unix socket
    peer) shares one key, ``"unknown"``.

    Example:
        >>> client_network("2001:db8:1:2:aaaa::1") == client_network("2001:db8:1:2:bbbb::9")
        True
        >>> client_network("2001:db8:1:3::1")
        '2001:db8:1:3::/64'
        >>> client_network("203.0.113.9")
        '203.0.113.9'
    """
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, ipv6_prefix), strict=False))
    return str(parsed)


class RateLimiter:
    """At most ``limit`` hits per client per ``window`` seconds, remembering ``capacity`` clients.

    A fixed window per client in an LRU map: memory is bounded by ``capacity`` entries; when
    full, the least recently seen client is forgotten (and starts afresh).  Per process only.

    Example:
        >>> limiter = RateLimiter(limit=1, window=60.0, capacity=10, clock=lambda: 0.0)
        >>> limiter.hit("a"), limiter.hit("a")
        (None, 60.0)
    """

    def __init__(
        self, *, limit: int, window: float, capacity: int, clock: Callable[[], float]
    ) -> None:
        self.limit = limit
        self.window = window
        self.capacity = capacity
        self.clock = clock
        self._hits: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._hits)

    def hit(self, client: str) -> float | None:
        """Count a hit; return ``None`` when allowed, else the seconds until the window ends."""
        now = self.clock()
        with self._lock:
            start, count = self._hits.pop(client, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self._hits[client] = (start, count)
            while len(self._hits) > self.capacity:
                self._hits.popitem(last=False)
            if count > self.limit:
                return max(0.0, start + self.window - now)
            return None
