"""The notice as plain data: every Art. 13/14 element read from the register, translated.

Templates print this view and JSON serialises it, so every format says the same things.
Rights come from :func:`gdprkit.law.rights_for` per basis, never from a blanket list.
"""

from __future__ import annotations

import hashlib
from typing import Any

from gdprkit._json import canonical_json
from gdprkit.law import LegalBasis, Right, rights_for
from gdprkit.notice._catalog import Catalog
from gdprkit.register import Duration, Provenance, Purpose, Register, Retention

__all__ = ["RIGHT_ORDER", "build_view", "register_fingerprint"]

VIEW_FORMAT = "gdprkit-notice"
VIEW_VERSION = 1

# The order rights are listed in: the order of the Regulation.
RIGHT_ORDER: tuple[Right, ...] = tuple(Right)

_ROLE_LABEL = {
    "processor": "Processor acting on our behalf",
    "controller": "Independent controller",
    "joint_controller": "Joint controller",
    "public_authority": "Public authority",
}
_SAFEGUARD_LABEL = {
    "adequacy": "Adequacy decision of the European Commission (Art. 45)",
    "scc": "Standard contractual clauses (Art. 46(2)(c))",
    "bcr": "Binding corporate rules (Art. 47)",
    "code_or_certification": "Approved code of conduct or certification (Art. 46(2)(e)-(f))",
    "derogation": "Derogation for a specific situation (Art. 49(1))",
    "none": "No safeguard stated",
}
_ACTION_LABEL = {
    "delete": "then deleted",
    "anonymise": "then anonymised",
    "review": "then reviewed",
}
_UNIT_MESSAGES = {
    "days": ("%(n)s day", "%(n)s days"),
    "weeks": ("%(n)s week", "%(n)s weeks"),
    "months": ("%(n)s month", "%(n)s months"),
    "years": ("%(n)s year", "%(n)s years"),
}


def register_fingerprint(register: Register) -> str:
    """The SHA-256 (hex) of the register's canonical JSON: same register, same fingerprint."""
    return hashlib.sha256(canonical_json(register.to_dict())).hexdigest()


def duration_text(duration: Duration, catalog: Catalog) -> str:
    """A duration in words of the catalog's language (``"100 days"``, ``"100 ditë"``)."""
    singular, plural = _UNIT_MESSAGES[duration.unit.value]
    return catalog.gettext(singular if duration.amount == 1 else plural, n=duration.amount)


def country_name(code: str | None, catalog: Catalog) -> str | None:
    """The country's name in the catalog's language (Babel's CLDR data), else the code."""
    if code is None:
        return None
    try:
        from babel import Locale, UnknownLocaleError  # noqa: PLC0415, TID251 - the notice extra
    except ImportError:  # pragma: no cover - exercised without the extra
        return code
    try:
        name = Locale.parse(catalog.language).territories.get(code)
    except (UnknownLocaleError, ValueError):
        name = None
    return f"{name} ({code})" if name else code


def _retention(retention: Retention | None, catalog: Catalog) -> dict[str, Any] | None:
    if retention is None:
        return None
    t = catalog.gettext
    return {
        "description": retention.description,
        "period": None if retention.period is None else duration_text(retention.period, catalog),
        "trigger": retention.trigger,
        "criterion": retention.criterion,
        "action": t(_ACTION_LABEL[retention.action.value]),
        "citation": retention.citation,
        "specific": retention.is_specific,
    }


def _rights(
    basis: LegalBasis, catalog: Catalog, *, automated: bool, direct_marketing: bool
) -> list[dict[str, str]]:
    granted = rights_for(basis, automated=automated, direct_marketing=direct_marketing)
    return [
        {
            "code": right.value,
            "label": catalog.gettext(right.label),
            "article": right.article,
            "dpv": right.dpv_iri,
        }
        for right in RIGHT_ORDER
        if right in granted
    ]


def _purpose(purpose: Purpose, catalog: Catalog) -> dict[str, Any]:
    t = catalog.gettext
    gaps: list[str] = []
    basis = purpose.basis
    if basis is LegalBasis.LEGITIMATE_INTERESTS and not purpose.legitimate_interest:
        gaps.append(t("The legitimate interest pursued is not stated (Art. 13(1)(d))."))
    if purpose.is_consent_based and not purpose.withdrawal:
        gaps.append(t("How to withdraw consent is not stated (Art. 7(3))."))
    if purpose.retention is None or not purpose.retention.is_specific:
        gaps.append(t("How long the data are kept is not stated (Art. 13(2)(a))."))
    if Provenance.PROVIDED in purpose.provenance and not purpose.requirement:
        gaps.append(
            t(
                "Whether you must provide the data, and what happens if you do not, is not "
                "stated (Art. 13(2)(e))."
            )
        )
    third_party = Provenance.THIRD_PARTY in purpose.provenance
    if third_party and not purpose.source:
        gaps.append(t("The source of the data is not stated (Art. 14(2)(f))."))
    special = purpose.special_condition
    return {
        "id": purpose.id,
        "description": purpose.description,
        "basis": {
            "code": basis.value,
            "label": t(basis.label),
            "article": basis.article,
            "dpv": basis.dpv_iri,
        },
        "legitimate_interest": purpose.legitimate_interest,
        "special_condition": None
        if special is None
        else {
            "code": special.value,
            "label": t(special.label),
            "article": special.article,
            "dpv": special.dpv_iri,
        },
        "categories": [
            {
                "code": c.value,
                "label": t(c.label),
                "special": c.special,
                "dpv": c.dpv_iri,
            }
            for c in purpose.categories
        ],
        "subjects": list(purpose.subjects),
        "third_party": third_party,
        "source": purpose.source,
        "recipients": [
            {
                "name": r.name,
                "role": t(_ROLE_LABEL[r.role.value]),
                "country": country_name(r.country, catalog),
                "description": r.description,
            }
            for r in purpose.recipients
        ],
        "transfers": [
            {
                "country": country_name(tr.country, catalog),
                "recipient": tr.recipient,
                "safeguard": t(_SAFEGUARD_LABEL[tr.safeguard.value]),
                "reference": tr.reference,
                "outside_eea": tr.outside_eea,
            }
            for tr in purpose.transfers
        ],
        "retention": _retention(purpose.retention, catalog),
        "consent": purpose.is_consent_based,
        "withdrawal": purpose.withdrawal,
        "direct_marketing": purpose.direct_marketing,
        "requirement": purpose.requirement,
        "automated_decisions": purpose.automated_decisions,
        "rights": _rights(
            basis,
            catalog,
            automated=purpose.automated,
            direct_marketing=purpose.direct_marketing,
        ),
        "gaps": gaps,
    }


def build_view(register: Register, catalog: Catalog, *, version: str) -> dict[str, Any]:
    """The notice of ``register`` in ``catalog``'s language as a JSON-compatible dict."""
    t = catalog.gettext
    c = register.controller
    purposes = [_purpose(p, catalog) for p in register.purposes]
    gaps: list[str] = []
    if not c.supervisory_authority:
        gaps.append(
            t("The supervisory authority you can complain to is not named (Art. 13(2)(d)).")
        )
    # One row per right: the purposes it applies to, so the reader sees where each right holds.
    rights_table = []
    for right in RIGHT_ORDER:
        holders = [p for p in purposes if any(r["code"] == right.value for r in p["rights"])]
        if holders:
            rights_table.append(
                {
                    "code": right.value,
                    "label": t(right.label),
                    "article": right.article,
                    "dpv": right.dpv_iri,
                    "purposes": [p["description"] for p in holders],
                    "all_purposes": len(holders) == len(purposes),
                }
            )
    return {
        "format": VIEW_FORMAT,
        "format_version": VIEW_VERSION,
        "language": catalog.language,
        "catalog_status": catalog.status,
        "version": version,
        "controller": {
            "name": c.name,
            "contact": c.contact,
            "dpo": c.dpo,
            "representative": c.representative,
            "country": country_name(c.country, catalog),
            "supervisory_authority": c.supervisory_authority,
        },
        "purposes": purposes,
        "rights": rights_table,
        "any_consent": any(p["consent"] for p in purposes),
        "any_transfer": any(tr["outside_eea"] for p in purposes for tr in p["transfers"]),
        "any_automated_decisions": any(p["automated_decisions"] for p in purposes),
        "gaps": gaps,
        "has_gaps": bool(gaps) or any(p["gaps"] for p in purposes),
    }
