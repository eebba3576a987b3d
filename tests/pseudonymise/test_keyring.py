"""KeyRing: construction, the documented JSON form, HKDF sub-keys, and that no secret leaks."""

from __future__ import annotations

import base64
import copy
import json
import pickle
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import ConfigurationError, InvalidInput, InvalidType, KeyMaterialError, NotFound
from gdprkit.pseudonymise import KeyRing
from gdprkit.testing import strategies as gst

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 164))


def _doc(*entries: tuple[str, bytes], active: str | None = None) -> str:
    keys = [{"id": k, "key": base64.b64encode(v).decode()} for k, v in entries]
    doc: dict[str, object] = {"version": 1, "keys": keys}
    if active is not None:
        doc["active"] = active
    return json.dumps(doc)


def test_last_key_is_active_by_default_and_ids_keep_order() -> None:
    ring = KeyRing([("k1", KEY_A), ("k2", KEY_B)])
    assert ring.ids == ("k1", "k2")
    assert ring.active_id == "k2"
    assert KeyRing({"k1": KEY_A, "k2": KEY_B}, active="k1").active_id == "k1"
    assert "k1" in ring
    assert len(ring) == 2


@pytest.mark.parametrize("size", [0, 16, 31])
def test_keys_below_256_bits_are_refused(size: int) -> None:
    with pytest.raises(KeyMaterialError, match="at least 256") as info:
        KeyRing([("k1", b"\x07" * size)])
    assert isinstance(info.value, ConfigurationError)
    with pytest.raises(KeyMaterialError):
        KeyRing.generate(size=size)


@pytest.mark.parametrize("key_id", ["", "K1", "a.b", "-a", "a" * 17, "ä"])
def test_malformed_key_ids_are_refused(key_id: str) -> None:
    with pytest.raises(InvalidInput):
        KeyRing([(key_id, KEY_A)])


def test_duplicate_ids_unknown_active_and_empty_ring_are_refused() -> None:
    with pytest.raises(InvalidInput, match="twice"):
        KeyRing([("k1", KEY_A), ("k1", KEY_B)])
    with pytest.raises(InvalidInput, match="active"):
        KeyRing([("k1", KEY_A)], active="k2")
    with pytest.raises(KeyMaterialError):
        KeyRing([])
    with pytest.raises(InvalidType):
        KeyRing([("k1", "not bytes")])  # type: ignore[list-item]


def test_rotate_adds_an_active_key_and_keeps_the_old_ones() -> None:
    ring = KeyRing.generate()
    rotated = ring.rotate()
    assert rotated.ids == ("k1", "k2")
    assert rotated.active_id == "k2"
    assert ring.ids == ("k1",), "rings are immutable"
    assert rotated.derive("x", key_id="k1") == ring.derive("x", key_id="k1")
    assert rotated.rotate(key_id="2027").active_id == "2027"
    assert rotated.without("k1").ids == ("k2",)
    with pytest.raises(InvalidInput, match="active"):
        rotated.without("k2")
    with pytest.raises(NotFound):
        rotated.without("k9")


def test_ring_is_immutable() -> None:
    ring = KeyRing.generate()
    with pytest.raises(AttributeError):
        ring._active = "k9"  # type: ignore[misc]


def test_json_round_trip_and_documented_form() -> None:
    ring = KeyRing([("k1", KEY_A), ("k2", KEY_B)], active="k1")
    doc = json.loads(ring.to_secret_json())
    assert doc["version"] == 1
    assert doc["active"] == "k1"
    assert [e["id"] for e in doc["keys"]] == ["k1", "k2"]
    assert base64.b64decode(doc["keys"][1]["key"]) == KEY_B
    again = KeyRing.from_json(ring.to_secret_json())
    assert again.ids == ring.ids
    assert again.active_id == "k1"
    assert again.derive("email", key_id="k2") == ring.derive("email", key_id="k2")


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        "[]",
        json.dumps({"version": 2, "keys": []}),
        json.dumps({"version": 1}),
        json.dumps({"version": 1, "keys": [{"id": "k1"}]}),
        json.dumps({"version": 1, "keys": [{"id": "k1", "key": "!!!notbase64"}]}),
        json.dumps({"version": 1, "keys": [{"id": 7, "key": "AAAA"}]}),
        json.dumps({"version": 1, "keys": [], "active": 3}),
        _doc(("k1", b"short")),
        _doc(("K1", KEY_A)),
        _doc(("k1", KEY_A), active="k2"),
    ],
)
def test_malformed_documents_raise_key_material_error(document: str) -> None:
    with pytest.raises(KeyMaterialError):
        KeyRing.from_json(document)


def test_from_env_reads_the_named_variable() -> None:
    env = {"SHOP_KEYS": _doc(("k1", KEY_A))}
    assert KeyRing.from_env("SHOP_KEYS", environ=env).ids == ("k1",)
    with pytest.raises(KeyMaterialError, match="GDPRKIT_KEYRING"):
        KeyRing.from_env(environ={})
    with pytest.raises(KeyMaterialError, match="SHOP_KEYS"):
        KeyRing.from_env("SHOP_KEYS", environ={"SHOP_KEYS": ""})


def test_from_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDPRKIT_KEYRING", _doc(("k3", KEY_B)))
    assert KeyRing.from_env().active_id == "k3"


def test_write_file_then_from_file(tmp_path: Path) -> None:
    ring = KeyRing([("k1", KEY_A)])
    target = tmp_path / "keys.json"
    ring.write_file(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert KeyRing.from_file(target).derive("a") == ring.derive("a")
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"], "no temporary file left"
    with pytest.raises(KeyMaterialError, match="cannot read"):
        KeyRing.from_file(tmp_path / "missing.json")


def test_derive_follows_rfc5869_hkdf_with_the_documented_label() -> None:
    ring = KeyRing([("k1", KEY_A)])
    expected = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gdprkit/v1/email"
    ).derive(KEY_A)
    assert ring.derive("email") == expected
    assert len(ring.derive("email", length=64)) == 64
    with pytest.raises(InvalidInput):
        ring.derive("")
    with pytest.raises(InvalidInput):
        ring.derive("x", length=8)
    with pytest.raises(NotFound):
        ring.derive("x", key_id="k2")


@given(gst.key_rings(min_keys=2, max_keys=3), st.text(min_size=1), st.text(min_size=1))
def test_sub_keys_differ_between_purposes_and_keys(ring: KeyRing, a: str, b: str) -> None:
    first, second = ring.ids[0], ring.ids[1]
    assert ring.derive(a, key_id=first) != ring.derive(a, key_id=second)
    if a != b:
        assert ring.derive(a) != ring.derive(b)


@given(gst.key_rings())
def test_no_key_material_in_repr_str_or_errors(ring: KeyRing) -> None:
    doc = json.loads(ring.to_secret_json())
    secrets_ = [base64.b64decode(e["key"]) for e in doc["keys"]]
    texts = [repr(ring), str(ring), f"{ring}"]
    for call in (
        lambda: ring.derive("x", key_id="zz-not-there"),
        lambda: ring.without(ring.active_id),
        lambda: ring.with_key(ring.ids[0], secrets_[0]),
        lambda: pickle.dumps(ring),
    ):
        with pytest.raises(Exception) as info:  # noqa: PT011 - each call raises its own type
            call()
        texts.append(str(info.value))
        texts.append(repr(info.value))
    for secret in secrets_:
        for text in texts:
            assert secret.hex() not in text
            assert base64.b64encode(secret).decode() not in text
            assert repr(secret)[2:-1] not in text


def test_bad_base64_error_does_not_quote_the_document() -> None:
    material = "QUJD" * 3 + "!"  # invalid base64 that looks like key text
    doc = json.dumps({"version": 1, "keys": [{"id": "k1", "key": material}]})
    with pytest.raises(KeyMaterialError) as info:
        KeyRing.from_json(doc)
    assert material not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_pickling_raises_and_copy_returns_the_same_ring() -> None:
    ring = KeyRing.generate()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(InvalidType, match="cannot be pickled"):
            pickle.dumps(ring, protocol=protocol)
    assert copy.copy(ring) is ring
    assert copy.deepcopy({"r": ring})["r"] is ring


def test_generated_keys_are_random() -> None:
    a, b = KeyRing.generate(), KeyRing.generate()
    assert a.derive("x") != b.derive("x")
