"""Hypothesis strategies for :mod:`gdprkit.consent` (re-exported by ``testing.strategies``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from gdprkit.consent import (
    Consent,
    ConsentEvent,
    EventKind,
    Evidence,
    Method,
    ObjectionGround,
    ParentalAuthorisation,
    notice_digest,
)
from gdprkit.consent.cookies import CookieCategory, CookieConsent

__all__ = [
    "consent_events",
    "consent_histories",
    "consents",
    "cookie_consents",
    "evidences",
    "parental_authorisations",
]

_UTC = dt.timezone.utc
_START = dt.datetime(2024, 1, 1, tzinfo=_UTC)
_LOCALES = ("en", "de", "de-AT", "fr-FR", "sq-AL", "bg", "pt-BR")
_CHANNELS = ("web", "email", "app", "phone", "paper")
_PURPOSE_IDS = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)


def _moments(start: dt.datetime = _START, days: int = 400) -> st.SearchStrategy[dt.datetime]:
    offsets = st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=1)),
                               dt.timezone(dt.timedelta(hours=2))])  # fmt: skip
    seconds = st.integers(min_value=0, max_value=days * 86400)
    return st.builds(lambda s, tz: (start + dt.timedelta(seconds=s)).astimezone(tz), seconds,
                     offsets)  # fmt: skip


def parental_authorisations() -> st.SearchStrategy[ParentalAuthorisation]:
    """Parental authorisations (Art. 8(1)) with a method, a time and an optional reference."""
    return st.builds(
        ParentalAuthorisation,
        method=st.sampled_from(["email_confirmation", "signed_form", "card_check"]),
        at=_moments(),
        reference=st.none() | st.text("abcdef0123456789-", min_size=1, max_size=20),
    )


def evidences(
    *, methods: tuple[Method, ...] | None = None, child: bool | None = False
) -> st.SearchStrategy[Evidence]:
    """Valid :class:`~gdprkit.consent.Evidence` values (every clear affirmative method).

    ``child=True`` always adds a parental authorisation, ``None`` sometimes does.
    """
    chosen = tuple(Method) if methods is None else methods
    if child is True:
        parental: st.SearchStrategy[Any] = parental_authorisations()
    elif child is None:
        parental = st.none() | parental_authorisations()
    else:
        parental = st.none()

    def build(method: Method, notice: str, confirmed: dt.datetime, **kw: Any) -> Evidence:
        return Evidence(
            method=method,
            notice_sha256=notice_digest(notice),
            confirmed_at=confirmed if method is Method.DOUBLE_OPT_IN else None,
            **kw,
        )

    return st.builds(
        build,
        method=st.sampled_from(chosen),
        notice=st.text(min_size=1, max_size=60),
        confirmed=_moments(),
        notice_version=st.from_regex(r"v[0-9]{1,3}(\.[0-9]{1,2})?", fullmatch=True),
        locale=st.sampled_from(_LOCALES),
        channel=st.sampled_from(_CHANNELS),
        collected_by=st.sampled_from(["checkout", "banner", "settings", "staff-7", "api"]),
        ip=st.none() | st.sampled_from(["203.0.113.0", "198.51.100.0", "2001:db8:abcd::"]),
        user_agent=st.none() | st.text(max_size=40),
        parental_authorisation=parental,
    )


def consents(
    *,
    purposes: st.SearchStrategy[str] | None = None,
    granted: bool | None = None,
) -> st.SearchStrategy[Consent]:
    """:class:`~gdprkit.consent.Consent` decisions, granted or refused, with evidence."""
    return st.builds(
        Consent,
        purpose=_PURPOSE_IDS if purposes is None else purposes,
        granted=st.booleans() if granted is None else st.just(granted),
        at=_moments(),
        evidence=evidences(),
    )


def consent_events(
    *, kinds: tuple[EventKind, ...] | None = None
) -> st.SearchStrategy[ConsentEvent]:
    """:class:`~gdprkit.consent.ConsentEvent` values of every kind."""

    def build(
        kind: EventKind,
        purpose: str,
        at: dt.datetime,
        *,
        evidence: Evidence,
        ttl: int | None,
        ground: ObjectionGround,
    ) -> ConsentEvent:
        decision = kind in (EventKind.GIVEN, EventKind.REFUSED, EventKind.RENEWED)
        return ConsentEvent(
            kind=kind,
            purpose=purpose,
            at=at,
            expires_at=at + dt.timedelta(days=ttl) if decision and ttl else None,
            evidence=evidence if decision else None,
            ground=ground if kind is EventKind.OBJECTED else None,
        )

    return st.builds(
        build,
        kind=st.sampled_from(tuple(EventKind) if kinds is None else kinds),
        purpose=_PURPOSE_IDS,
        at=_moments(),
        evidence=evidences(),
        ttl=st.none() | st.integers(min_value=1, max_value=400),
        ground=st.sampled_from(ObjectionGround),
    )


def consent_histories(
    *,
    subjects: tuple[str, ...] = ("alice", "bob"),
    purposes: tuple[str, ...] = ("newsletter", "profiling"),
    max_size: int = 30,
) -> st.SearchStrategy[list[tuple[str, str, str, int, int | None]]]:
    """Sequences of ``(operation, subject, purpose, minute, ttl_minutes)`` steps.

    ``operation`` is ``give``, ``refuse``, ``withdraw``, ``object`` or ``expire``; ``minute``
    is the event time in minutes after a fixed start (not monotonic: back-dated entries
    happen); ``ttl_minutes`` is an expiry for ``give``/``refuse`` or ``None``.  Feed them to a
    ledger and to a reference model to compare states.
    """
    step = st.tuples(
        st.sampled_from(["give", "refuse", "withdraw", "object", "expire"]),
        st.sampled_from(subjects),
        st.sampled_from(purposes),
        st.integers(min_value=0, max_value=200),
        st.none() | st.integers(min_value=1, max_value=120),
    )
    return st.lists(step, max_size=max_size)


def cookie_consents(
    *, policy_versions: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[CookieConsent]:
    """:class:`~gdprkit.consent.cookies.CookieConsent` choices (decided on whole seconds)."""
    return st.builds(
        CookieConsent,
        granted=st.frozensets(st.sampled_from(CookieCategory)),
        policy_version=(
            st.from_regex(r"[A-Za-z0-9._-]{1,32}", fullmatch=True)
            if policy_versions is None
            else policy_versions
        ),
        decided_at=_moments().map(lambda m: m.replace(microsecond=0)),
    )
