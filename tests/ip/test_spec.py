"""MaskerSpec: the picklable description of a masker builds what ``gdprkit ip mask`` builds.

Differential against the command line's own builder (``gdprkit.cli._ip.build_masker``) and key
file reader (``read_key_file``); properties for what a spec must never do (hold or show a key).
"""

from __future__ import annotations

import base64
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprkit.cli._ip import build_masker, read_key_file
from gdprkit.errors import InvalidInput, InvalidType, KeyMaterialError
from gdprkit.ip.spec import KEYED_METHODS, KEYLESS_METHODS, MaskerSpec, parse_key_text
from gdprkit.testing import strategies as gst

KEY_SIZES = {"cryptopan": 32, "ipcrypt-pfx": 32, "ipcrypt-deterministic": 16, "hmac": 32}
METHODS = st.sampled_from([*KEYLESS_METHODS, *KEYED_METHODS, "truncate-20-40", "truncate-32-0"])


@st.composite
def specs_with_keys(draw: st.DrawFn) -> tuple[MaskerSpec, bytes | None]:
    method = draw(METHODS)
    options = {"keep_form": draw(st.booleans()), "skip_reserved": draw(st.booleans())}
    if method == "hmac":
        options["keep_form"] = False  # the CLI's hmac masker has no keep_form
    if method not in KEYED_METHODS:
        return MaskerSpec(method, **options), None
    key = draw(st.binary(min_size=KEY_SIZES[method], max_size=KEY_SIZES[method]))
    if method == "ipcrypt-pfx" and key[:16] == key[16:]:
        key = key[:16] + bytes(b ^ 1 for b in key[16:])  # the draft forbids equal halves
    return MaskerSpec(method, key_env="K", **options), key


# Building a Crypto-PAn masker sets up a cipher per call: no per-example deadline.
@settings(deadline=None)
@given(specs_with_keys(), st.lists(gst.ip_address_forms().map(lambda f: f[0]), max_size=8))
def test_builds_what_the_command_line_builds(
    spec_key: tuple[MaskerSpec, bytes | None], addresses: list[str]
) -> None:
    spec, key = spec_key
    environ = {"K": "hex:" + key.hex()} if key is not None else {}
    ours = spec.build(environ=environ)
    cli = build_masker(
        spec.method, key=key, skip_reserved=spec.skip_reserved, keep_form=spec.keep_form
    )
    assert ours.key_id == cli.key_id
    assert [ours.apply(a) for a in addresses] == [cli.apply(a) for a in addresses]


@settings(deadline=None)
@given(specs_with_keys())
def test_a_pinned_spec_pickles_prints_and_serialises_without_its_key(
    spec_key: tuple[MaskerSpec, bytes | None],
) -> None:
    spec, key = spec_key
    environ = {"K": base64.b64encode(key).decode()} if key is not None else {}
    pinned = spec.pinned(environ=environ)
    assert pickle.loads(pickle.dumps(pinned)) == pinned  # noqa: S301 - our own bytes
    assert MaskerSpec.from_dict(pinned.to_dict()) == pinned
    if key is not None:
        assert pinned.key_id == spec.build(environ=environ).key_id
        for shown in (repr(pinned), str(pinned.to_dict())):
            assert key.hex() not in shown
            assert base64.b64encode(key).decode() not in shown
        assert key not in pickle.dumps(pinned)


@given(st.binary(min_size=1, max_size=48), st.sampled_from(["hex", "HEX", "b64", "url", "pfx"]))
def test_key_text_reads_like_a_key_file(key: bytes, style: str) -> None:
    text = {
        "hex": key.hex(),
        "HEX": "hex:" + key.hex().upper(),
        "b64": base64.b64encode(key).decode(),
        "url": base64.urlsafe_b64encode(key).decode().rstrip("="),
        "pfx": "base64:" + base64.b64encode(key).decode(),
    }[style]
    hex_only = all(c in "0123456789abcdefABCDEF" for c in text) and len(text) % 2 == 0
    if style in {"b64", "url"} and hex_only:
        # Unprefixed text of hex digits is hex, for both readers ("AAAA" is b'\xaa\xaa').
        assert parse_key_text(text, source="t") == bytes.fromhex(text)
        return
    assert parse_key_text(text, source="t") == key


def test_key_text_and_key_file_agree(tmp_path: Path) -> None:
    path = tmp_path / "k"
    for text in ("00ff" * 8, " hex:00FF\n00ff ", "AAECAw==", "base64:AAECAw", "-_-_"):
        path.write_text(text)
        assert parse_key_text(text, source="t") == read_key_file(path)
    for bad in ("", "   ", "hex:0g", "!!!!"):
        with pytest.raises(KeyMaterialError) as info:
            parse_key_text(bad, source="env X")
        assert "env X" in str(info.value)


def test_a_wrong_key_is_refused_by_fingerprint() -> None:
    spec = MaskerSpec("cryptopan", key_env="K").pinned(environ={"K": "00" * 32})
    with pytest.raises(KeyMaterialError, match="fingerprint") as info:
        spec.build(environ={"K": "01" * 32})
    assert "01" * 32 not in str(info.value)


def test_key_files_are_read_and_resolved(tmp_path: Path) -> None:
    (tmp_path / "ip.key").write_text("hex:" + "00" * 32)
    spec = MaskerSpec("hmac", key_file="ip.key")
    masker = spec.build(resolve_path=lambda name: str(tmp_path / name))
    assert masker.apply("192.0.2.1").startswith("ip1-")
    with pytest.raises(KeyMaterialError, match=r"ip\.key"):
        spec.build()  # relative to the working directory: not there


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: MaskerSpec("sha1"), InvalidInput),
        (lambda: MaskerSpec("truncate-33-0"), InvalidInput),
        (lambda: MaskerSpec("hmac"), InvalidInput),
        (lambda: MaskerSpec("hmac", key_env="A", key_file="b"), InvalidInput),
        (lambda: MaskerSpec("ga", key_env="A"), InvalidInput),
        (lambda: MaskerSpec("hmac", key_env="NOT A NAME"), InvalidInput),
        (lambda: MaskerSpec("ga", keep_form="yes"), InvalidType),
        (lambda: MaskerSpec(3), InvalidType),
        (lambda: MaskerSpec.from_dict({"version": 2, "method": "ga"}), InvalidInput),
        (lambda: MaskerSpec("cryptopan", key_env="K").build(environ={"K": "00" * 8}), InvalidInput),
    ],
)
def test_bad_specs_raise_typed_errors(make: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        make()  # type: ignore[operator]


@given(gst.masker_specs())
def test_every_spec_round_trips_through_dict_and_pickle(spec: MaskerSpec) -> None:
    assert MaskerSpec.from_dict(spec.to_dict()) == spec
    assert pickle.loads(pickle.dumps(spec)) == spec  # noqa: S301 - our own bytes
    assert spec.keyed == (spec.key_env is not None or spec.key_file is not None)
