"""Lower-case RFC 4648 base32 without padding, fast for the short digests tokens carry.

The standard library's :func:`base64.b32encode` is written in Python and costs several
microseconds for 16 bytes; token generation has to stay within 1.3x of a bare HMAC (issue 4), so
this module spreads the bits with a few integer operations and translates them in one call.
Output equals ``base64.b32encode(data).decode().rstrip("=").lower()``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from gdprkit.errors import InvalidInput

__all__ = ["b32_decoder", "b32_encoder"]

_ALPHABET = b"abcdefghijklmnopqrstuvwxyz234567"
# Maps the byte values 0..31 to the base32 alphabet in one bytes.translate call.
_TO_ALPHABET = bytes.maketrans(bytes(range(32)), _ALPHABET)


def _spread_steps(groups: int) -> tuple[tuple[int, int, int], ...]:
    """Masks and shifts that move each 5-bit group of an integer into its own byte.

    The groups are padded to a power of two ``m``; each step splits every block of ``2h``
    groups (held in a lane of ``16h`` bits) into two halves of ``h`` groups, moving the upper
    half up by ``3h`` bits into its own lane of ``8h`` bits, from ``h = m/2`` down to 1.
    """
    m = 1
    while m < groups:
        m *= 2
    steps = []
    h = m // 2
    while h >= 1:
        lane = 16 * h
        low = high = 0
        for j in range(8 * m // lane):
            low |= ((1 << (5 * h)) - 1) << (lane * j)
            high |= ((1 << (5 * h)) - 1) << (lane * j + 5 * h)
        steps.append((low, high, 3 * h))
        h //= 2
    return tuple(steps)


def b32_encoder(size: int, *, source_size: int | None = None) -> Callable[[bytes], str]:
    """Return a function encoding ``size`` bytes as unpadded lower-case base32.

    With ``source_size``, the function takes ``source_size`` bytes (a whole digest) and encodes
    only their first ``size`` bytes, which saves the slice on the hot path.

    The bits are spread into one byte per 5-bit group with a few big-integer mask-and-shift
    steps, then mapped to the alphabet with ``bytes.translate``: no per-character Python work
    and no large lookup table to miss in the cache.
    """
    drop_bits = 8 * ((source_size or size) - size)
    chars = -(-size * 8 // 5)
    pad_bits = chars * 5 - size * 8
    steps = _spread_steps(chars)
    # The first step's low mask also clears the padding bits, which may hold bits of a longer
    # source after the shift below (RFC 4648 wants them zero).
    (low1, high1, shift1), *rest = steps
    steps = ((low1 & ~((1 << pad_bits) - 1), high1, shift1), *rest)
    from_bytes = int.from_bytes
    table = _TO_ALPHABET

    if len(steps) == 5:  # 17-32 characters, which includes the default 16-byte token: unrolled
        (l1, h1, s1), (l2, h2, s2), (l3, h3, s3), (l4, h4, s4), (l5, h5, s5) = steps

        def encode5(data: bytes) -> str:
            y = from_bytes(data, "big") << pad_bits >> drop_bits
            y = (y & l1) | ((y & h1) << s1)
            y = (y & l2) | ((y & h2) << s2)
            y = (y & l3) | ((y & h3) << s3)
            y = (y & l4) | ((y & h4) << s4)
            y = (y & l5) | ((y & h5) << s5)
            return y.to_bytes(chars, "big").translate(table).decode("ascii")

        return encode5

    def encode(data: bytes) -> str:
        y = from_bytes(data, "big") << pad_bits >> drop_bits
        for low, high, shift in steps:
            y = (y & low) | ((y & high) << shift)
        return y.to_bytes(chars, "big").translate(table).decode("ascii")

    return encode


def b32_decoder(size: int) -> Callable[[str], bytes]:
    """Return a function decoding the canonical base32 of exactly ``size`` bytes.

    Canonical: lower case, unpadded, and the unused low bits of the last character zero — the
    one spelling :func:`b32_encoder` writes, so one value has one token string.  The returned
    function raises :class:`~gdprkit.errors.InvalidInput` (without quoting the text) for any
    other text.
    """
    chars = -(-size * 8 // 5)
    padding = "=" * (-chars % 8)
    encode = b32_encoder(size)

    def decode(text: str) -> bytes:
        if len(text) != chars:
            raise InvalidInput(f"token body must be {chars} base32 characters")
        try:
            data = base64.b32decode(text.upper() + padding)
        except (binascii.Error, ValueError):
            raise InvalidInput("token body is not valid base32") from None
        if len(data) != size or encode(data) != text:
            raise InvalidInput("token body is not canonical base32 (lower case, zero pad bits)")
        return data

    return decode
