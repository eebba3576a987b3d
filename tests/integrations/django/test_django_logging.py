"""Client addresses never reach Django's log handlers raw."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import pytest
from django.test import Client  # noqa: TID251
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.integrations.django.logging_config import ClientIPFilter, masked_logging
from gdprkit.testing import strategies as gst

RAW = ("203.0.113.42", "198.51.100.7", "2001:db8:1:2::7")


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def loggers() -> Iterator[None]:
    names = ["django", "django.request", "django.server"]
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate) for n in names}
    yield
    for name, (handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate = propagate


def test_a_404_logged_by_django_request_is_masked(loggers: None) -> None:
    keep = _Keep()
    keep.addFilter(ClientIPFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(keep)
    logger.propagate = False
    response = Client().get(
        "/lookup/198.51.100.7/",
        REMOTE_ADDR="203.0.113.42",
        HTTP_X_FORWARDED_FOR="2001:db8:1:2::7, 198.51.100.7",
    )
    assert response.status_code == 404
    [record] = keep.records
    text = record.getMessage() + repr(sorted(record.request.META.items(), key=str))
    assert not any(raw in text for raw in RAW)
    assert record.request.META["REMOTE_ADDR"] == "203.0.113.0"  # GA truncation: /24
    assert record.getMessage() == "Not Found: /lookup/198.51.100.0/"
    assert record.request.path == "/lookup/198.51.100.7/"  # still a request object for handlers


def test_masked_logging_puts_the_filter_on_every_handler(loggers: None) -> None:
    stream = io.StringIO()
    base = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"out": {"class": "logging.StreamHandler", "stream": stream}},
        "loggers": {"django.server": {"handlers": ["out"], "level": "INFO", "propagate": False}},
    }
    logging.config.dictConfig(masked_logging(base=base, preset="matomo2"))
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /?ip=203.0.113.42 HTTP/1.1", "200", "5", extra={"peer": RAW[0]}
    )
    written = stream.getvalue()
    assert "203.0.0.0" in written  # matomo2: IPv4 to /16
    assert not any(raw in written for raw in RAW)


def test_django_defaults_keep_their_handlers_and_gain_the_filter() -> None:
    config = masked_logging()
    assert set(config["handlers"]) == {"console", "django.server", "mail_admins"}
    assert all(h["filters"][0] == "gdprkit_client_ip" for h in config["handlers"].values())
    assert config["filters"]["gdprkit_client_ip"]["preset"] == "ga"


def test_a_record_passing_two_handlers_is_masked_once() -> None:
    from gdprkit.ip import TruncationMasker

    calls: list[str] = []
    truncate = TruncationMasker.preset("ga")

    class Counting:
        def apply(self, address: str) -> str:
            calls.append(address)
            return str(truncate.apply(address))

    masking = ClientIPFilter(masker=Counting())
    record = logging.makeLogRecord(
        {"msg": "Not Found: %s", "args": ("/u/203.0.113.42/ from 198.51.100.7",)}
    )
    assert masking.filter(record)
    assert masking.filter(record)
    assert record.getMessage() == "Not Found: /u/203.0.113.0/ from 198.51.100.0"
    assert sorted(calls) == ["198.51.100.7", "203.0.113.42"]


@given(
    address=gst.ip_addresses(),
    forwarded=gst.x_forwarded_for_values(),
    word=st.sampled_from(["u", "lookup", "ip", "v1"]),
)
def test_every_client_address_is_masked_as_the_masker_says(
    address: str, forwarded: str, word: str
) -> None:
    from django.test import RequestFactory  # noqa: TID251

    from gdprkit.ip import TruncationMasker

    masker = TruncationMasker.preset("ga")
    path = f"/{word}/{address}/"
    request = RequestFactory().get(path, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=forwarded)
    record = logging.makeLogRecord(
        {"msg": "Not Found: %s", "args": (path,), "request": request, "status_code": 404}
    )
    assert ClientIPFilter(masker=masker).filter(record)
    assert record.getMessage() == f"Not Found: /{word}/{masker.apply(address)}/"
    assert record.request.META["REMOTE_ADDR"] == masker.apply(address)
    hops = [hop.strip() for hop in forwarded.split(",")]
    masked_hops = [hop.strip() for hop in record.request.META["HTTP_X_FORWARDED_FOR"].split(",")]
    assert masked_hops == [masker.apply(hop) for hop in hops]
