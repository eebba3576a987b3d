"""The notice as plain data: every Art. 13/14 element read from the register, translated.

Templates print this view and JSON serialises it, so every format says the same things.
Rights come from :func:`gdprkit.law.rights_for` per basis (of each purpose and each operation
inside it), never from a blanket list.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from gdprkit._json import canonical_json
from gdprkit.errors import NotFound
from gdprkit.law import LegalBasis, Right, StatutoryRetention, rights_for
from gdprkit.notice._catalog import Catalog
from gdprkit.register import (
    Blocker,
    CookieKind,
    Duration,
    Operation,
    Provenance,
    Purpose,
    Register,
    Retention,
    StatutoryReference,
)

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
    "privacy_shield": "EU-US Privacy Shield, invalid since 16 July 2020 (CJEU C-311/18)",
    "none": "No safeguard stated",
}
_ACTION_LABEL = {
    "delete": "then deleted",
    "anonymise": "then anonymised",
    "review": "then reviewed",
}
_COOKIE_LABEL = {
    "necessary": "Strictly necessary",
    "preferences": "Preferences",
    "statistics": "Statistics",
    "marketing": "Marketing",
    "session_replay": "Session recording",
}
_DECISION_LABEL = {
    "contract": "Necessary for a contract with you (Art. 22(2)(a))",
    "law": "Authorised by law (Art. 22(2)(b))",
    "explicit_consent": "Your explicit consent (Art. 22(2)(c))",
}
_UNIT_MESSAGES = {
    "days": ("%(n)s day", "%(n)s days"),
    "weeks": ("%(n)s week", "%(n)s weeks"),
    "months": ("%(n)s month", "%(n)s months"),
    "years": ("%(n)s year", "%(n)s years"),
}
_STATUTORY_KIND = {
    "fixed": "%(years)s",
    "at_least": "at least %(years)s",
    "up_to": "up to %(years)s",
    "permanent": "permanently",
    "until_time_barred": "until the claim is time-barred",
    "while_assessment_open": "while the tax assessment is open",
}


def _event(code: str) -> str:
    """An event code as words: ``account_closed`` -> ``account closed``."""
    return code.replace("_", " ").replace("-", " ")


def register_fingerprint(register: Register) -> str:
    """The SHA-256 (hex) of the register's canonical JSON: same register, same fingerprint."""
    return hashlib.sha256(canonical_json(register.to_dict())).hexdigest()


def duration_text(duration: Duration, catalog: Catalog) -> str:
    """A duration in words of the catalog's language (``"100 days"``, ``"100 ditë"``)."""
    singular, plural = _UNIT_MESSAGES[duration.unit.value]
    return catalog.gettext(singular if duration.amount == 1 else plural, n=duration.amount)


@functools.lru_cache(maxsize=16)
def _territories(language: str) -> dict[str, str]:
    """CLDR country names in ``language`` (memoised: immutable data, parsed once)."""
    try:
        from babel import Locale, UnknownLocaleError  # noqa: PLC0415, TID251 - the notice extra
    except ImportError:  # pragma: no cover - exercised without the extra
        return {}
    try:
        return dict(Locale.parse(language).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def country_name(code: str | None, catalog: Catalog) -> str | None:
    """The country's name in the catalog's language (Babel's CLDR data), else the code."""
    if code is None:
        return None
    name = _territories(catalog.language).get(code)
    return f"{name} ({code})" if name else code


def _statutory_row(row: StatutoryRetention, catalog: Catalog) -> dict[str, Any]:
    t = catalog.gettext
    years = duration_text(Duration(row.years, "years"), catalog) if row.years is not None else ""
    return {
        "country": country_name(row.country, catalog),
        "document": row.document,
        "description": row.description,
        "period": t(_STATUTORY_KIND[row.kind.value], years=years),
        "law": row.law,
    }


def _statutory(ref: StatutoryReference, register: Register, catalog: Catalog) -> dict[str, Any]:
    t = catalog.gettext
    try:
        rows = [
            _statutory_row(r, catalog)
            for r in ref.resolve(controller_country=register.controller.country)
        ]
    except NotFound:
        rows = []
    return {
        "document": ref.document,
        "of": ref.of.value,
        "intro": t("as the law of your country requires")
        if ref.of.value == "customer"
        else t("as the law requires"),
        "after": None if ref.after is None else duration_text(ref.after, catalog),
        "law": ref.law,
        "rows": rows,
    }


def _retention(retention: Retention, register: Register, catalog: Catalog) -> dict[str, Any]:
    t = catalog.gettext
    period = None if retention.period is None else duration_text(retention.period, catalog)
    statutory = (
        None if retention.statutory is None else _statutory(retention.statutory, register, catalog)
    )
    # One sentence a reader can take in: what, where, how long, from when, then what, why.
    parts = []
    if retention.record:
        parts.append(t("%(record)s:", record=retention.record))
    if retention.country:
        parts.append(t("in %(country)s:", country=country_name(retention.country, catalog)))
    parts.append(retention.description)
    details = []
    if period:
        details.append(period)
    if retention.trigger:
        details.append(t("counted from: %(event)s", event=_event(retention.trigger)))
    if statutory is not None:
        details.append(statutory["intro"])
        details.extend(
            t(
                "%(country)s: %(period)s (%(document)s, %(law)s)",
                country=row["country"],
                period=row["period"],
                document=row["description"],
                law=row["law"],
            )
            for row in statutory["rows"]
        )
        if statutory["after"]:
            details.append(t("then %(period)s more", period=statutory["after"]))
    if period or retention.trigger or statutory is not None:
        details.append(t(_ACTION_LABEL[retention.action.value]))
    summary = " ".join(parts)
    if details:
        summary += " (" + "; ".join(details) + ")"
    if retention.criterion:
        summary += ". " + retention.criterion
    if retention.citation:
        summary += " – " + retention.citation
    return {
        "record": retention.record,
        "country": country_name(retention.country, catalog),
        "description": retention.description,
        "period": period,
        "trigger": retention.trigger,
        "criterion": retention.criterion,
        "action": t(_ACTION_LABEL[retention.action.value]),
        "citation": retention.citation,
        "statutory": statutory,
        "specific": retention.is_specific,
        "summary": summary,
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


def _basis(basis: LegalBasis, catalog: Catalog) -> dict[str, str]:
    return {
        "code": basis.value,
        "label": catalog.gettext(basis.label),
        "article": basis.article,
        "dpv": basis.dpv_iri,
    }


def _operation(op: Operation, purpose: Purpose, catalog: Catalog) -> dict[str, Any]:
    marketing = purpose.direct_marketing if op.direct_marketing is None else op.direct_marketing
    return {
        "id": op.id,
        "description": op.description,
        "basis": _basis(op.basis, catalog),
        "channels": list(op.channels),
        "legitimate_interest": op.legitimate_interest,
        "withdrawal": op.withdrawal
        or (purpose.withdrawal if op.basis is LegalBasis.CONSENT else None),
        "law": op.law,
        "consent": op.basis is LegalBasis.CONSENT,
        "rights": _rights(
            op.basis, catalog, automated=purpose.automated, direct_marketing=marketing
        ),
    }


def _purpose(purpose: Purpose, register: Register, catalog: Catalog) -> dict[str, Any]:
    t = catalog.gettext
    gaps: list[str] = []
    basis = purpose.basis
    if basis is LegalBasis.LEGITIMATE_INTERESTS and not purpose.legitimate_interest:
        gaps.append(t("The legitimate interest pursued is not stated (Art. 13(1)(d))."))
    consent_ops = [op for op in purpose.operations if op.basis is LegalBasis.CONSENT]
    if (purpose.is_consent_based and not purpose.withdrawal) or any(
        not (op.withdrawal or purpose.withdrawal) for op in consent_ops
    ):
        gaps.append(t("How to withdraw consent is not stated (Art. 7(3))."))
    retentions = purpose.all_retentions
    if not retentions or not all(r.is_specific for r in retentions):
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
    if purpose.decision is not None and not purpose.decision.has_safeguards:
        gaps.append(
            t(
                "The safeguards for the automated decision (human intervention, your view, "
                "contesting it) are not all stated (Art. 22(3))."
            )
        )
    special = purpose.special_condition
    decision = purpose.decision
    shop_categories = [register.custom_category(i) for i in purpose.other_categories]
    return {
        "id": purpose.id,
        "description": purpose.description,
        "basis": _basis(basis, catalog),
        "legitimate_interest": purpose.legitimate_interest,
        "law": purpose.law,
        "special_condition": None
        if special is None
        else {
            "code": special.value,
            "label": t(special.label),
            "article": special.article,
            "dpv": special.dpv_iri,
        },
        "operations": [_operation(op, purpose, catalog) for op in purpose.operations],
        "categories": [
            {
                "code": c.value,
                "label": t(c.label),
                "special": c.special,
                "criminal": False,
                "dpv": c.dpv_iri,
            }
            for c in purpose.categories
        ]
        + [
            {
                "code": c.id,
                "label": c.description,
                "special": c.special,
                "criminal": c.criminal,
                "dpv": c.dpv,
            }
            for c in shop_categories
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
                "country": country_name(tr.country, catalog) or tr.destination,
                "recipient": tr.recipient,
                "safeguard": t(_SAFEGUARD_LABEL[tr.safeguard.value]),
                "reference": tr.reference,
                "outside_eea": tr.outside_eea,
            }
            for tr in purpose.transfers
        ],
        "retentions": [_retention(r, register, catalog) for r in retentions],
        "consent": purpose.is_consent_based,
        "withdrawal": purpose.withdrawal,
        "direct_marketing": purpose.direct_marketing,
        "requirement": purpose.requirement,
        "automated_decisions": purpose.automated_decisions,
        "decision": None
        if decision is None
        else {
            "description": decision.description,
            "logic": decision.logic,
            "consequences": decision.consequences,
            "exception": None
            if decision.exception is None
            else t(_DECISION_LABEL[decision.exception.value]),
            "human_review": decision.human_review,
            "express_view": decision.express_view,
            "contest": decision.contest,
            "safeguards": [
                text
                for text, present in (
                    (t("You can ask for a person to review the decision."), decision.human_review),
                    (t("You can state your point of view."), decision.express_view),
                )
                if present
            ]
            + ([t("How to contest it: %(how)s", how=decision.contest)] if decision.contest else []),
        },
        "rights": _rights(
            basis,
            catalog,
            automated=purpose.automated,
            direct_marketing=purpose.direct_marketing,
        ),
        "gaps": gaps,
    }


def _blocker(blocker: Blocker, register: Register, catalog: Catalog) -> dict[str, Any]:
    t = catalog.gettext
    statutory = (
        None if blocker.statutory is None else _statutory(blocker.statutory, register, catalog)
    )
    if blocker.period is not None:
        how_long = duration_text(blocker.period, catalog)
        if blocker.since:
            how_long = t("%(period)s from: %(event)s", period=how_long, event=_event(blocker.since))
    elif statutory is not None:
        how_long = "; ".join(
            [statutory["intro"]]
            + [f"{row['country']}: {row['period']} ({row['law']})" for row in statutory["rows"]]
        )
    else:
        how_long = t("until the matter is closed")
    return {
        "id": blocker.id,
        "kind": blocker.kind.value,
        "description": blocker.description,
        "purposes": [register.purpose(i).description for i in blocker.purposes],
        "how_long": how_long,
        "applies_to": blocker.applies_to,
        "citation": blocker.citation,
        "statutory": statutory,
    }


def build_view(register: Register, catalog: Catalog, *, version: str) -> dict[str, Any]:
    """The notice of ``register`` in ``catalog``'s language as a JSON-compatible dict."""
    t = catalog.gettext
    c = register.controller
    purposes = [_purpose(p, register, catalog) for p in register.purposes]
    gaps: list[str] = []
    if not c.supervisory_authority:
        gaps.append(
            t("The supervisory authority you can complain to is not named (Art. 13(2)(d)).")
        )
    # One row per right: the purposes (and parts) it applies to, so the reader sees where each
    # right holds.
    rights_table = []
    for right in RIGHT_ORDER:
        holders = []
        for p in purposes:
            if any(r["code"] == right.value for r in p["rights"]):
                holders.append(p["description"])
            holders.extend(
                f"{p['description']}: {op['description']}"
                for op in p["operations"]
                if any(r["code"] == right.value for r in op["rights"])
                and not any(r["code"] == right.value for r in p["rights"])
            )
        if holders:
            rights_table.append(
                {
                    "code": right.value,
                    "label": t(right.label),
                    "article": right.article,
                    "dpv": right.dpv_iri,
                    "purposes": holders,
                    "all_purposes": holders == [p["description"] for p in purposes],
                }
            )
    cookies = []
    for kind in CookieKind:
        members = [k for k in register.cookies if k.kind is kind]
        if members:
            cookies.append(
                {
                    "kind": kind.value,
                    "label": t(_COOKIE_LABEL[kind.value]),
                    "cookies": [
                        {
                            "name": k.name,
                            "provider": k.provider,
                            "duration": k.duration,
                            "basis": _basis(k.basis, catalog),
                            "description": k.description,
                        }
                        for k in members
                    ],
                }
            )
    promise = register.promises.response_time
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
        "response_time": t(
            "We answer requests within %(period)s.", period=duration_text(promise, catalog)
        )
        if promise is not None
        else t("We answer requests within one month; complex requests may take two more months."),
        "blockers": [_blocker(b, register, catalog) for b in register.blockers],
        "cookies": cookies,
        "policy_updates": register.promises.policy_updates,
        "any_consent": any(
            p["consent"] or any(o["consent"] for o in p["operations"]) for p in purposes
        ),
        "any_transfer": any(tr["outside_eea"] for p in purposes for tr in p["transfers"]),
        "gaps": gaps,
        "has_gaps": bool(gaps) or any(p["gaps"] for p in purposes),
    }
