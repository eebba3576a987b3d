"""Checks a register against the Regulation's requirements and returns findings."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections import Counter
from collections.abc import Callable

import attrs

from gdprkit.errors import NotFound
from gdprkit.law import LegalBasis
from gdprkit.register._duration import Duration, DurationUnit
from gdprkit.register._model import (
    EEA_COUNTRIES as EEA,
)
from gdprkit.register._model import (
    PERMANENT_RETENTION,
    Provenance,
    Purpose,
    Register,
    Retention,
    Safeguard,
)
from gdprkit.register._policy import CookieKind, CustomCategory

__all__ = ["Finding", "Severity", "lint_register"]


class Severity(str, enum.Enum):
    """How serious a finding is: errors fail ``gdprkit check``; warnings are printed."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Finding:
    """One problem :func:`lint_register` found.

    ``code`` is stable (shops can filter on it); ``article`` names the provision it rests on.

    Example:
        >>> Finding(Severity.ERROR, "duplicate-id", "two purposes share the id", "orders").code
        'duplicate-id'
    """

    severity: Severity
    code: str
    message: str
    purpose: str | None = None
    article: str | None = None

    def __str__(self) -> str:
        where = f"[{self.purpose}] " if self.purpose else ""
        cite = f" ({self.article})" if self.article else ""
        return f"{self.severity.value}: {where}{self.message}{cite} [{self.code}]"


_TRACKING = (CookieKind.MARKETING, CookieKind.SESSION_REPLAY)
_SHIELD = re.compile(r"privacy[\s-]*shield|\bshields?\b", re.IGNORECASE)
_ONE_MONTH = Duration(1, DurationUnit.MONTHS)  # Art. 12(3) GDPR: "within one month of receipt"


def _later_than_a_month(promise: Duration) -> dt.date | None:
    """The first request date (over a leap-year cycle) on which ``promise`` ends later than
    the legal month, or ``None`` when it never does (Reg. 1182/71 month arithmetic)."""
    day = dt.date(2024, 1, 1)
    for _ in range(366 * 4):
        if promise.after(day) > _ONE_MONTH.after(day):
            return day
        day += dt.timedelta(days=1)
    return None


def lint_register(register: Register) -> list[Finding]:
    """Return the findings for ``register``, errors first, in purpose order.

    Checks (each finding's stable ``code``, with the article it rests on):

    - ``duplicate-id``: two purposes share an id;
    - ``consent-without-withdrawal``: a consent purpose or operation says nowhere how to
      withdraw (Art. 7(3): "as easy to withdraw as to give consent");
    - ``special-without-condition``: Art. 9(1) data (built in or a shop category flagged
      ``special``) without an Art. 9(2) condition;
    - ``criminal-data-without-law``: Art. 10 data without the law that authorises it;
    - ``legitimate-interests-without-balancing-test`` / ``...-without-interest``: Art. 6(1)(f)
      without a reference to the balancing test, or without the interest pursued (Art. 13(1)(d));
    - ``legal-obligation-without-law``: Art. 6(1)(c) naming no law (Art. 6(3));
    - ``transfer-without-safeguard``: a transfer outside the EEA with no Chapter V ground
      (Art. 44); ``safeguard-invalid``: the EU-US Privacy Shield (CJEU C-311/18);
      ``recipient-outside-eea-without-transfer``: such a recipient but no transfer declared;
    - ``retention-missing`` / ``retention-unspecific`` / ``retention-vague`` /
      ``retention-permanent-without-reason``: no retention; neither period, trigger, statute nor
      criterion; only "as long as necessary" or the like; "permanently" without a citation
      (Art. 13(2)(a), Art. 5(1)(e));
    - ``statutory-unresolved``: a statutory reference gdprkit.law cannot resolve;
    - ``tracking-without-consent``: marketing or session-replay cookies on a basis other than
      consent (ePrivacy Directive Art. 5(3)); ``statistics-cookie-without-consent`` (warning);
    - ``automated-decision-without-safeguards``: an Art. 22 decision lacking human
      intervention, the right to express a view or to contest (Art. 22(3));
    - ``no-supervisory-authority``: the register names no authority to complain to
      (Art. 13(2)(d), Art. 77);
    - ``requirement-missing``: data the customer provides without saying whether they must
      (Art. 13(2)(e));
    - ``promise-later-than-law``: the shop's promised answer time ends after the legal month
      for some request dates (Art. 12(3));
    - ``category-unused``; ``purpose-without-categories``; ``third-party-without-source``
      (Art. 14(2)(f)).

    Example:
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"), [
        ...     Purpose(id="news", description="Newsletter", basis="consent",
        ...             categories=["contact"]),
        ... ])
        >>> [f.code for f in lint_register(reg)]  # doctest: +NORMALIZE_WHITESPACE
        ['consent-without-withdrawal', 'retention-missing',
         'requirement-missing', 'no-supervisory-authority']
    """
    findings: list[Finding] = []

    def add(
        severity: Severity, code: str, message: str, purpose: str | None, article: str | None
    ) -> None:
        findings.append(Finding(severity, code, message, purpose, article))

    counts = Counter(p.id for p in register.purposes)
    for ident, count in counts.items():
        if count > 1:
            add(Severity.ERROR, "duplicate-id", f"{count} purposes share this id", ident, None)

    custom = {c.id: c for c in register.custom_categories}
    for p in register.purposes:
        _lint_purpose(register, p, custom, add)

    c = register.controller
    if not (c.supervisory_authority and c.supervisory_authority.strip()):
        add(
            Severity.WARNING,
            "no-supervisory-authority",
            "no supervisory authority named: the notice states the right to complain but "
            "cannot say where",
            None,
            "Art. 13(2)(d), Art. 77",
        )

    for cookie in register.cookies:
        if cookie.kind in _TRACKING and cookie.basis is not LegalBasis.CONSENT:
            add(
                Severity.ERROR,
                "tracking-without-consent",
                f"{cookie.kind.value} cookie {cookie.name!r} on {cookie.basis.value}: storing or "
                "reading it on the device needs consent",
                cookie.purpose,
                "ePrivacy Directive Art. 5(3)",
            )
        elif cookie.kind is CookieKind.STATISTICS and cookie.basis is not LegalBasis.CONSENT:
            add(
                Severity.WARNING,
                "statistics-cookie-without-consent",
                f"statistics cookie {cookie.name!r} on {cookie.basis.value}: only strictly "
                "necessary storage is exempt from consent (some authorities exempt narrow "
                "audience measurement)",
                cookie.purpose,
                "ePrivacy Directive Art. 5(3)",
            )

    promise = register.promises.response_time
    if promise is not None:
        day = _later_than_a_month(promise)
        if day is not None:
            add(
                Severity.ERROR,
                "promise-later-than-law",
                f"the promised answer time ({promise}) ends later than one month for some "
                f"requests: one received on {day.isoformat()} is due {_ONE_MONTH.after(day)} by "
                f"law but {promise.after(day)} by the promise",
                None,
                "Art. 12(3)",
            )

    for blocker in register.blockers:
        ref = blocker.statutory
        if ref is not None:
            try:
                ref.resolve(controller_country=c.country)
            except NotFound as exc:
                add(Severity.WARNING, "statutory-unresolved", str(exc), None, "Art. 17(3)(b)")

    used = register.categories_used()
    for category in register.categories:
        if category not in used:
            add(
                Severity.WARNING,
                "category-unused",
                f"category {category.value!r} is declared but no purpose uses it",
                None,
                "Art. 30(1)(c)",
            )

    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    return sorted(findings, key=lambda f: order[f.severity])


def _lint_purpose(
    register: Register,
    p: Purpose,
    custom: dict[str, CustomCategory],
    add: Callable[[Severity, str, str, str | None, str | None], None],
) -> None:
    shop = [custom[i] for i in p.other_categories if i in custom]
    if p.is_consent_based and not (p.withdrawal and p.withdrawal.strip()):
        add(
            Severity.ERROR,
            "consent-without-withdrawal",
            "consent purpose does not say how to withdraw consent",
            p.id,
            "Art. 7(3)",
        )
    for op in p.operations:
        if op.basis is LegalBasis.CONSENT and not (op.withdrawal or p.withdrawal):
            add(
                Severity.ERROR,
                "consent-without-withdrawal",
                f"operation {op.id!r} rests on consent but says nowhere how to withdraw it",
                p.id,
                "Art. 7(3)",
            )
    special = [c.value for c in p.special_categories] + [c.id for c in shop if c.special]
    if special and p.special_condition is None:
        add(
            Severity.ERROR,
            "special-without-condition",
            f"special categories ({', '.join(special)}) without an Art. 9(2) condition",
            p.id,
            "Art. 9(1)-(2)",
        )
    criminal = [c.id for c in shop if c.criminal]
    if criminal and not (p.law and p.law.strip()):
        add(
            Severity.ERROR,
            "criminal-data-without-law",
            f"criminal-offence data ({', '.join(criminal)}) without the law that authorises "
            "processing them",
            p.id,
            "Art. 10",
        )
    parts: list[tuple[str, LegalBasis, str | None, str | None]] = [
        ("", p.basis, p.legitimate_interest, p.balancing_test)
    ]
    parts += [
        (f"operation {op.id!r}: ", op.basis, op.legitimate_interest, op.balancing_test)
        for op in p.operations
    ]
    for label, basis, interest, test in parts:
        if basis is not LegalBasis.LEGITIMATE_INTERESTS:
            continue
        if not ((test or p.balancing_test) and (test or p.balancing_test or "").strip()):
            add(
                Severity.WARNING,
                "legitimate-interests-without-balancing-test",
                f"{label}legitimate interests without a reference to the balancing test",
                p.id,
                "Art. 6(1)(f), Art. 5(2)",
            )
        if not (interest and interest.strip()):
            add(
                Severity.WARNING,
                "legitimate-interests-without-interest",
                f"{label}legitimate interests without the interest pursued",
                p.id,
                "Art. 13(1)(d)",
            )
    law_named = bool(p.law and p.law.strip()) or any(
        r.citation or r.statutory is not None for r in p.all_retentions
    )
    ops_law = [op for op in p.operations if op.basis is LegalBasis.LEGAL_OBLIGATION]
    if (p.basis is LegalBasis.LEGAL_OBLIGATION and not law_named) or any(
        not (op.law or law_named) for op in ops_law
    ):
        add(
            Severity.WARNING,
            "legal-obligation-without-law",
            "legal obligation without naming the law that imposes it",
            p.id,
            "Art. 6(3), Art. 13(1)(c)",
        )
    transferred_to = {t.country for t in p.transfers}
    for t in p.transfers:
        where = t.country or t.destination or "?"
        if t.safeguard is Safeguard.PRIVACY_SHIELD or (
            t.reference is not None and _SHIELD.search(t.reference)
        ):
            add(
                Severity.ERROR,
                "safeguard-invalid",
                f"transfer to {where} ({t.recipient}) relies on the EU-US Privacy Shield, "
                "invalid since CJEU C-311/18 (16 July 2020); for a US recipient certified under "
                "the EU-US Data Privacy Framework use safeguard 'adequacy' (Commission "
                "Implementing Decision (EU) 2023/1795, 10 July 2023), otherwise standard "
                "contractual clauses",
                p.id,
                "Art. 45, Art. 46",
            )
        elif t.outside_eea and t.safeguard is Safeguard.NONE:
            add(
                Severity.ERROR,
                "transfer-without-safeguard",
                f"transfer to {where} ({t.recipient}) outside the EEA without a safeguard",
                p.id,
                "Art. 44-49",
            )
    for r in p.recipients:
        home = register.controller.country
        if (
            r.country is not None
            and r.country not in transferred_to
            and r.country not in EEA
            and r.country != home  # a recipient in the controller's own country: no transfer
        ):
            add(
                Severity.WARNING,
                "recipient-outside-eea-without-transfer",
                f"recipient {r.name!r} is in {r.country} but no transfer is declared",
                p.id,
                "Art. 13(1)(f), Art. 30(1)(e)",
            )
    if p.retention is None and not p.retentions:
        add(
            Severity.ERROR,
            "retention-missing",
            "no retention period or criterion",
            p.id,
            "Art. 13(2)(a), Art. 30(1)(f)",
        )
    for retention in p.all_retentions:
        _lint_retention(register, p, retention, add)
    if not p.categories and not p.other_categories:
        add(
            Severity.WARNING,
            "purpose-without-categories",
            "no data categories listed",
            p.id,
            "Art. 30(1)(c)",
        )
    if Provenance.THIRD_PARTY in p.provenance and not (p.source and p.source.strip()):
        add(
            Severity.WARNING,
            "third-party-without-source",
            "data obtained from third parties without naming the source",
            p.id,
            "Art. 14(2)(f)",
        )
    if Provenance.PROVIDED in p.provenance and not (p.requirement and p.requirement.strip()):
        add(
            Severity.WARNING,
            "requirement-missing",
            "does not say whether the customer must provide the data, and what follows if not",
            p.id,
            "Art. 13(2)(e)",
        )
    decision = p.decision
    if decision is not None and not decision.has_safeguards:
        missing = [
            name
            for name, present in (
                ("human intervention", decision.human_review),
                ("the right to express a view", decision.express_view),
                ("how to contest the decision", bool(decision.contest)),
            )
            if not present
        ]
        add(
            Severity.ERROR,
            "automated-decision-without-safeguards",
            f"automated decision without {', '.join(missing)}",
            p.id,
            "Art. 22(3)",
        )


def _lint_retention(
    register: Register,
    p: Purpose,
    retention: Retention,
    add: Callable[[Severity, str, str, str | None, str | None], None],
) -> None:
    what = f"retention of {retention.record}: " if retention.record else ""
    if retention.is_vague:
        add(
            Severity.ERROR,
            "retention-vague",
            f'{what}"as long as necessary" (or the like) is neither a period nor a criterion '
            "a customer can check",
            p.id,
            "Art. 13(2)(a), Art. 5(1)(e)",
        )
    elif not retention.is_specific:
        add(
            Severity.ERROR,
            "retention-unspecific",
            f"{what}retention gives neither a period, a trigger, a statute nor a criterion",
            p.id,
            "Art. 13(2)(a)",
        )
    words = " ".join(t for t in (retention.description, retention.criterion) if t)
    if PERMANENT_RETENTION.search(words) and not (retention.citation or retention.statutory):
        add(
            Severity.ERROR,
            "retention-permanent-without-reason",
            f"{what}kept permanently without a citation of the law or reason that requires it",
            p.id,
            "Art. 5(1)(e)",
        )
    if retention.statutory is not None:
        try:
            retention.statutory.resolve(controller_country=register.controller.country)
        except NotFound as exc:
            add(Severity.WARNING, "statutory-unresolved", f"{what}{exc}", p.id, "Art. 13(2)(a)")
