"""gdprkit.integrations.logging: IPMaskingFilter on real loggers and handlers."""

from __future__ import annotations

import io
import ipaddress
import logging
from collections.abc import Iterator

import pytest

from gdprkit.errors import InvalidType
from gdprkit.integrations.logging import IPMaskingFilter
from gdprkit.ip import TruncationMasker

GA = TruncationMasker.preset("ga")


class Counting:
    """A masker counting its calls (to see that a record is masked only once)."""

    name = "counting"
    key_id = None

    def __init__(self) -> None:
        self.calls = 0

    def apply(self, address: str) -> str:
        self.calls += 1
        return GA.apply(address)


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s|%(client)s"))
    handler.addFilter(IPMaskingFilter(GA))
    log = logging.getLogger("gdprkit.tests.logging")
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(handler)
    yield log, stream
    log.removeHandler(handler)


def test_message_args_and_extra_are_masked(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    log.info(
        "user %s logged in from %s (%d tries)",
        "alice",
        ipaddress.ip_address("2001:db8:aaaa:bbbb::1"),
        3,
        extra={"client": "[2001:db8:1:2::9]:443"},
    )
    assert (
        stream.getvalue()
        == "user alice logged in from 2001:db8:aaaa:: (3 tries)|[2001:db8:1::]:443\n"
    )


def test_mapping_args_nested_extras_and_template(
    logger: tuple[logging.Logger, io.StringIO],
) -> None:
    log, stream = logger
    log.info(
        "peer 10.1.2.3 says %(what)s", {"what": "hi 192.0.2.77"}, extra={"client": ["10.0.0.9"]}
    )
    assert stream.getvalue() == "peer 10.1.2.0 says hi 192.0.2.0|['10.0.0.0']\n"


def test_exception_text_is_masked(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    try:
        raise ConnectionError("refused by 198.51.100.200")
    except ConnectionError:
        log.exception("upstream failed", extra={"client": "-"})
    out = stream.getvalue()
    assert "198.51.100.200" not in out
    assert "ConnectionError: refused by 198.51.100.0" in out


def test_objects_whose_text_holds_an_address_become_masked_text() -> None:
    class Peer:
        def __str__(self) -> str:
            return "peer at 203.0.113.5:443"

    record = logging.makeLogRecord({"msg": "%s / %s", "args": (Peer(), 2.5)})
    IPMaskingFilter(GA).filter(record)
    assert record.getMessage() == "peer at 203.0.113.0:443 / 2.5"


def test_a_record_is_masked_once_even_with_two_filters() -> None:
    masker = Counting()
    first, second = IPMaskingFilter(masker), IPMaskingFilter(masker)
    record = logging.makeLogRecord({"msg": "from 192.0.2.1"})
    assert first.filter(record)
    assert second.filter(record)
    assert record.getMessage() == "from 192.0.2.0"
    assert masker.calls == 1


def test_the_name_restriction_of_logging_filter_still_applies() -> None:
    f = IPMaskingFilter(GA, name="shop")
    other = logging.makeLogRecord({"name": "elsewhere", "msg": "from 192.0.2.1"})
    assert f.filter(other) is False
    assert other.msg == "from 192.0.2.1"


def test_a_masker_is_required() -> None:
    with pytest.raises(InvalidType):
        IPMaskingFilter("ga")  # type: ignore[arg-type]
