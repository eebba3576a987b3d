"""Every validated identifier refuses a trailing newline (issue 19, item 7).

``re.match(r"^...$")`` accepts ``"value\\n"``: ``$`` also matches before a final newline.  Each
row builds a value whose validator used such a pattern, with the newline, and expects the typed
error; the row's second half shows the same value without it is fine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from gdprkit.consent import Consent, Evidence
from gdprkit.errors import InvalidInput
from gdprkit.export import Attachment, Dataset
from gdprkit.register import Purpose, Retention, Transfer

T0 = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)


def _evidence(**changes: str) -> Evidence:
    fields = {
        "method": "checkbox",
        "notice_version": "v1",
        "notice_sha256": "0" * 64,
        "locale": "en",
        "channel": "web",
        "collected_by": "checkout",
        **changes,
    }
    return Evidence(**fields)  # type: ignore[arg-type]


def _sqlalchemy_prefix(prefix: str) -> object:
    from gdprkit.consent.sqlalchemy import SQLAlchemyStore

    store = SQLAlchemyStore("sqlite://", prefix=prefix)
    store.close()
    return store


def _django_ledger(name: str) -> object:
    pytest.importorskip("django")
    from gdprkit.integrations.django.store import DjangoConsentStore

    return DjangoConsentStore(ledger=name, using="default")


CASES: dict[str, Callable[[str], object]] = {
    "django ledger name": lambda s: _django_ledger(f"shop{s}"),
    "consent purpose": lambda s: Consent(f"newsletter{s}", True, T0, _evidence()),
    "notice sha256": lambda s: _evidence(notice_sha256="0" * 64 + s),
    "locale": lambda s: _evidence(locale=f"en{s}"),
    "register purpose id": lambda s: Purpose(
        id=f"orders{s}", description="Orders", basis="contract"
    ),
    "transfer country": lambda s: Transfer(country=f"US{s}", recipient="Mailer"),
    "retention alignment": lambda s: Retention(
        description="books", period="10 years", trigger="order", alignment=f"end_of_year{s}"
    ),
    "dataset name": lambda s: Dataset(f"orders{s}", "orders", []),
    "attachment name": lambda s: Attachment(f"avatar.png{s}", "account", b"x"),
    "sqlalchemy prefix": lambda s: _sqlalchemy_prefix(f"shop{s}"),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("suffix", ["\n", "\r\n", "\n\n"])
def test_a_trailing_newline_is_refused(name: str, suffix: str) -> None:
    CASES[name]("")  # the value itself is valid
    with pytest.raises(InvalidInput):
        CASES[name](suffix)
