"""Shared set-up of the Flask integration tests: an app factory, clocks and evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import flask  # noqa: TID251 - the flask integration's tests

from gdprkit.consent import Consent, Evidence, notice_digest
from gdprkit.integrations.flask import GdprKit
from gdprkit.pseudonymise import KeyRing

REPO = Path(__file__).resolve().parents[2]
REGISTER = REPO / "examples" / "register.toml"
T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.timezone.utc)
KEYS = KeyRing.generate()


class Clock:
    """A settable wall clock and monotonic clock: tests move time instead of sleeping."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.moment = start
        self.seconds = 1000.0

    def now(self) -> dt.datetime:
        return self.moment

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, **delta: float) -> None:
        step = dt.timedelta(**delta)
        self.moment += step
        self.seconds += step.total_seconds()


def make_app(
    tmp_path: Path, clock: Clock | None = None, **config: Any
) -> tuple[flask.Flask, GdprKit, Clock]:
    """A bare app with GdprKit on the example register and a file store under ``tmp_path``."""
    clock = clock or Clock()
    app = flask.Flask("shop_test", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret",
        TESTING=True,
        GDPRKIT_REGISTER=str(REGISTER),
        GDPRKIT_KEYRING=KEYS,
    )
    app.config.update(config)
    gdpr = GdprKit(app, now=clock.now, monotonic=clock.monotonic)
    return app, gdpr, clock


def evidence(method: str = "checkbox") -> Evidence:
    return Evidence(
        method=method,
        notice_version="v1",
        notice_sha256=notice_digest("Send me offers"),
        locale="en",
        channel="web",
        collected_by="tests",
    )


def grant(purpose: str, at: dt.datetime = T0, *, granted: bool = True) -> Consent:
    return Consent(purpose, granted, at, evidence())
