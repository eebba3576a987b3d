"""IP addresses: parsing every textual form, masking methods, and finding addresses in text.

Methods (each an :class:`IPMasker`): truncation presets (:class:`TruncationMasker`), Crypto-PAn,
ipcrypt, keyed tokens and redaction.  "Masking", never "anonymising": a masked address is usually
still personal data (CJEU C-582/14 *Breyer* [S210], Recital 26 GDPR [S1]).

Example:
    >>> from gdprkit.ip import TruncationMasker, mask_text
    >>> mask_text("GET / from 203.0.113.9", TruncationMasker.preset("ga"))
    'GET / from 203.0.113.0'
"""

from __future__ import annotations

from gdprkit.ip._address import IPAddress, format_ipv4, format_ipv6, parse_address
from gdprkit.ip.cryptopan import CryptoPAnMasker
from gdprkit.ip.ipcrypt import IPCryptDeterministic, IPCryptNd, IPCryptNdx, IPCryptPfx
from gdprkit.ip.keyed import KeyedTokenMasker, RedactionMasker
from gdprkit.ip.logs import UNPARSED_MARKER, LogSummary, detect_log_format, mask_file, mask_stream
from gdprkit.ip.masking import INTERNAL_RANGES, IPMasker, KeySource, SpecialRange, special_range
from gdprkit.ip.text import AddressMatch, find_addresses, mask_text, mask_text_counted
from gdprkit.ip.truncate import PRESETS, TruncationMasker, TruncationPreset, mask_prefix

__all__ = [
    "INTERNAL_RANGES",
    "PRESETS",
    "UNPARSED_MARKER",
    "AddressMatch",
    "CryptoPAnMasker",
    "IPAddress",
    "IPCryptDeterministic",
    "IPCryptNd",
    "IPCryptNdx",
    "IPCryptPfx",
    "IPMasker",
    "KeySource",
    "KeyedTokenMasker",
    "LogSummary",
    "RedactionMasker",
    "SpecialRange",
    "TruncationMasker",
    "TruncationPreset",
    "detect_log_format",
    "find_addresses",
    "format_ipv4",
    "format_ipv6",
    "mask_file",
    "mask_prefix",
    "mask_stream",
    "mask_text",
    "mask_text_counted",
    "parse_address",
    "special_range",
]
