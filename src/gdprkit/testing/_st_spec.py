"""Hypothesis strategy for :class:`gdprkit.ip.spec.MaskerSpec` (the masker a cluster ships).

Re-exported by :mod:`gdprkit.testing.strategies`; import it from there.
"""

from __future__ import annotations

from hypothesis import strategies as st

from gdprkit.ip.spec import KEYED_METHODS, KEYLESS_METHODS, MaskerSpec

__all__ = ["masker_specs"]


@st.composite
def masker_specs(draw: st.DrawFn, *, keyed: bool | None = None) -> MaskerSpec:
    """Masker specs of every method, with their options and a key location (never a key).

    ``keyed=True`` draws only keyed methods (each with ``key_env`` or ``key_file``),
    ``keyed=False`` only keyless ones (truncation presets, ``truncate-V4-V6``, ``redact``).

    Example:
        >>> from hypothesis import given
        >>> from gdprkit.testing import strategies as gst
        >>> @given(gst.masker_specs(keyed=True))
        ... def test_keyed(spec):
        ...     assert spec.keyed and (spec.key_env or spec.key_file)
        >>> test_keyed()
    """
    truncations = st.builds("truncate-{}-{}".format, st.integers(0, 32), st.integers(0, 128))
    keyless = st.one_of(st.sampled_from(KEYLESS_METHODS), truncations)
    choices = {True: st.sampled_from(KEYED_METHODS), False: keyless}
    method = draw(choices[keyed] if keyed is not None else st.one_of(*choices.values()))
    keep_form, skip_reserved = draw(st.booleans()), draw(st.booleans())
    key_env = key_file = None
    if method in KEYED_METHODS:
        if draw(st.booleans()):
            key_env = draw(st.from_regex(r"[A-Z_][A-Z0-9_]{0,20}", fullmatch=True))
        else:
            key_file = draw(st.sampled_from(["ip.key", "/run/secrets/ip.key"]))
    return MaskerSpec(
        method,
        key_env=key_env,
        key_file=key_file,
        keep_form=keep_form,
        skip_reserved=skip_reserved,
    )
