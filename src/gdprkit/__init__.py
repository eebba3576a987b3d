"""gdprkit: the promises of a GDPR privacy policy, as typed and tested Python code.

The names most users need are re-exported here; everything public is importable from its own
module too (``gdprkit.law``, ``gdprkit.register``, ``gdprkit.ip``, ...).

Example:
    >>> import gdprkit
    >>> gdprkit.LegalBasis.CONSENT.article
    'Art. 6(1)(a)'
"""

from __future__ import annotations

from gdprkit._version import __version__
from gdprkit.errors import (
    GdprkitError,
    IntegrityError,
    InvalidInput,
    InvalidType,
    NaiveDatetimeError,
    NotFound,
    RegisterError,
)
from gdprkit.law import DataCategory, LegalBasis, Right, SpecialCategoryCondition, rights_for

__all__ = [
    "DataCategory",
    "GdprkitError",
    "IntegrityError",
    "InvalidInput",
    "InvalidType",
    "LegalBasis",
    "NaiveDatetimeError",
    "NotFound",
    "RegisterError",
    "Right",
    "SpecialCategoryCondition",
    "__version__",
    "rights_for",
]
