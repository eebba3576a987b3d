"""``flask gdpr check``, ``flask gdpr retention`` and ``flask gdpr export`` via the CLI runner."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import flask  # noqa: TID251 - the flask integration's tests
from _flask_support import REPO, T0, grant, make_app

from gdprkit.export import Dataset, read_package
from gdprkit.retention import Decision, Record

UTC = dt.timezone.utc


def _run(app: flask.Flask, *args: str) -> Any:
    try:  # click < 8.2 mixes stderr into the output unless told not to
        runner = app.test_cli_runner(mix_stderr=False)
    except TypeError:
        runner = app.test_cli_runner()
    return runner.invoke(args=["gdpr", *args])


# -- check --------------------------------------------------------------------------------------


def test_check_reports_register_keys_and_a_verified_ledger(tmp_path: Path) -> None:
    app, gdpr, _ = make_app(tmp_path)
    with app.app_context():
        gdpr.ledger.record("c-1", grant("direct_marketing"), now=T0)
    result = _run(app, "check")
    assert result.exit_code == 0, result.output
    assert "11 purposes, 0 error(s)" in result.output
    assert "consent ledger: 1 events, chain verified" in result.output


def test_check_finds_a_tampered_ledger(tmp_path: Path) -> None:
    app, gdpr, _ = make_app(tmp_path)
    with app.app_context():
        gdpr.ledger.record("c-1", grant("direct_marketing"), now=T0)
        gdpr.ledger.record("c-2", grant("direct_marketing"), now=T0)
        gdpr.state.close()
    with sqlite3.connect(tmp_path / "instance" / "gdprkit-consent.sqlite3") as db:
        db.execute("UPDATE consent_events SET body = replace(body, 'given', 'refused')")
    result = _run(app, "check")
    assert result.exit_code == 1
    assert "consent ledger broken at event 1" in result.output


def _edited_register(tmp_path: Path, line: str) -> str:
    text = (REPO / "examples" / "register.toml").read_text(encoding="utf-8")
    assert line in text
    path = tmp_path / "register.toml"
    path.write_text(text.replace(line, ""), encoding="utf-8")
    return str(path)


def test_check_fails_on_register_errors(tmp_path: Path) -> None:
    # A consent purpose that says nowhere how to withdraw is an error (Art. 7(3)).
    line = (
        'withdrawal = "E-mail privacy@dyqani.example or use the link in the confirmation e-mail"\n'
    )
    app, _, _ = make_app(tmp_path, GDPRKIT_REGISTER=_edited_register(tmp_path, line))
    result = _run(app, "check")
    assert result.exit_code == 1
    assert "consent-without-withdrawal" in result.output


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    # Legitimate interests without a balancing-test reference is a warning (Art. 5(2)).
    line = 'balancing_test = "LIA-2025-07 (fraud), on file with the DPO"\n'
    app, _, _ = make_app(tmp_path, GDPRKIT_REGISTER=_edited_register(tmp_path, line))
    result = _run(app, "check")
    assert result.exit_code == 0
    assert "1 warning(s)" in result.output
    assert _run(app, "check", "--strict").exit_code == 1


def test_check_refuses_unusable_configuration_in_one_line(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, GDPRKIT_KEYRING="env:NO_SUCH_VARIABLE_FOR_GDPRKIT")
    result = _run(app, "check")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "NO_SUCH_VARIABLE_FOR_GDPRKIT" in result.stderr
    app, _, _ = make_app(
        tmp_path,
        GDPRKIT_COOKIE_PURPOSES={"statistics": "order_fulfilment"},
        GDPRKIT_COOKIE_NOTICE="cookies",
    )
    result = _run(app, "check")
    assert result.exit_code == 2
    assert "'order_fulfilment' is not a consent purpose" in result.stderr


# -- retention ----------------------------------------------------------------------------------


def _records() -> list[Record]:
    return [
        Record("cctv", "clip-old", events={"recorded": dt.datetime(2025, 1, 1, tzinfo=UTC)}),
        Record("cctv", "clip-new", events={"recorded": dt.datetime(2025, 3, 1, tzinfo=UTC)}),
        Record("competitions", "entry-1", events={}),
    ]


def _retention_app(tmp_path: Path) -> tuple[flask.Flask, list[Decision]]:
    app, gdpr, _ = make_app(tmp_path, GDPRKIT_STORE_URL="memory://")
    acted: list[Decision] = []
    gdpr.records_loader(_records)
    gdpr.retention_handler(acted.append)
    return app, acted


def test_retention_acts_on_due_decisions_only(tmp_path: Path) -> None:
    app, acted = _retention_app(tmp_path)
    result = _run(app, "retention")
    assert result.exit_code == 0, result.stderr
    # CCTV: 30 days after recording (register); the January clip is due on 3 Mar 2025, the
    # March one is not; the competition entry lacks its trigger event, so it needs a review.
    assert sorted((d.record_id, d.action.value) for d in acted) == [
        ("clip-old", "delete"),
        ("entry-1", "review"),
    ]
    assert "3 records; acted on 2 (delete 1, review 1)" in result.stderr


def test_retention_dry_run_lists_and_touches_nothing(tmp_path: Path) -> None:
    app, acted = _retention_app(tmp_path)
    result = _run(app, "retention", "--dry-run")
    assert result.exit_code == 0
    assert acted == []
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(r["record_id"] for r in rows) == ["clip-old", "entry-1"]
    assert all("subject_id" not in r for r in rows)
    assert "would act on 2" in result.stderr
    later = _run(app, "retention", "--dry-run", "--now", "2025-04-15T00:00:00+00:00")
    assert sorted(json.loads(x)["record_id"] for x in later.stdout.splitlines()) == [
        "clip-new",
        "clip-old",
        "entry-1",
    ]


def test_retention_needs_its_callbacks(tmp_path: Path) -> None:
    app, gdpr, _ = make_app(tmp_path, GDPRKIT_STORE_URL="memory://")
    result = _run(app, "retention", "--dry-run")
    assert result.exit_code == 2
    assert "records_loader" in result.stderr
    gdpr.records_loader(_records)
    result = _run(app, "retention")
    assert result.exit_code == 2
    assert "retention_handler" in result.stderr
    assert _run(app, "retention", "--dry-run", "--now", "2025-03-01").exit_code == 2


# -- export -------------------------------------------------------------------------------------


def _export_app(tmp_path: Path) -> flask.Flask:
    app, gdpr, _ = make_app(tmp_path, GDPRKIT_STORE_URL="memory://")
    orders = {"c-1": [{"order": "A-1", "total": "12.50"}, {"order": "A-2", "total": "3.00"}]}

    @gdpr.datasets_loader
    def datasets(subject: str) -> list[Dataset]:
        return [Dataset("orders", "order_fulfilment", orders.get(subject, []))]

    return app


def test_export_writes_a_verifiable_package_and_report(tmp_path: Path) -> None:
    app = _export_app(tmp_path)
    out = tmp_path / "c-1.zip"
    report = tmp_path / "c-1.html"
    result = _run(app, "export", "c-1", "-o", str(out), "--report", str(report))
    assert result.exit_code == 0, result.stderr
    package = read_package(out)
    assert package.load() == {
        "orders": [{"order": "A-1", "total": "12.50"}, {"order": "A-2", "total": "3.00"}]
    }
    with app.app_context():
        assert package.subject == app.extensions["gdprkit"].ledger.pseudonym("c-1")
    assert package.subject != "c-1"
    html = report.read_text(encoding="utf-8")
    assert "A-2" in html
    json_report = tmp_path / "c-1.json"
    assert _run(app, "export", "c-1", "-o", str(out), "--report", str(json_report)).exit_code == 0
    assert json.loads(json_report.read_text(encoding="utf-8"))["datasets"]


def test_export_errors_are_one_line(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, GDPRKIT_STORE_URL="memory://")
    result = _run(app, "export", "c-1", "-o", str(tmp_path / "x.zip"))
    assert result.exit_code == 2
    assert "datasets_loader" in result.stderr
    app = _export_app(tmp_path)
    result = _run(app, "export", "c-1", "-o", str(tmp_path / "missing" / "x.zip"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "missing").exists()


def test_export_of_an_unknown_subject_says_so_and_writes_nothing(tmp_path: Path) -> None:
    # Issue 19 #16: an empty package with exit 0 would let staff answer a request with nothing.
    app = _export_app(tmp_path)
    out = tmp_path / "nobody.zip"
    result = _run(app, "export", "nobody", "-o", str(out))
    assert result.exit_code == 1
    assert "no data found for this subject" in result.stderr
    assert "nobody" not in result.stderr
    assert not out.exists()
    result = _run(app, "export", "nobody", "-o", str(out), "--allow-empty")
    assert result.exit_code == 0
    assert read_package(out).load() == {"orders": []}


def test_export_keeps_the_records_of_a_one_shot_loader(tmp_path: Path) -> None:
    app, gdpr, _ = make_app(tmp_path, GDPRKIT_STORE_URL="memory://")

    @gdpr.datasets_loader
    def datasets(subject: str) -> list[Dataset]:
        rows = ({"order": f"A-{i}"} for i in range(3))  # a cursor: iterable once
        return [Dataset("orders", "order_fulfilment", rows)]

    out = tmp_path / "c.zip"
    assert _run(app, "export", "c-1", "-o", str(out)).exit_code == 0
    assert [r["order"] for r in read_package(out).load()["orders"]] == ["A-0", "A-1", "A-2"]
