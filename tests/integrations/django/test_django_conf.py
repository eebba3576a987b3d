"""The GDPRKIT settings dict: parsing, the register, the key ring sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings  # noqa: TID251

from gdprkit.errors import ConfigurationError, KeyMaterialError
from gdprkit.integrations.django.conf import (
    GdprkitSettings,
    get_holidays,
    get_keyring,
    get_register,
)
from gdprkit.pseudonymise import KeyRing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"REGISTR": "x.toml"}, "unknown GDPRKIT setting 'REGISTR'"),
        ({"REGISTER": 42}, "REGISTER"),
        ({"KEYRING": b"raw bytes"}, "KEYRING"),
        ({"HOLIDAY_COUNTRY": ""}, "HOLIDAY_COUNTRY"),
        ({"CONSENT_COOKIE": 7}, "CONSENT_COOKIE"),
        (["REGISTER"], "must be a dict"),
    ],
)
def test_bad_settings_are_named(data: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        GdprkitSettings.from_mapping(data)  # type: ignore[arg-type]


def test_defaults() -> None:
    conf = GdprkitSettings.from_mapping({})
    assert (conf.register, conf.keyring, conf.consent_cookie, conf.consent_database) == (
        None, None, "gdprkit_consent", "default",
    )  # fmt: skip


def test_the_key_ring_is_not_in_the_repr() -> None:
    ring = KeyRing.generate()
    text = repr(GdprkitSettings.from_mapping({"KEYRING": ring}))
    assert ring.to_secret_json() not in text
    assert "keyring" not in text


def test_register_is_read_from_the_settings() -> None:
    assert "order_fulfilment" in get_register()
    with override_settings(GDPRKIT={}), pytest.raises(ConfigurationError, match="REGISTER"):
        get_register()


def test_key_ring_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ring = KeyRing.generate(key_id="f1")
    path = tmp_path / "keys.json"
    ring.write_file(path)
    with override_settings(GDPRKIT={"KEYRING": f"file:{path}"}):
        assert get_keyring().ids == ("f1",)
    monkeypatch.setenv("SHOP_RING", ring.to_secret_json())
    with override_settings(GDPRKIT={"KEYRING": "env:SHOP_RING"}):
        assert get_keyring().ids == ("f1",)
    with override_settings(GDPRKIT={"KEYRING": "vault:x"}), pytest.raises(KeyMaterialError):
        get_keyring()
    with (
        override_settings(GDPRKIT={"KEYRING": "env:NOT_SET_ANYWHERE"}),
        pytest.raises(KeyMaterialError, match="NOT_SET_ANYWHERE"),
    ):
        get_keyring()


def test_holidays_follow_the_country() -> None:
    assert get_holidays() is None
    with override_settings(GDPRKIT={"HOLIDAY_COUNTRY": "AT"}):
        import datetime as dt

        calendar = get_holidays()
        assert calendar is not None
        assert dt.date(2025, 12, 26) in calendar  # St Stephen's Day, Austria
