"""gdprkit.integrations.structlog: MaskIPAddresses in a real structlog chain."""

from __future__ import annotations

import builtins
import importlib
import ipaddress
import sys
from typing import Any

import pytest
import structlog  # noqa: TID251 - testing the structlog integration
from structlog.testing import capture_logs  # noqa: TID251

from gdprkit.errors import InvalidType, MissingDependency
from gdprkit.integrations.structlog import MaskIPAddresses
from gdprkit.ip import TruncationMasker

GA = TruncationMasker.preset("ga")


def test_processor_in_a_configured_chain_masks_every_value() -> None:
    rendered: list[str] = []

    def sink(_logger: Any, _name: str, event_dict: dict[str, Any]) -> str:
        rendered.append(structlog.processors.KeyValueRenderer(sort_keys=True)(None, "", event_dict))
        return ""

    log = structlog.wrap_logger(
        structlog.PrintLogger(),
        processors=[MaskIPAddresses(GA), sink],
    )
    log.info(
        "login from 198.51.100.23",
        peer=ipaddress.ip_address("2001:db8:5:6::1"),
        hops=["10.0.0.1", "10.0.0.2"],
        port=443,
    )
    assert rendered == [
        "event='login from 198.51.100.0' hops=['10.0.0.0', '10.0.0.0'] peer='2001:db8:5::' port=443"
    ]


def test_keys_limit_what_is_masked() -> None:
    with capture_logs(processors=[MaskIPAddresses(GA, keys=["client"])]) as logs:
        structlog.get_logger().info("from 10.1.2.3", client="10.1.2.3")
    assert logs == [{"event": "from 10.1.2.3", "client": "10.1.2.0", "log_level": "info"}]


def test_a_masker_is_required() -> None:
    with pytest.raises(InvalidType):
        MaskIPAddresses(None)  # type: ignore[arg-type]


def test_without_structlog_the_import_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def blocked(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "structlog" or name.startswith("structlog."):
            raise ImportError("No module named 'structlog'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", blocked)
    monkeypatch.delitem(sys.modules, "gdprkit.integrations.structlog")
    with pytest.raises(MissingDependency, match=r'pip install "gdprkit\[structlog\]"'):
        importlib.import_module("gdprkit.integrations.structlog")
    assert isinstance(MissingDependency("x"), ImportError)


def test_the_default_masks_paths_and_keeps_versions() -> None:
    # Issue 17, classes 8 and 9 together.
    from gdprkit.integrations.structlog import MaskIPAddresses
    from gdprkit.ip import TruncationMasker

    processor = MaskIPAddresses(TruncationMasker.preset("ga"))
    event = {
        "event": "lookup GET /geo/203.0.113.7",
        "sip": "IPV4/UDP/172.17.0.2/5060",
        "ua": "Mozilla/5.0 (X11) Chrome/130.0.0.0 Safari/537.36",
    }
    assert processor(None, "info", event) == {
        "event": "lookup GET /geo/203.0.113.0",
        "sip": "IPV4/UDP/172.17.0.0/5060",
        "ua": "Mozilla/5.0 (X11) Chrome/130.0.0.0 Safari/537.36",
    }
