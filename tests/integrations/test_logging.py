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


# Issue 17, class 8: the filter's default masks addresses after a path separator or a name and
# '/', as the CLI does, while product versions of a user agent stay (class 9).
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("GET /geo/203.0.113.7", "GET /geo/203.0.113.0"),
        ("IPV4/UDP/172.17.0.2/5060", "IPV4/UDP/172.17.0.0/5060"),  # Asterisk
        ("inside/10.10.123.45(51763)", "inside/10.10.123.0(51763)"),  # Cisco ASA
        ("client1/192.168.1.13:54321", "client1/192.168.1.0:54321"),  # OpenVPN
        ("- HIER_DIRECT/53.140.206.134 text/html", "- HIER_DIRECT/53.140.206.0 text/html"),  # Squid
        (
            "ua=Mozilla/5.0 (X11) Chrome/130.0.0.0 Safari/537.36",
            "ua=Mozilla/5.0 (X11) Chrome/130.0.0.0 Safari/537.36",
        ),
    ],
)
def test_default_masks_paths_and_keeps_versions(message: str, expected: str) -> None:
    record = logging.makeLogRecord({"msg": "%s", "args": (message,), "peer": message})
    IPMaskingFilter(GA).filter(record)
    assert record.getMessage() == expected
    assert record.peer == expected  # type: ignore[attr-defined]


def test_pickling_the_filter_drops_the_cache_of_client_addresses() -> None:
    # Issue 19, item 15: the masker's cache holds original addresses; pickled state must not.
    import pickle

    masker = TruncationMasker.preset("ga")
    handler_filter = IPMaskingFilter(masker)
    handler_filter.filter(logging.makeLogRecord({"msg": "login from 203.0.113.77"}))
    data = pickle.dumps(handler_filter)
    assert b"203.0.113.77" not in data
    restored = pickle.loads(data)  # noqa: S301 - our own bytes
    record = logging.makeLogRecord({"msg": "login from 203.0.113.77"})
    restored.filter(record)
    assert record.getMessage() == "login from 203.0.113.0"


def test_a_filter_with_a_keyed_masker_refuses_pickling() -> None:
    import pickle

    from gdprkit.ip import CryptoPAnMasker

    with pytest.raises(InvalidType, match="key"):
        pickle.dumps(IPMaskingFilter(CryptoPAnMasker(bytes(range(32)))))
