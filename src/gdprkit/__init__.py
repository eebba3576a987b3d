"""gdprkit: the promises of a GDPR privacy policy, as typed and tested Python code.

The names most users need are re-exported here; everything public is importable from its own
module too (``gdprkit.law``, ``gdprkit.register``, ``gdprkit.consent``, ``gdprkit.ip``, ...).
The re-exports are resolved lazily (PEP 562), so ``import gdprkit`` stays cheap and a log script
that only masks addresses never imports the consent or export machinery.

Example:
    >>> import gdprkit
    >>> gdprkit.LegalBasis.CONSENT.article
    'Art. 6(1)(a)'
    >>> gdprkit.mask_text("client 203.0.113.77 said hi", gdprkit.TruncationMasker.preset("ga"))
    'client 203.0.113.0 said hi'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gdprkit._version import __version__

if TYPE_CHECKING:
    from gdprkit.breach import (
        BreachRecord,
    )
    from gdprkit.consent import (
        Consent,
        ConsentLedger,
        CookieConsent,
        Evidence,
        MemoryStore,
        SQLiteStore,
    )
    from gdprkit.errors import (
        ChainBroken,
        ConfigurationError,
        GdprkitError,
        IntegrityError,
        InvalidAddress,
        InvalidConsent,
        InvalidInput,
        InvalidTransition,
        InvalidType,
        KeyMaterialError,
        MissingDependency,
        NaiveDatetimeError,
        NotFound,
        PackageIntegrityError,
        RegisterError,
        SubjectForgotten,
    )
    from gdprkit.export import (
        AccessReport,
        Attachment,
        Dataset,
        PortabilityPackage,
        build_access_report,
        read_package,
        write_package,
    )
    from gdprkit.ip import (
        CryptoPAnMasker,
        IPCryptPfx,
        IPMasker,
        KeyedTokenMasker,
        LogSummary,
        RedactionMasker,
        TruncationMasker,
        mask_file,
        mask_stream,
        mask_text,
        parse_address,
    )
    from gdprkit.law import (
        DataCategory,
        LegalBasis,
        PublicHolidays,
        Right,
        SpecialCategoryCondition,
        age_of_digital_consent,
        breach_notification_deadline,
        requires_parental_consent,
        response_deadline,
        rights_for,
        statutory_retention,
    )
    from gdprkit.pseudonymise import (
        KeyRing,
        Pseudonymiser,
        RecordPolicy,
        ReversiblePseudonymiser,
        SubjectKeys,
    )
    from gdprkit.register import (
        Controller,
        Duration,
        Purpose,
        Register,
        Retention,
        load_register,
    )
    from gdprkit.requests import (
        SubjectRequest,
        overdue,
    )
    from gdprkit.retention import (
        Decision,
        ErasureBlocker,
        LegalHold,
        RetentionRule,
        RetentionSchedule,
        erasure_plan,
        statutory_rule,
    )

# Where each lazily re-exported name lives.
_LOCATIONS: dict[str, str] = {
    "ChainBroken": "gdprkit.errors",
    "ConfigurationError": "gdprkit.errors",
    "GdprkitError": "gdprkit.errors",
    "IntegrityError": "gdprkit.errors",
    "InvalidAddress": "gdprkit.errors",
    "InvalidConsent": "gdprkit.errors",
    "InvalidInput": "gdprkit.errors",
    "InvalidTransition": "gdprkit.errors",
    "InvalidType": "gdprkit.errors",
    "KeyMaterialError": "gdprkit.errors",
    "MissingDependency": "gdprkit.errors",
    "NaiveDatetimeError": "gdprkit.errors",
    "NotFound": "gdprkit.errors",
    "PackageIntegrityError": "gdprkit.errors",
    "RegisterError": "gdprkit.errors",
    "SubjectForgotten": "gdprkit.errors",
    "DataCategory": "gdprkit.law",
    "LegalBasis": "gdprkit.law",
    "PublicHolidays": "gdprkit.law",
    "Right": "gdprkit.law",
    "SpecialCategoryCondition": "gdprkit.law",
    "age_of_digital_consent": "gdprkit.law",
    "breach_notification_deadline": "gdprkit.law",
    "requires_parental_consent": "gdprkit.law",
    "response_deadline": "gdprkit.law",
    "rights_for": "gdprkit.law",
    "statutory_retention": "gdprkit.law",
    "Controller": "gdprkit.register",
    "Duration": "gdprkit.register",
    "Purpose": "gdprkit.register",
    "Register": "gdprkit.register",
    "Retention": "gdprkit.register",
    "load_register": "gdprkit.register",
    "Consent": "gdprkit.consent",
    "ConsentLedger": "gdprkit.consent",
    "CookieConsent": "gdprkit.consent",
    "Evidence": "gdprkit.consent",
    "MemoryStore": "gdprkit.consent",
    "SQLiteStore": "gdprkit.consent",
    "Decision": "gdprkit.retention",
    "ErasureBlocker": "gdprkit.retention",
    "LegalHold": "gdprkit.retention",
    "RetentionRule": "gdprkit.retention",
    "RetentionSchedule": "gdprkit.retention",
    "erasure_plan": "gdprkit.retention",
    "statutory_rule": "gdprkit.retention",
    "SubjectRequest": "gdprkit.requests",
    "overdue": "gdprkit.requests",
    "BreachRecord": "gdprkit.breach",
    "AccessReport": "gdprkit.export",
    "Attachment": "gdprkit.export",
    "Dataset": "gdprkit.export",
    "PortabilityPackage": "gdprkit.export",
    "build_access_report": "gdprkit.export",
    "read_package": "gdprkit.export",
    "write_package": "gdprkit.export",
    "CryptoPAnMasker": "gdprkit.ip",
    "IPCryptPfx": "gdprkit.ip",
    "IPMasker": "gdprkit.ip",
    "KeyedTokenMasker": "gdprkit.ip",
    "LogSummary": "gdprkit.ip",
    "RedactionMasker": "gdprkit.ip",
    "TruncationMasker": "gdprkit.ip",
    "mask_file": "gdprkit.ip",
    "mask_stream": "gdprkit.ip",
    "mask_text": "gdprkit.ip",
    "parse_address": "gdprkit.ip",
    "KeyRing": "gdprkit.pseudonymise",
    "Pseudonymiser": "gdprkit.pseudonymise",
    "RecordPolicy": "gdprkit.pseudonymise",
    "ReversiblePseudonymiser": "gdprkit.pseudonymise",
    "SubjectKeys": "gdprkit.pseudonymise",
}

__all__ = [
    "AccessReport",
    "Attachment",
    "BreachRecord",
    "ChainBroken",
    "ConfigurationError",
    "Consent",
    "ConsentLedger",
    "Controller",
    "CookieConsent",
    "CryptoPAnMasker",
    "DataCategory",
    "Dataset",
    "Decision",
    "Duration",
    "ErasureBlocker",
    "Evidence",
    "GdprkitError",
    "IPCryptPfx",
    "IPMasker",
    "IntegrityError",
    "InvalidAddress",
    "InvalidConsent",
    "InvalidInput",
    "InvalidTransition",
    "InvalidType",
    "KeyMaterialError",
    "KeyRing",
    "KeyedTokenMasker",
    "LegalBasis",
    "LegalHold",
    "LogSummary",
    "MemoryStore",
    "MissingDependency",
    "NaiveDatetimeError",
    "NotFound",
    "PackageIntegrityError",
    "PortabilityPackage",
    "Pseudonymiser",
    "PublicHolidays",
    "Purpose",
    "RecordPolicy",
    "RedactionMasker",
    "Register",
    "RegisterError",
    "Retention",
    "RetentionRule",
    "RetentionSchedule",
    "ReversiblePseudonymiser",
    "Right",
    "SQLiteStore",
    "SpecialCategoryCondition",
    "SubjectForgotten",
    "SubjectKeys",
    "SubjectRequest",
    "TruncationMasker",
    "__version__",
    "age_of_digital_consent",
    "breach_notification_deadline",
    "build_access_report",
    "erasure_plan",
    "load_register",
    "mask_file",
    "mask_stream",
    "mask_text",
    "overdue",
    "parse_address",
    "read_package",
    "requires_parental_consent",
    "response_deadline",
    "rights_for",
    "statutory_retention",
    "statutory_rule",
    "write_package",
]


def __getattr__(name: str) -> Any:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'gdprkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LOCATIONS})
