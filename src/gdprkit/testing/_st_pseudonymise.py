"""Hypothesis strategies for gdprkit.pseudonymise: key rings, tokens, e-mail addresses, phones.

Re-exported by :mod:`gdprkit.testing.strategies`.
"""

from __future__ import annotations

from hypothesis import strategies as st

from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical, records
from gdprkit.pseudonymise.keyring import MIN_KEY_BYTES
from gdprkit.pseudonymise.records import FieldAction

__all__ = [
    "email_addresses",
    "field_actions",
    "key_ids",
    "key_rings",
    "phone_numbers",
    "pseudonym_tokens",
]

_KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-"
_LOCAL_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"
_LABEL_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def key_ids() -> st.SearchStrategy[str]:
    """Valid key-ring key ids (1-16 of ``a-z0-9-``, not starting with ``-``)."""
    first = st.sampled_from(_KEY_ID_ALPHABET[:-1])
    rest = st.text(alphabet=_KEY_ID_ALPHABET, max_size=15)
    return st.builds(lambda a, b: a + b, first, rest)


def key_rings(*, min_keys: int = 1, max_keys: int = 3) -> st.SearchStrategy[KeyRing]:
    """Key rings of ``min_keys`` to ``max_keys`` distinct 256- to 512-bit keys; any one active."""

    @st.composite
    def build(draw: st.DrawFn) -> KeyRing:
        ids = draw(st.lists(key_ids(), min_size=min_keys, max_size=max_keys, unique=True))
        materials = draw(
            st.lists(
                st.binary(min_size=MIN_KEY_BYTES, max_size=2 * MIN_KEY_BYTES),
                min_size=len(ids),
                max_size=len(ids),
                unique=True,
            )
        )
        active = draw(st.sampled_from(ids))
        return KeyRing(list(zip(ids, materials, strict=True)), active=active)

    return build()


def email_addresses(*, unicode_local: bool = False) -> st.SearchStrategy[str]:
    """E-mail addresses ``local@domain`` with mixed case (ASCII local part unless asked)."""
    local_chars = (
        st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="@")
        if unicode_local
        else st.sampled_from(_LOCAL_ALPHABET)
    )
    local = st.text(alphabet=local_chars, min_size=1, max_size=20)
    label = st.text(alphabet=_LABEL_ALPHABET, min_size=1, max_size=12)
    domain = st.lists(label, min_size=2, max_size=3).map(".".join)
    return st.builds(lambda lo, do: f"{lo}@{do}", local, domain)


def phone_numbers(*, formatted: bool = True) -> st.SearchStrategy[str]:
    """Phone numbers: optional ``+``, 3-15 digits (ITU-T E.164 maximum), optional separators."""
    digits = st.text(alphabet="0123456789", min_size=3, max_size=15)
    plain = st.builds(lambda plus, d: ("+" if plus else "") + d, st.booleans(), digits)
    if not formatted:
        return plain

    @st.composite
    def spaced(draw: st.DrawFn) -> str:
        number = draw(plain)
        out = []
        for char in number:
            out.append(char)
            if char.isdigit():
                out.append(draw(st.sampled_from(["", "", "", " ", "-", ".", "/"])))
        return "".join(out)

    return spaced()


def pseudonym_tokens(
    *, keyring: KeyRing | None = None, domain: str = "test"
) -> st.SearchStrategy[str]:
    """``ps1`` tokens of generated text (under ``keyring``, or a generated ring)."""
    rings = st.just(keyring) if keyring is not None else key_rings()
    return st.builds(
        lambda ring, value: Pseudonymiser(ring, domain=domain, canonicaliser=canonical.exact).token(
            value
        ),
        rings,
        st.text(max_size=40),
    )


def field_actions() -> st.SearchStrategy[FieldAction]:
    """Record-policy actions that need no key: keep, drop, e-mail domain, generalisations."""
    return st.one_of(
        st.just(records.keep()),
        st.just(records.drop()),
        st.just(records.email_domain()),
        st.sampled_from(["year", "month"]).map(lambda unit: records.generalise_date(unit=unit)),
        st.integers(2, 20).map(lambda width: records.age_band(width=width)),  # width >= 2
        st.integers(1, 5).map(lambda length: records.postcode_prefix(length=length)),
    )
