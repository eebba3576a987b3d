"""The Regulation as data: bases, rights, categories, ages, periods, statutory retention.

Every number of law here carries its article and source (:mod:`gdprkit.law.sources`, published
in the docs as the sources table), and every value can be overridden by the shop.

Example:
    >>> from gdprkit.law import LegalBasis, rights_for, Right
    >>> Right.WITHDRAW_CONSENT in rights_for(LegalBasis.CONSENT)
    True
"""

from __future__ import annotations

from gdprkit.law.ages import (
    DEFAULT_DIGITAL_CONSENT_AGE,
    DIGITAL_CONSENT_AGES,
    DigitalConsentAge,
    age_of_digital_consent,
    requires_parental_consent,
)
from gdprkit.law.bases import (
    DPV_GDPR_NAMESPACE,
    LegalBasis,
    Right,
    SpecialCategoryCondition,
    rights_for,
)
from gdprkit.law.categories import DPV_PD_NAMESPACE, DataCategory
from gdprkit.law.holidays import HolidayCalendar, PublicHolidays
from gdprkit.law.periods import (
    ExtensionReading,
    add_months,
    breach_notification_deadline,
    end_of_day,
    extension_notice_deadline,
    is_working_day,
    next_working_day,
    response_deadline,
)
from gdprkit.law.retention import (
    STATUTORY_RETENTION,
    PeriodKind,
    StartEvent,
    StatutoryRetention,
    statutory_retention,
)
from gdprkit.law.sources import Source, Status

__all__ = [
    "DEFAULT_DIGITAL_CONSENT_AGE",
    "DIGITAL_CONSENT_AGES",
    "DPV_GDPR_NAMESPACE",
    "DPV_PD_NAMESPACE",
    "STATUTORY_RETENTION",
    "DataCategory",
    "DigitalConsentAge",
    "ExtensionReading",
    "HolidayCalendar",
    "LegalBasis",
    "PeriodKind",
    "PublicHolidays",
    "Right",
    "Source",
    "SpecialCategoryCondition",
    "StartEvent",
    "Status",
    "StatutoryRetention",
    "add_months",
    "age_of_digital_consent",
    "breach_notification_deadline",
    "end_of_day",
    "extension_notice_deadline",
    "is_working_day",
    "next_working_day",
    "requires_parental_consent",
    "response_deadline",
    "rights_for",
    "statutory_retention",
]
