"""Erasure blockers the register declares ([[blockers]]), as schedules and erasure plans apply
them (issue 15 items 4 and 5, with the register's blockers of the notice work)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.register import Blocker, Controller, Purpose, Register, load_register
from gdprkit.retention import (
    ErasureBlocker,
    ErasureOutcome,
    Record,
    RetentionSchedule,
    erasure_plan,
)
from gdprkit.retention._declared import DeclaredBlocker
from gdprkit.testing import strategies as gst

UTC = dt.timezone.utc


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def retention(period: str, trigger: str) -> dict[str, str]:
    return {"description": period, "period": period, "trigger": trigger}


REGISTER = Register(
    Controller("Shop", "privacy@shop.example", country="AT"),
    purposes=[
        Purpose(
            id="account",
            description="Account",
            basis="contract",
            retention=retention("30 days", "account_closed"),
        ),
        Purpose(
            id="orders",
            description="Orders",
            basis="contract",
            retention=retention("30 days", "order_delivered"),
        ),
        Purpose(
            id="fraud_prevention",
            description="Fraud checks",
            basis="legitimate_interests",
            retention=retention("30 days", "checked"),
        ),
        Purpose(
            id="bookkeeping",
            description="Books",
            basis="legal_obligation",
            retention=retention("1 year", "invoice_issued"),
        ),
        Purpose(
            id="newsletter",
            description="News",
            basis="consent",
            withdrawal="link",
            direct_marketing=True,
            retention=retention("30 days", "last_activity"),
        ),
    ],
    blockers=[
        Blocker(
            id="misuse",
            kind="suspected_misuse",
            purposes=["fraud_prevention"],
            period="4 years",
            since="misuse_suspected",
            description="Suspected misuse of our services within the last four years",
        ),
        Blocker(
            id="books",
            kind="bookkeeping",
            purposes=["bookkeeping"],
            statutory={"document": "books_and_vouchers", "countries": ["AT"]},
            description="As long as Austrian book-keeping law requires",
        ),
        Blocker(
            id="open_orders",
            kind="open_order",
            purposes=["orders"],
            while_open=True,
            description="An order not yet delivered",
        ),
    ],
)


def test_period_blocker_counts_from_the_records_event_to_the_end_of_its_last_day() -> None:
    # "Suspected misuse within the last four years" from 2 May 2023 10:00: kept through the
    # whole of 2 May 2027 (Reg. 1182/71 Art. 3(2)(c)), released at 3 May 2027 00:00.
    schedule = RetentionSchedule.from_register(REGISTER)
    rec = Record(
        "fraud_prevention",
        "f-1",
        events={"checked": at(2023, 5, 1), "misuse_suspected": at(2023, 5, 2, 10)},
    )
    [during] = schedule.evaluate([rec], now=at(2027, 5, 2, 15))
    assert not during.due_now
    assert during.hold is not None
    assert during.hold.ground == "Art. 17(3)(e)"
    assert during.act_from == at(2027, 5, 3)
    [after] = schedule.evaluate([rec], now=at(2027, 5, 3))
    assert after.due_now
    # Without the event, nothing keeps the record past its own 30 days.
    [plain] = schedule.evaluate(
        [Record("fraud_prevention", "f-2", events={"checked": at(2023, 5, 1)})],
        now=at(2023, 6, 1),
    )
    assert plain.due_now
    assert plain.hold is None


def test_statutory_blocker_ends_with_the_statutory_rule() -> None:
    # The purpose says 1 year; the declared book-keeping blocker refers to §132(1) BAO (7 years
    # from the end of the calendar year, [S58][S59]): an invoice of 15 Mar 2024 is kept until
    # 1 Jan 2032, on Art. 17(3)(b).
    schedule = RetentionSchedule.from_register(REGISTER)
    rec = Record("bookkeeping", "inv", events={"invoice_issued": at(2024, 3, 15)})
    [decision] = schedule.evaluate([rec], now=at(2026, 1, 1))
    assert decision.due == at(2025, 3, 16)
    assert decision.act_from == at(2032, 1, 1)
    assert not decision.due_now
    plan = erasure_plan([rec], REGISTER, now=at(2026, 1, 1))
    [kept] = plan.keep
    assert kept.until == at(2032, 1, 1)
    assert kept.ground == "Art. 17(3)(b)"


def test_host_blockers_keep_only_the_purposes_the_register_declares() -> None:
    # An open order reported by the shop, without a purpose: the register says it keeps the
    # orders; the account (also on contract) and the newsletter are erased.
    records = [
        Record("account", "a", events={}, subject_id="c1"),
        Record("orders", "o", events={}, subject_id="c1"),
        Record("newsletter", "n", events={}, subject_id="c1"),
    ]
    plan = erasure_plan(
        records, REGISTER, at(2025, 6, 1), holds=[ErasureBlocker("open_order", subject="c1")]
    )
    assert {i.record_id for i in plan.keep} == {"o"}
    assert {i.record_id for i in plan.erase} == {"a", "n"}


def test_host_blocker_takes_the_registers_period() -> None:
    # A shop that declares misuse blocks for 4 years; the host reports only the fact and date.
    register = Register(
        REGISTER.controller,
        purposes=REGISTER.purposes,
        blockers=[
            Blocker(
                id="misuse",
                kind="suspected_misuse",
                purposes=["fraud_prevention", "orders"],
                period="2 years",
                description="Suspected misuse within two years",
            )
        ],
    )
    blocker = ErasureBlocker("misuse_suspected", subject="c1", at=at(2024, 1, 10))
    schedule = RetentionSchedule.from_register(register, holds=[blocker])
    assert {h.purpose for h in schedule.holds} == {"fraud_prevention", "orders"}
    assert {h.until for h in schedule.holds} == {at(2026, 1, 11)}


@given(
    event=gst.event_datetimes(min_year=2000, max_year=2090),
    years=st.integers(min_value=1, max_value=9),
)
def test_declared_period_end_is_the_midnight_after_its_last_day(
    event: dt.datetime, years: int
) -> None:
    # Reg. 1182/71 Art. 3(1), 3(2)(c), as the retention rules count.
    declared = DeclaredBlocker("p", "e", "r", "Art. 17(3)(e)", period=f"{years} years")
    end = declared.end(event)
    assert end is not None
    local = end.astimezone(event.tzinfo)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    last = local.date() - dt.timedelta(days=1)
    assert (last.year - event.year) == years
    assert last.month == event.month
    assert last.day == event.day or (event.month, event.day) == (2, 29)


@pytest.mark.parametrize("now", [at(2024, 1, 1), at(2030, 1, 1), at(2040, 1, 1)])
def test_consent_purposes_are_never_kept_by_a_declared_blocker(now: dt.datetime) -> None:
    # Art. 17(1)(b), 21(3): the register refuses such blockers; schedules never hold them.
    rec = Record("newsletter", "n", events={"last_activity": at(2023, 1, 1)}, subject_id="c1")
    plan = erasure_plan(
        [rec],
        REGISTER,
        now,
        holds=[ErasureBlocker(k, subject="c1") for k in ("open_case", "unsettled_debt")],
    )
    assert [i.outcome for i in plan.items] == [ErasureOutcome.ERASE]


def _books_register(statutory: dict[str, object]) -> Register:
    return Register(
        Controller("Shop", "privacy@shop.example", country="AT"),
        purposes=[
            Purpose(
                id="bookkeeping",
                description="Books",
                basis="legal_obligation",
                retention=retention("1 year", "invoice_issued"),
            )
        ],
        blockers=[
            Blocker(
                id="books",
                kind="bookkeeping",
                purposes=["bookkeeping"],
                statutory=statutory,
                description="As the book-keeping law requires",
            )
        ],
    )


def test_statutory_blocker_with_a_period_after_the_statutory_one() -> None:
    # "until 1 year after the statutory period ends": §132(1) BAO ends with 31 Dec 2031 for an
    # invoice of 15 Mar 2024; one more year ends with 31 Dec 2032.
    register = _books_register(
        {"document": "books_and_vouchers", "countries": ["AT"], "after": "1 year"}
    )
    rec = Record("bookkeeping", "inv", events={"invoice_issued": at(2024, 3, 15)})
    [decision] = RetentionSchedule.from_register(register).evaluate([rec], now=at(2026, 1, 1))
    assert decision.act_from == at(2033, 1, 1)


def test_statutory_blocker_without_a_number_of_years_holds_for_review() -> None:
    # Poland's VAT Act art. 112 row: "until the tax liability becomes time-barred" [S63], no
    # number of years: the record is held open-ended; a person decides.
    register = _books_register({"document": "vat_records_and_invoices", "countries": ["PL"]})
    rec = Record("bookkeeping", "inv", events={"invoice_issued": at(2024, 3, 15)})
    [decision] = RetentionSchedule.from_register(register).evaluate([rec], now=at(2030, 1, 1))
    assert decision.held
    assert decision.act_from is None
    assert not decision.due_now


# --- a real shop's register: Percenta's policy (examples/registers/percenta.toml, a seed) ---
PERCENTA = Path(__file__).resolve().parents[2] / "examples" / "registers" / "percenta.toml"


@pytest.mark.skipif(not PERCENTA.is_file(), reason="the seed registers are not in this checkout")
def test_percenta_policy_blockers() -> None:
    # The quoted policy: misuse "within the last four years"; a debt sold "within the last
    # three years, or one year for deceased customers"; book-keeping per the Bulgarian
    # Accountancy Act Art. 12 (10 years from 1 Jan after the reporting period, [S45][S201]).
    register = load_register(PERCENTA)
    misuse = Record(
        "misuse_prevention", "m", events={"misuse_suspected": at(2023, 5, 2, 10)}, subject_id="c"
    )
    schedule = RetentionSchedule.from_register(register)
    [decision] = schedule.evaluate([misuse], now=at(2027, 5, 2, 15))
    # The purpose keeps by a criterion (review), and the declared blocker holds it through
    # the whole of 2 May 2027.
    assert decision.hold is not None
    assert decision.hold.until == at(2027, 5, 3)
    assert decision.hold.ground == "Art. 17(3)(e)"
    books = Record("legal_obligations", "i", events={"document_date": at(2024, 3, 15)})
    [kept] = erasure_plan([books], register, now=at(2030, 1, 1)).keep
    # 10 years from 1 Jan 2025 (after the 2024 reporting period): released at 1 Jan 2035.
    assert kept.until == at(2035, 1, 1)
    assert kept.ground == "Art. 17(3)(b)"
    living = ErasureBlocker("debt_sold", subject="c", at=at(2024, 1, 10))
    dead = ErasureBlocker("debt_sold", subject="c", at=at(2024, 1, 10), deceased=True)
    holds = RetentionSchedule.from_register(register, holds=[living, dead]).holds
    ends = {(h.reason, h.purpose, h.until) for h in holds}
    assert ("debt sold", "online_purchase", at(2027, 1, 11)) in ends
    assert ("debt sold", "online_purchase", at(2025, 1, 11)) in ends
    assert {h.purpose for h in holds} == {"online_purchase"}


# -- to_dict / from_dict (what the Spark and Dask integrations ship to their workers) -------

_DECLARED = st.builds(
    DeclaredBlocker,
    purpose=st.sampled_from(("orders", "misuse_prevention")),
    event=st.sampled_from(("document_date", "misuse_suspected")),
    reason=st.text(max_size=20),
    ground=st.sampled_from(("Art. 17(3)(b)", "Art. 17(3)(e)")),
    period=st.none() | gst.durations(max_amount=10),
    rules=st.lists(gst.retention_rules(), max_size=2),
    after=st.none() | gst.durations(max_amount=10),
)


@given(_DECLARED, gst.event_datetimes())
def test_a_declared_blocker_survives_its_dict_and_ends_the_same(
    blocker: DeclaredBlocker, at: dt.datetime
) -> None:
    data = json.loads(json.dumps(blocker.to_dict()))
    back = DeclaredBlocker.from_dict(data)
    assert back == blocker
    try:
        end = blocker.end(at, zone=ZoneInfo("Europe/Sofia"))
    except InvalidInput:
        with pytest.raises(InvalidInput):
            back.end(at, zone=ZoneInfo("Europe/Sofia"))
    else:
        assert back.end(at, zone=ZoneInfo("Europe/Sofia")) == end


def test_a_bad_declared_blocker_dict_is_refused_by_type() -> None:
    good = DeclaredBlocker("orders", "document_date", "x", "Art. 17(3)(b)").to_dict()
    with pytest.raises(InvalidInput, match="version"):
        DeclaredBlocker.from_dict({**good, "version": 2})
    with pytest.raises(InvalidInput, match="unknown key"):
        DeclaredBlocker.from_dict({**good, "secret@example.com": 1})
    with pytest.raises(InvalidType, match="rules"):
        DeclaredBlocker.from_dict({**good, "rules": "10 years"})
    with pytest.raises(InvalidType, match="purpose"):
        DeclaredBlocker.from_dict({**good, "purpose": 3})
    with pytest.raises(InvalidType):
        DeclaredBlocker.from_dict([("purpose", "orders")])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        DeclaredBlocker.from_dict({**good, "period": "ten years"})
