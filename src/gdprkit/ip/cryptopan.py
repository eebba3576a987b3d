"""Crypto-PAn: prefix-preserving pseudonymisation of IPv4 and IPv6 addresses.

Crypto-PAn (Xu, Fan, Ammar, Moon, 2002) maps addresses so that two addresses sharing their first
*k* bits map to two addresses sharing exactly their first *k* bits.  Output bit *i* is input bit
*i* XOR the first bit of ``AES_K(first i input bits || pad bits)``, with ``K`` the first 16 key
bytes and ``pad = AES_K(last 16 key bytes)``.  IPv6 uses the same construction over 128 bits
(as Yawning/cryptopan, Sappan.CryptoPAn and libanon do).

It is a keyed pseudonymisation (ENISA, "Pseudonymisation techniques and best practices", 2019,
section 6.2.1 [S208]: prefix-preserving pseudonymisation keeps network structure for analysis); the
output is still personal data for whoever holds the key, and the preserved prefixes leak network
membership by design.

Speed: the naive construction runs one AES block per bit (32 for IPv4, 128 for IPv6).  This
implementation caches the flip bits per 8-bit level and prefix (addresses in one network share
their upper levels), computes every missing level of an address with a single AES-ECB call over
all its blocks, and caches whole results; see ``benchmarks/bench_ip_methods.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from gdprkit.ip import _engine
from gdprkit.ip.masking import (
    KeySource,
    SpecialRange,
    _CachingMasker,
    _check_key,
    _key_id,
    _serialised,
)

__all__ = ["CryptoPAnMasker"]

_KEY_BYTES = 32
_LEVEL_CACHE = 1 << 16  # flip bytes kept per level before that level's cache is reset


_MOVEMASK = 0x0002040810204081  # times the top bits of 8 bytes: gathers them into one byte
_TOP_BITS = 0x8080808080808080


class _PrefixPreserver:
    """Crypto-PAn over one width (32 or 128 bits), computed eight bit positions at a time.

    The AES inputs for positions 8k..8k+7 ("level" k) are eight 16-byte blocks that differ only in
    byte k; as one 1024-bit integer they are ``top_k * R_k + M_k[byte_k]``, where ``top_k`` is the
    first k bytes of the address, ``R_k`` a constant and ``M_k`` a 256-entry table built once from
    the pad.  So a level costs two big-integer operations and a slice of one AES-ECB call, and
    levels already seen for a prefix come from a cache.
    """

    def __init__(self, update: Callable[[bytes], bytes], pad: int, width: int) -> None:
        self._update = update
        self._width = width
        self._levels = width // 8
        pad_bytes = pad.to_bytes(16, "big")
        self._repeat: list[int] = []
        self._tables: list[list[int]] = []
        for k in range(self._levels):
            tail = pad & ((1 << (120 - 8 * k)) - 1)
            self._repeat.append(sum(1 << (128 * (7 - j) + 128 - 8 * k) for j in range(8)))
            table = []
            for v in range(256):
                chunk = 0
                for j in range(8):
                    high = (0xFF << (8 - j)) & 0xFF  # the first j bits of byte k are the input's
                    mixed = (v & high) | (pad_bytes[k] & ~high & 0xFF)
                    chunk = (chunk << 128) | (mixed << (120 - 8 * k)) | tail
                table.append(chunk)
            self._tables.append(table)
        self._caches: list[dict[int, int]] = [{} for _ in range(self._levels - 1)]
        # Level 0 depends on 7 bits only: all 128 flip bytes in one AES call, up front.
        tops = update(b"".join(self._tables[0][p << 1].to_bytes(128, "big") for p in range(128)))
        self._level0 = [
            (
                (int.from_bytes(tops[128 * p : 128 * p + 128 : 16], "big") & _TOP_BITS) * _MOVEMASK
                >> 56
            )
            & 0xFF
            for p in range(128)
        ]

    def ipv4(self, value: int) -> int:
        """The same as calling the instance, unrolled for the four levels of IPv4."""
        c1, c2 = self._caches[1], self._caches[2]
        k1, k2 = value >> 17, value >> 9
        b1, b2 = c1.get(k1), c2.get(k2)
        repeat, tables = self._repeat, self._tables
        data = ((value >> 8) * repeat[3] + tables[3][value & 0xFF]).to_bytes(128, "big")
        if b2 is None:
            mid = (value >> 16) * repeat[2] + tables[2][(value >> 8) & 0xFF]
            data = mid.to_bytes(128, "big") + data
        if b1 is None:
            first = (value >> 24) * repeat[1] + tables[1][(value >> 16) & 0xFF]
            data = first.to_bytes(128, "big") + data
        tops = int.from_bytes(self._update(data)[::16], "big")
        # The last 8 first-bytes belong to level 3, the ones before to level 2, then level 1.
        b3 = (((tops & _TOP_BITS) * _MOVEMASK) >> 56) & 0xFF
        if b2 is None:
            tops >>= 64
            b2 = (((tops & _TOP_BITS) * _MOVEMASK) >> 56) & 0xFF
            if len(c2) >= _LEVEL_CACHE:
                c2.clear()
            c2[k2] = b2
        if b1 is None:
            tops >>= 64
            b1 = (((tops & _TOP_BITS) * _MOVEMASK) >> 56) & 0xFF
            if len(c1) >= _LEVEL_CACHE:
                c1.clear()
            c1[k1] = b1
        return value ^ ((self._level0[value >> 25] << 24) | (b1 << 16) | (b2 << 8) | b3)

    def __call__(self, value: int) -> int:
        width = self._width
        caches = self._caches
        flips = 0
        missing: list[int] = []
        for level in range(self._levels - 1):
            # Positions 8k..8k+7 depend only on the first 8k+7 bits of the address.
            byte = caches[level].get(value >> (width - 8 * level - 7))
            if byte is None:
                missing.append(level)
            else:
                flips |= byte << (width - 8 - 8 * level)
        missing.append(self._levels - 1)  # the last level is as unique as the address: no cache
        repeat, tables = self._repeat, self._tables
        chunks = [
            (
                (value >> (width - 8 * k)) * repeat[k]
                + tables[k][(value >> (width - 8 - 8 * k)) & 0xFF]
            ).to_bytes(128, "big")
            for k in missing
        ]
        tops = self._update(b"".join(chunks))[::16]  # first byte of every output block
        for n, level in enumerate(missing):
            # Top bit of each of the 8 bytes, gathered into one byte, first block first.
            eight = int.from_bytes(tops[8 * n : 8 * n + 8], "big") & _TOP_BITS
            byte = ((eight * _MOVEMASK) >> 56) & 0xFF
            if level < self._levels - 1:
                cache = caches[level]
                if len(cache) >= _LEVEL_CACHE:
                    cache.clear()
                cache[value >> (width - 8 * level - 7)] = byte
            flips |= byte << (width - 8 - 8 * level)
        return value ^ flips


class CryptoPAnMasker(_CachingMasker):
    """Crypto-PAn with a 32-byte key: prefix-preserving, deterministic, for IPv4 and IPv6.

    ``embedded_ipv4=True`` (default) maps IPv4-mapped addresses through the IPv4 mapping and keeps
    the ``::ffff:`` form; ``False`` maps all 128 bits as IPv6 (yacryptopan's behaviour).  The key
    never appears in the repr; ``key_id`` defaults to a fingerprint of the key.

    Raises:
        InvalidInput: the key is not 32 bytes.

    Example:
        >>> from gdprkit.ip import CryptoPAnMasker
        >>> key = bytes.fromhex(
        ...     "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202")
        >>> cp = CryptoPAnMasker(key, key_id="k1")
        >>> cp.apply("128.11.68.132"), cp.apply("[2001:db8::1]:443")
        ('135.242.180.132', '[4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e]:443')
        >>> cp
        CryptoPAnMasker(name='cryptopan', key_id='k1')
    """

    def __init__(
        self,
        key: bytes,
        *,
        key_id: str | None = None,
        keep_form: bool = False,
        skip: Iterable[SpecialRange] = (),
        embedded_ipv4: bool = True,
        cache_size: int = 65536,
    ) -> None:
        material = _check_key(key, "key", (_KEY_BYTES,))
        super().__init__(
            name="cryptopan",
            key_id=key_id if key_id is not None else _key_id(material, "cryptopan"),
            keep_form=keep_form,
            skip=skip,
            embedded_ipv4=embedded_ipv4,
            cache_size=cache_size,
        )
        encryptor = Cipher(algorithms.AES(material[:16]), modes.ECB()).encryptor()  # noqa: S305 - Crypto-PAn is defined on raw AES blocks
        pad = int.from_bytes(encryptor.update(material[16:]), "big")
        self._update = _serialised(encryptor.update)
        self._pad = pad
        self._v4 = _PrefixPreserver(self._update, pad, 32)
        self._v6: _PrefixPreserver | None = None  # its tables are built on the first IPv6 address
        # The native engine's copy of the key, in native memory (no repr, refuses pickling).
        self._native_key = _engine.seal_key(material)

    @classmethod
    def from_keyring(
        cls,
        ring: KeySource,
        *,
        key_id: str | None = None,
        purpose: str = "gdprkit.ip.cryptopan",
        keep_form: bool = False,
        skip: Iterable[SpecialRange] = (),
        embedded_ipv4: bool = True,
    ) -> CryptoPAnMasker:
        """Build the masker from a key derived for ``purpose`` by a key ring.

        ``ring`` is a :class:`gdprkit.pseudonymise.KeyRing` (or anything with ``active_id`` and
        ``derive(purpose, key_id=..., length=...)``); ``key_id`` defaults to its active key.

        Raises:
            NotFound: the ring has no key ``key_id``.

        Example:
            >>> from gdprkit.ip import CryptoPAnMasker
            >>> from gdprkit.pseudonymise import KeyRing
            >>> CryptoPAnMasker.from_keyring(KeyRing.generate(key_id="k1"))
            CryptoPAnMasker(name='cryptopan', key_id='k1')
        """
        kid = key_id if key_id is not None else ring.active_id
        return cls(
            ring.derive(purpose, key_id=kid, length=_KEY_BYTES),
            key_id=kid,
            keep_form=keep_form,
            skip=skip,
            embedded_ipv4=embedded_ipv4,
        )

    def _mask4(self, value: int) -> int:
        return self._v4.ipv4(value)

    def _mask6(self, value: int) -> int:
        if self._v6 is None:
            self._v6 = _PrefixPreserver(self._update, self._pad, 128)
        return self._v6(value)
