"""Strategies for the register's value types (purposes, registers, durations)."""

from __future__ import annotations

from hypothesis import strategies as st

from gdprkit.law import DataCategory, LegalBasis, SpecialCategoryCondition
from gdprkit.register import (
    EEA_COUNTRIES,
    Controller,
    Duration,
    DurationUnit,
    Provenance,
    Purpose,
    Recipient,
    RecipientRole,
    Register,
    Retention,
    RetentionAction,
    Safeguard,
    Transfer,
)

__all__ = [
    "controllers",
    "durations",
    "purposes",
    "recipients",
    "registers",
    "retentions",
    "transfers",
]

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() != "")
_IDS = st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z")
_COUNTRIES = st.sampled_from(sorted(EEA_COUNTRIES | {"XK", "AL", "US", "GB", "CH", "RS"}))
_EVENTS = st.sampled_from(
    [
        "collected",
        "last_activity",
        "contract_end",
        "order_delivered",
        "consent_withdrawn",
        "account_closed",
        "event_end",
    ]
)


def durations(*, max_amount: int = 120) -> st.SearchStrategy[Duration]:
    """Durations of 1..``max_amount`` days, weeks, months or years."""
    return st.builds(Duration, st.integers(1, max_amount), st.sampled_from(DurationUnit))


def controllers() -> st.SearchStrategy[Controller]:
    """Controllers with a name, a contact and optional DPO, country and authority."""
    return st.builds(
        Controller,
        name=_TEXT,
        contact=_TEXT,
        dpo=st.none() | _TEXT,
        country=st.none() | _COUNTRIES,
        supervisory_authority=st.none() | _TEXT,
    )


def recipients() -> st.SearchStrategy[Recipient]:
    """Recipients of any role, inside or outside the EEA."""
    return st.builds(
        Recipient,
        name=_TEXT,
        role=st.sampled_from(RecipientRole),
        country=st.none() | _COUNTRIES,
        description=st.none() | _TEXT,
    )


def transfers() -> st.SearchStrategy[Transfer]:
    """Transfers with any safeguard (including none)."""
    return st.builds(
        Transfer,
        country=_COUNTRIES,
        recipient=_TEXT,
        safeguard=st.sampled_from(Safeguard),
        reference=st.none() | _TEXT,
    )


def retentions() -> st.SearchStrategy[Retention]:
    """Retention statements: a period from a trigger, a criterion, or (rarely) neither."""
    with_period = st.builds(
        Retention,
        description=_TEXT,
        period=durations(),
        trigger=_EVENTS,
        alignment=st.sampled_from(["none", "end_of_month", "end_of_year", "financial_year_end:3"]),
        action=st.sampled_from(RetentionAction),
        citation=st.none() | _TEXT,
    )
    with_criterion = st.builds(Retention, description=_TEXT, criterion=_TEXT)
    vague = st.builds(Retention, description=_TEXT)
    return st.one_of(with_period, with_criterion, vague)


def purposes(
    *,
    basis: st.SearchStrategy[LegalBasis] | None = None,
    ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Purpose]:
    """Purposes with any combination of fields, valid by construction."""
    return st.builds(
        Purpose,
        id=ids if ids is not None else _IDS,
        description=_TEXT,
        basis=basis if basis is not None else st.sampled_from(LegalBasis),
        categories=st.lists(st.sampled_from(DataCategory), max_size=5, unique=True),
        special_condition=st.none() | st.sampled_from(SpecialCategoryCondition),
        subjects=st.lists(_TEXT, max_size=2),
        provenance=st.lists(st.sampled_from(Provenance), min_size=1, max_size=3, unique=True),
        source=st.none() | _TEXT,
        recipients=st.lists(recipients(), max_size=2),
        transfers=st.lists(transfers(), max_size=2),
        retention=st.none() | retentions(),
        legitimate_interest=st.none() | _TEXT,
        balancing_test=st.none() | _TEXT,
        withdrawal=st.none() | _TEXT,
        consent_max_age=st.none() | durations(),
        direct_marketing=st.booleans(),
        automated=st.booleans(),
        automated_decisions=st.none() | _TEXT,
        requirement=st.none() | _TEXT,
    )


def registers(*, max_purposes: int = 6, unique_ids: bool = True) -> st.SearchStrategy[Register]:
    """Registers with up to ``max_purposes`` purposes (unique ids unless told otherwise)."""
    purpose_lists = st.lists(
        purposes(),
        max_size=max_purposes,
        unique_by=(lambda p: p.id) if unique_ids else None,
    )
    return st.builds(
        Register,
        controller=controllers(),
        purposes=purpose_lists,
        categories=st.lists(st.sampled_from(DataCategory), max_size=6, unique=True),
    )
