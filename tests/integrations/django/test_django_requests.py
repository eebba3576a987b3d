"""The SubjectRequest model and its admin: deadlines, overdue, lifecycle actions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User  # noqa: TID251
from django.test import Client, override_settings  # noqa: TID251

from gdprkit.errors import InvalidTransition
from gdprkit.integrations.django.models import SubjectRequest
from gdprkit.requests import SubjectRequest as RequestValue

UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    yield
    SubjectRequest.objects.all().delete()
    User.objects.all().delete()


def _row(received: dt.datetime, *, reference: str | None = None) -> SubjectRequest:
    value = RequestValue(reference or uuid.uuid4().hex[:12], "access", received=received,
                         channel="email", subject_id="customer-7")  # fmt: skip
    row = SubjectRequest.from_value(value)
    row.save()
    return row


def test_deadline_and_steps_follow_the_value() -> None:
    received = dt.datetime(2025, 1, 31, 9, tzinfo=UTC)
    row = _row(received)
    row.refresh_from_db()
    assert row.deadline == row.value().deadline() == dt.date(2025, 2, 28)  # Art. 12(3)
    assert row.state == "open"
    row.step(lambda r: r.fulfil(received + dt.timedelta(days=3)))
    row.refresh_from_db()
    assert row.state == "fulfilled"
    assert row.closed_at == received + dt.timedelta(days=3)
    assert row.value().answered_in_time() is True


def test_a_refused_step_changes_nothing() -> None:
    row = _row(dt.datetime(2025, 1, 31, 9, tzinfo=UTC))
    before = dict(row.document)
    with pytest.raises(InvalidTransition):
        row.step(lambda r: r.identity_received(dt.datetime(2025, 2, 1, tzinfo=UTC)))
    row.refresh_from_db()
    assert row.document == before
    assert row.state == "open"


def test_holiday_country_rolls_the_deadline() -> None:
    # 26 Nov 2025 + 1 month = Fri 26 Dec 2025, St Stephen's Day in Austria: the period ends on
    # the next working day, Mon 29 Dec (Reg. 1182/71 Art. 3(4), FACTS.md §3d).
    received = dt.datetime(2025, 11, 26, 10, tzinfo=UTC)
    assert _row(received).deadline == dt.date(2025, 12, 26)
    with override_settings(GDPRKIT={"HOLIDAY_COUNTRY": "AT"}):
        assert _row(received).deadline == dt.date(2025, 12, 29)


def test_overdue_lists_exactly_the_late_open_requests() -> None:
    late = _row(NOW - dt.timedelta(days=40))
    _row(NOW - dt.timedelta(days=3))  # within its month
    answered = _row(NOW - dt.timedelta(days=50))
    answered.step(lambda r: r.fulfil(NOW - dt.timedelta(days=45)))
    paused = _row(NOW - dt.timedelta(days=40))
    # Identity asked for on day 2 and still outstanding: the clock stands still (Art. 12(6)).
    paused.step(lambda r: r.request_identity(NOW - dt.timedelta(days=38)))
    overdue = set(SubjectRequest.overdue(NOW).values_list("reference", flat=True))
    assert overdue == {late.reference}
    for row in SubjectRequest.objects.all():
        assert row.is_overdue(NOW) == (row.reference in overdue)


@pytest.fixture
def staff() -> Client:
    User.objects.create_superuser("admin", "admin@shop.example", "pw-for-tests-only")
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def test_admin_creates_lists_filters_and_steps(staff: Client) -> None:
    response = staff.post(
        "/admin/gdprkit/subjectrequest/add/",
        {"reference": "r-100", "right": "erasure", "channel": "web_form", "subject_id": "c-1",
         "received_0": (NOW - dt.timedelta(days=40)).date().isoformat(), "received_1": "09:00:00"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    _row(NOW - dt.timedelta(days=2), reference="r-101")
    row = SubjectRequest.objects.get(reference="r-100")
    assert row.state == "open"
    assert row.document["right"] == "erasure"

    listing = staff.get("/admin/gdprkit/subjectrequest/?overdue=yes")
    assert b"r-100" in listing.content
    assert b"r-101" not in listing.content
    # In words, not a green tick beside an overdue request.
    assert b"OVERDUE by" in listing.content
    assert b"icon-yes" not in listing.content
    everything = staff.get("/admin/gdprkit/subjectrequest/").content
    assert b"due in " in everything
    detail = staff.get(f"/admin/gdprkit/subjectrequest/{row.pk}/change/").content
    assert b"open: being answered" in detail
    assert b"received (web_form)" in detail  # the history in words, not the JSON document

    staff.post(
        "/admin/gdprkit/subjectrequest/",
        {"action": "fulfil", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.state == "fulfilled"
    # A second "fulfil" is refused by the lifecycle and reported, not saved.
    response = staff.post(
        "/admin/gdprkit/subjectrequest/",
        {"action": "fulfil", "_selected_action": [row.pk]},
        follow=True,
    )
    assert b"not allowed while fulfilled" in response.content
    row.refresh_from_db()
    assert len(row.document["events"]) == 1


def test_consent_events_are_read_only_in_the_admin(staff: Client) -> None:
    assert staff.get("/admin/gdprkit/consenteventrow/").status_code == 200
    assert staff.get("/admin/gdprkit/consenteventrow/add/").status_code == 403
