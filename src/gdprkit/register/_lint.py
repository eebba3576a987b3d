"""Checks a register against the Regulation's requirements and returns findings."""

from __future__ import annotations

import enum
from collections import Counter

import attrs

from gdprkit.law import LegalBasis
from gdprkit.register._model import EEA_COUNTRIES, Provenance, Register, Safeguard

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


def lint_register(register: Register) -> list[Finding]:
    """Return the findings for ``register``, errors first, in purpose order.

    Checks (each finding's ``code``):

    - ``duplicate-id``: two purposes share an id;
    - ``consent-without-withdrawal``: a consent purpose says nowhere how to withdraw
      (Art. 7(3): "as easy to withdraw as to give consent");
    - ``special-without-condition``: Art. 9(1) data without an Art. 9(2) condition;
    - ``legitimate-interests-without-balancing-test`` / ``...-without-interest``: Art. 6(1)(f)
      without a reference to the balancing test, or without the interest pursued (Art. 13(1)(d));
    - ``transfer-without-safeguard``: a transfer outside the EEA with no Chapter V ground
      (Art. 44); ``recipient-outside-eea-without-transfer``: such a recipient but no transfer
      declared;
    - ``retention-missing`` / ``retention-unspecific``: no retention, or only "as long as
      necessary" with neither a period nor a criterion (Art. 13(2)(a), Art. 30(1)(f));
    - ``category-unused``: a category the register declares but no purpose uses;
    - ``purpose-without-categories``; ``third-party-without-source`` (Art. 14(2)(f)).

    Example:
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"), [
        ...     Purpose(id="news", description="Newsletter", basis="consent",
        ...             categories=["contact"]),
        ... ])
        >>> [f.code for f in lint_register(reg)]
        ['consent-without-withdrawal', 'retention-missing']
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

    for p in register.purposes:
        if p.is_consent_based and not (p.withdrawal and p.withdrawal.strip()):
            add(
                Severity.ERROR,
                "consent-without-withdrawal",
                "consent purpose does not say how to withdraw consent",
                p.id,
                "Art. 7(3)",
            )
        if p.special_categories and p.special_condition is None:
            names = ", ".join(c.value for c in p.special_categories)
            add(
                Severity.ERROR,
                "special-without-condition",
                f"special categories ({names}) without an Art. 9(2) condition",
                p.id,
                "Art. 9(1)-(2)",
            )
        if p.basis is LegalBasis.LEGITIMATE_INTERESTS:
            if not (p.balancing_test and p.balancing_test.strip()):
                add(
                    Severity.WARNING,
                    "legitimate-interests-without-balancing-test",
                    "legitimate interests without a reference to the balancing test",
                    p.id,
                    "Art. 6(1)(f), Art. 5(2)",
                )
            if not (p.legitimate_interest and p.legitimate_interest.strip()):
                add(
                    Severity.WARNING,
                    "legitimate-interests-without-interest",
                    "legitimate interests without the interest pursued",
                    p.id,
                    "Art. 13(1)(d)",
                )
        transferred_to = {t.country for t in p.transfers}
        for t in p.transfers:
            if t.outside_eea and t.safeguard is Safeguard.NONE:
                add(
                    Severity.ERROR,
                    "transfer-without-safeguard",
                    f"transfer to {t.country} ({t.recipient}) outside the EEA without a safeguard",
                    p.id,
                    "Art. 44-49",
                )
        for r in p.recipients:
            if (
                r.country is not None
                and r.country not in transferred_to
                and r.country not in EEA_COUNTRIES
            ):
                add(
                    Severity.WARNING,
                    "recipient-outside-eea-without-transfer",
                    f"recipient {r.name!r} is in {r.country} but no transfer is declared",
                    p.id,
                    "Art. 13(1)(f), Art. 30(1)(e)",
                )
        if p.retention is None:
            add(
                Severity.ERROR,
                "retention-missing",
                "no retention period or criterion",
                p.id,
                "Art. 13(2)(a), Art. 30(1)(f)",
            )
        elif not p.retention.is_specific:
            add(
                Severity.ERROR,
                "retention-unspecific",
                'retention gives neither a period nor a criterion ("as long as necessary" is '
                "not enough)",
                p.id,
                "Art. 13(2)(a)",
            )
        if not p.categories:
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
