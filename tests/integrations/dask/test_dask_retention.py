"""Retention decisions on Dask equal RetentionSchedule.evaluate; bad input fails on the client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dask.bag as db
import dask.dataframe as dd
import pandas as pd
import pytest
from _lake_support import (
    NOW,
    expected_decisions,
    retention_rows,
    retention_schedule,
    zoned_events,
    zoned_rows,
    zoned_schedule,
)

from gdprkit.errors import InvalidInput, InvalidType, KeyMaterialError, NaiveDatetimeError, NotFound
from gdprkit.integrations.dask import (
    TokenSpec,
    mask_ip_column,
    mask_log_bag,
    pseudonymise_column,
    retention_decisions,
)
from gdprkit.ip.spec import MaskerSpec

EVENTS = ("delivered", "recorded", "unsubscribed")


def _frame(rows: list[dict[str, object]], npartitions: int) -> Any:
    table = pd.DataFrame(rows)
    for name in EVENTS:
        table[name] = pd.to_datetime(table[name], utc=True)
    return dd.from_pandas(table, npartitions=npartitions)


def test_decisions_equal_evaluate(client: Any) -> None:
    rows = retention_rows(300)
    out = retention_decisions(
        _frame(rows, 6), retention_schedule(), now=NOW, subject_id="subject_id"
    ).compute()
    got = []
    for rec in out.itertuples():
        due = None if pd.isna(rec.retention_due) else rec.retention_due.to_pydatetime()
        act = None if pd.isna(rec.retention_act_from) else rec.retention_act_from.to_pydatetime()
        got.append(
            (rec.retention_action, due, act, bool(rec.retention_due_now), rec.retention_reason)
        )
    assert got == expected_decisions(rows)
    assert out["record_id"].tolist() == [r["record_id"] for r in rows]


def test_iso_text_events_decide_the_same(client: Any) -> None:
    rows = retention_rows(60)
    text = pd.DataFrame(
        [
            {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in r.items()}
            for r in rows
        ]
    )
    out = retention_decisions(
        dd.from_pandas(text, npartitions=3), retention_schedule(), now=NOW, subject_id="subject_id"
    ).compute()
    assert out["retention_action"].tolist() == [d[0] for d in expected_decisions(rows)]
    assert out["retention_due_now"].tolist() == [d[3] for d in expected_decisions(rows)]


def test_a_naive_timestamp_column_is_refused_on_the_client() -> None:
    table = pd.DataFrame(
        {"purpose": ["cctv"], "record_id": ["1"], "recorded": [pd.Timestamp("2026-01-01 10:00")]}
    )
    with pytest.raises(NaiveDatetimeError, match="'recorded'"):
        retention_decisions(dd.from_pandas(table, npartitions=1), retention_schedule(), now=NOW)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        retention_decisions(
            _frame(retention_rows(3), 1), retention_schedule(), now=dt.datetime(2026, 1, 1)
        )


def test_non_string_and_missing_columns_are_refused() -> None:
    frame = dd.from_pandas(pd.DataFrame({"ip": [1, 2], "name": ["a", "b"]}), npartitions=1)
    with pytest.raises(InvalidType, match="'ip' must hold strings"):
        mask_ip_column(frame, "ip", MaskerSpec("ga"))
    with pytest.raises(NotFound, match="'client_ip'"):
        mask_ip_column(frame, "client_ip", MaskerSpec("ga"))
    with pytest.raises(InvalidType):
        retention_decisions(frame, retention_schedule(), now=NOW, purpose="ip", record_id="name")
    with pytest.raises(InvalidType, match="Bag"):
        mask_log_bag(frame, MaskerSpec("ga"))  # type: ignore[arg-type]


def test_a_missing_key_is_refused_on_the_client() -> None:
    bag = db.from_sequence(["from 192.0.2.1\n"])
    with pytest.raises(KeyMaterialError, match="GDPRKIT_TEST_ABSENT") as info:
        mask_log_bag(bag, MaskerSpec("hmac", key_env="GDPRKIT_TEST_ABSENT"), environ={})
    assert "Traceback" not in str(info.value)
    frame = dd.from_pandas(pd.DataFrame({"email": ["a@b.example"]}), npartitions=1)
    with pytest.raises(KeyMaterialError):
        pseudonymise_column(frame, "email", TokenSpec("email", keyring_env="NO_RING"), environ={})


def test_bad_options_are_refused() -> None:
    bag = db.from_sequence(["x\n"])
    with pytest.raises(InvalidInput, match="format"):
        mask_log_bag(bag, MaskerSpec("ga"), format="apache")
    with pytest.raises(InvalidInput, match="fields"):
        mask_log_bag(bag, MaskerSpec("ga"), format="combined", fields=["ip"])
    with pytest.raises(InvalidInput, match="encoding"):
        mask_log_bag(bag, MaskerSpec("ga"), encoding="no-such-codec")


def test_a_zoned_register_schedule_with_blockers_decides_as_evaluate(client: Any) -> None:
    # A register with controller.time_zone and [[blockers]]: the zone and the declared blockers
    # reach the workers; row 0 is stored in UTC on 31 December, 1 January in Sofia.
    schedule = zoned_schedule()
    events = zoned_events(schedule)
    rows = zoned_rows(schedule, 200)
    table = pd.DataFrame(rows)
    for name in events:
        table[name] = pd.to_datetime(table[name], utc=True)
    out = retention_decisions(
        dd.from_pandas(table, npartitions=4), schedule, now=NOW, subject_id="subject_id"
    ).compute()
    got = []
    for rec in out.itertuples():
        due = None if pd.isna(rec.retention_due) else rec.retention_due.to_pydatetime()
        act = None if pd.isna(rec.retention_act_from) else rec.retention_act_from.to_pydatetime()
        got.append(
            (rec.retention_action, due, act, bool(rec.retention_due_now), rec.retention_reason)
        )
    assert got == expected_decisions(rows, schedule, events)
    assert "2026-01-01" in got[0][4]  # the local day, not the UTC one
