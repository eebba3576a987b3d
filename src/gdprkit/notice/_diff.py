"""What changed between two registers, in the customer's terms, and what each change needs.

A change to processing based on consent needs fresh consent when it widens what the customer
agreed to (consent is "specific" and "informed", Art. 4(11), Art. 7 GDPR; EDPB Guidelines
05/2020 para. 55-58); any other change customers must know of needs an updated notice given to
them before it takes effect (Art. 13(3) for a new purpose; Art. 12(1) and WP260 rev.01
para. 29-31 for changes to the notice); narrowing needs neither.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs

from gdprkit.errors import InvalidType
from gdprkit.law import LegalBasis
from gdprkit.register import CookieKind, Duration, Purpose, Register, Retention

__all__ = ["ChangeAction", "RegisterChange", "diff_registers"]

# Durations are compared by where they end from one fixed day (calendar-correct, so 12 months
# and 1 year compare equal, 30 days and 1 month do not).
_FROM = dt.date(2024, 1, 31)


class ChangeAction(str, enum.Enum):
    """What a change requires before it takes effect."""

    FRESH_CONSENT = "fresh_consent"
    NOTIFY = "notify"
    NONE = "none"


@attrs.frozen
class RegisterChange:
    """One change between two registers.

    ``kind`` is a stable code (``purpose-added``, ``basis-changed``, ``retention-longer``, …),
    ``message`` says it in the customer's terms, ``action`` what it requires.

    Example:
        >>> RegisterChange("purpose-added", "ads", "New purpose: ads", ChangeAction.NOTIFY).action
        <ChangeAction.NOTIFY: 'notify'>
    """

    kind: str
    purpose: str | None
    message: str
    action: ChangeAction

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "kind": self.kind,
            "purpose": self.purpose,
            "message": self.message,
            "action": self.action.value,
        }


def _end(duration: Duration | None) -> dt.date | None:
    return None if duration is None else duration.after(_FROM)


def _uses_consent(purpose: Purpose) -> bool:
    return purpose.is_consent_based or any(
        op.basis is LegalBasis.CONSENT for op in purpose.operations
    )


def _keyed(
    retentions: tuple[Retention, ...],
) -> dict[tuple[str | None, str | None, int], Retention]:
    """Retentions keyed by kind of record, country and their rank among equal keys."""
    seen: dict[tuple[str | None, str | None], int] = {}
    keyed = {}
    for retention in retentions:
        base = (retention.record, retention.country)
        rank = seen.get(base, 0)
        seen[base] = rank + 1
        keyed[(*base, rank)] = retention
    return keyed


def _purpose_changes(old: Purpose, new: Purpose) -> list[RegisterChange]:
    changes: list[RegisterChange] = []
    widen = ChangeAction.FRESH_CONSENT if _uses_consent(old) else ChangeAction.NOTIFY
    pid = new.id

    def add(kind: str, message: str, action: ChangeAction) -> None:
        changes.append(RegisterChange(kind, pid, message, action))

    if old.basis is not new.basis:
        action = (
            ChangeAction.FRESH_CONSENT if new.basis is LegalBasis.CONSENT else ChangeAction.NOTIFY
        )
        add(
            "basis-changed",
            f"{new.description!r}: the legal basis changes from {old.basis.label} "
            f"({old.basis.article}) to {new.basis.label} ({new.basis.article})",
            action,
        )
    if old.description != new.description:
        add("purpose-reworded", f"{new.description!r} was described as {old.description!r}", widen)
    added = [c for c in new.categories if c not in old.categories]
    added_shop = [c for c in new.other_categories if c not in old.other_categories]
    if added or added_shop:
        names = ", ".join([c.label for c in added] + added_shop)
        add("category-added", f"{new.description!r} now also uses: {names}", widen)
    removed = [c for c in old.categories if c not in new.categories]
    if removed:
        names = ", ".join(c.label for c in removed)
        add("category-removed", f"{new.description!r} no longer uses: {names}", ChangeAction.NONE)
    old_recipients = {r.name for r in old.recipients}
    for r in new.recipients:
        if r.name not in old_recipients:
            add("recipient-added", f"{new.description!r}: a new recipient, {r.name}", widen)
    old_transfers = {(t.country, t.destination, t.recipient) for t in old.transfers}
    for t in new.transfers:
        if (t.country, t.destination, t.recipient) not in old_transfers:
            where = t.country or t.destination
            add(
                "transfer-added",
                f"{new.description!r}: data now go to {where} ({t.recipient})",
                widen,
            )
    old_ops = {op.id: op for op in old.operations}
    for op in new.operations:
        before = old_ops.get(op.id)
        if before is None:
            action = ChangeAction.FRESH_CONSENT if op.basis is LegalBasis.CONSENT else widen
            add(
                "operation-added",
                f"{new.description!r}: a new part, {op.description!r} ({op.basis.label})",
                action,
            )
        elif before.basis is not op.basis:
            action = (
                ChangeAction.FRESH_CONSENT
                if op.basis is LegalBasis.CONSENT
                else ChangeAction.NOTIFY
            )
            add(
                "basis-changed",
                f"{new.description!r}, {op.description!r}: the legal basis changes from "
                f"{before.basis.label} to {op.basis.label}",
                action,
            )
    old_retentions = _keyed(old.all_retentions)
    for key, ret in _keyed(new.all_retentions).items():
        kept = old_retentions.get(key)
        what = f"{new.description!r}" + (f" ({ret.record})" if ret.record else "")
        if kept is None:
            if old_retentions:
                add("retention-added", f"{what}: a new retention period: {ret.description}", widen)
            continue
        old_end, new_end = _end(kept.period), _end(ret.period)
        if old_end is not None and new_end is not None and new_end != old_end:
            longer = new_end > old_end
            add(
                "retention-longer" if longer else "retention-shorter",
                f"{what}: kept for {ret.period} instead of {kept.period}",
                widen if longer else ChangeAction.NONE,
            )
        elif (old_end is None) != (new_end is None) or kept.description != ret.description:
            add(
                "retention-changed",
                f"{what}: retention now reads {ret.description!r} (was {kept.description!r})",
                ChangeAction.NOTIFY,
            )
    if not old.direct_marketing and new.direct_marketing:
        add(
            "direct-marketing-added", f"{new.description!r} is now used for direct marketing", widen
        )
    return changes


def diff_registers(old: Register, new: Register) -> tuple[RegisterChange, ...]:
    """The changes from ``old`` to ``new``, in the order of ``new``'s purposes.

    Raises:
        InvalidType: either argument is not a :class:`~gdprkit.register.Register`.

    Example:
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> shop = Controller(name="Shop", contact="privacy@shop.example")
        >>> old = Register(shop, [Purpose(id="orders", description="Orders", basis="contract")])
        >>> new = Register(shop, [*old.purposes, Purpose(id="news", description="Newsletter",
        ...                                              basis="consent")])
        >>> [(c.kind, c.action.value) for c in diff_registers(old, new)]
        [('purpose-added', 'fresh_consent')]
    """
    for value in (old, new):
        if not isinstance(value, Register):
            raise InvalidType("diff_registers compares two Register values")
    changes: list[RegisterChange] = []
    oc, nc = old.controller, new.controller
    for field, label in (
        ("name", "the controller"),
        ("contact", "the contact details"),
        ("dpo", "the data protection officer"),
        ("representative", "the representative"),
        ("supervisory_authority", "the supervisory authority"),
    ):
        if getattr(oc, field) != getattr(nc, field):
            changes.append(
                RegisterChange("controller-changed", None, f"{label} changed", ChangeAction.NOTIFY)
            )
    before = {p.id: p for p in old.purposes}
    for purpose in new.purposes:
        was = before.get(purpose.id)
        if was is None:
            action = ChangeAction.FRESH_CONSENT if _uses_consent(purpose) else ChangeAction.NOTIFY
            changes.append(
                RegisterChange(
                    "purpose-added",
                    purpose.id,
                    f"New purpose: {purpose.description!r} ({purpose.basis.label})",
                    action,
                )
            )
        else:
            changes.extend(_purpose_changes(was, purpose))
    after = {p.id for p in new.purposes}
    for purpose in old.purposes:
        if purpose.id not in after:
            changes.append(
                RegisterChange(
                    "purpose-removed",
                    purpose.id,
                    f"Purpose ended: {purpose.description!r}",
                    ChangeAction.NONE,
                )
            )
    old_cookies = {c.name for c in old.cookies}
    for cookie in new.cookies:
        if cookie.name not in old_cookies:
            action = (
                ChangeAction.NONE
                if cookie.kind is CookieKind.NECESSARY
                else ChangeAction.FRESH_CONSENT
                if cookie.basis is LegalBasis.CONSENT
                else ChangeAction.NOTIFY
            )
            changes.append(
                RegisterChange(
                    "cookie-added",
                    cookie.purpose,
                    f"A new {cookie.kind.value} cookie: {cookie.name}",
                    action,
                )
            )
    old_blockers = {b.id for b in old.blockers}
    for blocker in new.blockers:
        if blocker.id not in old_blockers:
            changes.append(
                RegisterChange(
                    "blocker-added",
                    None,
                    f"Data may now be kept despite an erasure request: {blocker.description}",
                    ChangeAction.NOTIFY,
                )
            )
    old_time = old.promises.response_time
    new_time = new.promises.response_time
    if _end(new_time) != _end(old_time):
        changes.append(
            RegisterChange(
                "promise-changed",
                None,
                f"We now answer requests within {new_time or 'one month'} "
                f"(was {old_time or 'one month'})",
                ChangeAction.NOTIFY,
            )
        )
    return tuple(changes)
