"""Strategies for the register's value types (purposes, registers, durations)."""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from gdprkit.law import DataCategory, LegalBasis, SpecialCategoryCondition
from gdprkit.register import (
    EEA_COUNTRIES,
    AutomatedDecision,
    Blocker,
    BlockerReason,
    Controller,
    Cookie,
    CookieKind,
    CustomCategory,
    DecisionException,
    Duration,
    DurationUnit,
    Operation,
    Promises,
    Provenance,
    Purpose,
    Recipient,
    RecipientRole,
    Register,
    Retention,
    RetentionAction,
    Safeguard,
    StatutoryOf,
    StatutoryReference,
    Transfer,
)

__all__ = [
    "automated_decisions",
    "blockers",
    "controllers",
    "cookies",
    "custom_categories",
    "durations",
    "operations",
    "promises",
    "purposes",
    "recipients",
    "registers",
    "retentions",
    "statutory_references",
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
    """Transfers with any safeguard (including none), some to an unnamed third country."""
    named = st.builds(
        Transfer,
        country=_COUNTRIES,
        recipient=_TEXT,
        safeguard=st.sampled_from(Safeguard),
        reference=st.none() | _TEXT,
    )
    unnamed = st.builds(
        Transfer,
        recipient=_TEXT,
        destination=_TEXT,
        safeguard=st.sampled_from(Safeguard),
        reference=st.none() | _TEXT,
    )
    return named | unnamed


# Rows gdprkit.law holds (STATUTORY_RETENTION), so references resolve; "missing_row" never does.
_DOCUMENTS = st.sampled_from(
    [("accounting_registers", "BG"), ("books_and_records", "DE"), ("missing_row", "LV")]
)


def statutory_references() -> st.SearchStrategy[StatutoryReference]:
    """References to statutory retention rows, resolvable or not, some with an ``after``."""
    return st.builds(
        lambda pair, of, after, law: StatutoryReference(
            document=pair[0], countries=[pair[1]], of=of, after=after, law=law
        ),
        _DOCUMENTS,
        st.sampled_from(StatutoryOf),
        st.none() | durations(max_amount=10),
        st.none() | _TEXT,
    )


def operations(*, ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Operation]:
    """Parts of a purpose on their own basis, with or without the details the basis needs."""
    return st.builds(
        Operation,
        id=ids if ids is not None else _IDS,
        description=_TEXT,
        basis=st.sampled_from(LegalBasis),
        channels=st.lists(st.sampled_from(["email", "sms", "phone", "post"]), max_size=2),
        legitimate_interest=st.none() | _TEXT,
        balancing_test=st.none() | _TEXT,
        withdrawal=st.none() | _TEXT,
        law=st.none() | _TEXT,
        direct_marketing=st.none() | st.booleans(),
    )


def automated_decisions() -> st.SearchStrategy[AutomatedDecision]:
    """Art. 22 decisions with any subset of the safeguards."""
    return st.builds(
        AutomatedDecision,
        description=_TEXT,
        logic=st.none() | _TEXT,
        consequences=st.none() | _TEXT,
        exception=st.none() | st.sampled_from(DecisionException),
        human_review=st.booleans(),
        express_view=st.booleans(),
        contest=st.none() | _TEXT,
    )


def custom_categories() -> st.SearchStrategy[CustomCategory]:
    """Shop categories (ids prefixed ``x_`` so they never clash with built-in codes)."""
    return st.builds(
        CustomCategory,
        id=st.from_regex(r"\Ax_[a-z0-9]{1,8}\Z"),
        description=_TEXT,
        special=st.booleans(),
        criminal=st.booleans(),
    )


def promises() -> st.SearchStrategy[Promises]:
    """The shop's promises: an answer time (shorter or longer than the law's month) or none."""
    return st.builds(
        Promises,
        response_time=st.none() | durations(max_amount=60),
        policy_updates=st.none() | _TEXT,
    )


def cookies() -> st.SearchStrategy[Cookie]:
    """Cookies of any kind on any basis (so some are linted), tied to no purpose."""
    return st.builds(
        Cookie,
        name=_TEXT,
        kind=st.sampled_from(CookieKind),
        basis=st.sampled_from(LegalBasis),
        provider=st.none() | _TEXT,
        purpose=st.none(),
        duration=st.none() | _TEXT,
        description=st.none() | _TEXT,
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
    per_record = st.builds(
        Retention,
        description=_TEXT,
        period=st.none() | durations(),
        trigger=st.none() | _EVENTS,
        record=st.none() | _TEXT,
        country=st.none() | _COUNTRIES,
        statutory=st.none() | statutory_references(),
    )
    return st.one_of(with_period, with_criterion, vague, per_record)


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
        operations=st.lists(operations(), max_size=1),
        retentions=st.lists(retentions(), max_size=1),
        law=st.none() | _TEXT,
        decision=st.none() | automated_decisions(),
    )


def _keeps_nothing_protected(purpose: Purpose) -> bool:
    """Whether a blocker may keep this purpose (Art. 17(1)(b), 21(3): not consent, not DM)."""
    return not (
        purpose.is_consent_based
        or purpose.direct_marketing
        or any(op.basis is LegalBasis.CONSENT or op.direct_marketing for op in purpose.operations)
    )


def blockers(*, purpose_ids: tuple[str, ...] = ("orders",)) -> st.SearchStrategy[Blocker]:
    """Declared erasure blockers keeping some of ``purpose_ids`` (a register refuses them for
    consent-based or direct-marketing purposes, so pass only ids a blocker may keep)."""
    return st.builds(
        Blocker,
        id=_IDS,
        kind=st.sampled_from(BlockerReason),
        purposes=st.lists(st.sampled_from(purpose_ids), min_size=1, unique=True),
        description=_TEXT,
        period=st.none() | durations(max_amount=10),
        since=st.none() | _EVENTS,
        statutory=st.none() | statutory_references(),
        while_open=st.just(True),
        applies_to=st.none() | _TEXT,
        citation=st.none() | _TEXT,
    )


_BLOCKER_PARTS = st.tuples(
    _IDS,
    st.sampled_from(BlockerReason),
    _TEXT,
    durations(max_amount=10),
    st.none() | _EVENTS,
    st.none() | _TEXT,
)


@st.composite
def _register(draw: st.DrawFn, purpose_lists: st.SearchStrategy[list[Purpose]]) -> Register:
    shop = draw(st.lists(custom_categories(), max_size=3, unique_by=lambda c: c.id))
    items = draw(purpose_lists)
    if shop:
        ids = [c.id for c in shop]
        items = [
            attrs.evolve(p, other_categories=[i for i in ids if draw(st.booleans())]) for p in items
        ]
    keepable = sorted({p.id for p in items if _keeps_nothing_protected(p)})
    blockers: list[Blocker] = []
    if keepable and len({p.id for p in items}) == len(items):
        for ident, kind, description, period, since, citation in draw(
            st.lists(_BLOCKER_PARTS, max_size=2)
        ):
            kept = [i for i in keepable if draw(st.booleans())] or keepable[:1]
            blockers.append(
                Blocker(
                    id=ident,
                    kind=kind,
                    purposes=kept,
                    description=description,
                    period=period,
                    since=since,
                    citation=citation,
                )
            )
    purpose_ids = [p.id for p in items]
    cookie_list = draw(st.lists(cookies(), max_size=3))
    if purpose_ids:
        cookie_list = [
            attrs.evolve(c, purpose=draw(st.none() | st.sampled_from(purpose_ids)))
            for c in cookie_list
        ]
    return Register(
        controller=draw(controllers()),
        purposes=items,
        categories=draw(st.lists(st.sampled_from(DataCategory), max_size=6, unique=True)),
        custom_categories=shop,
        blockers=blockers,
        promises=draw(promises()),
        cookies=cookie_list,
    )


def registers(*, max_purposes: int = 6, unique_ids: bool = True) -> st.SearchStrategy[Register]:
    """Registers with up to ``max_purposes`` purposes (unique ids unless told otherwise), shop
    categories, erasure blockers (only on purposes a blocker may keep), promises and cookies."""
    purpose_lists = st.lists(
        purposes(),
        max_size=max_purposes,
        unique_by=(lambda p: p.id) if unique_ids else None,
    )
    return _register(purpose_lists)
