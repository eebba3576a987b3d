"""The Regulation as data: bases, rights, categories, ages, periods, statutory retention.

Every number of law here carries its article and source (``../shared/FACTS.md``), and every value
can be overridden by the shop.

Example:
    >>> from gdprkit.law import LegalBasis, rights_for, Right
    >>> Right.WITHDRAW_CONSENT in rights_for(LegalBasis.CONSENT)
    True
"""

from __future__ import annotations

from gdprkit.law.bases import (
    DPV_GDPR_NAMESPACE,
    LegalBasis,
    Right,
    SpecialCategoryCondition,
    rights_for,
)
from gdprkit.law.categories import DPV_PD_NAMESPACE, DataCategory

__all__ = [
    "DPV_GDPR_NAMESPACE",
    "DPV_PD_NAMESPACE",
    "DataCategory",
    "LegalBasis",
    "Right",
    "SpecialCategoryCondition",
    "rights_for",
]
