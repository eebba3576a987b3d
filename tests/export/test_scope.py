"""The Art. 20 scope rule, stated as properties over generated purposes (FACTS.md §1c ✅ [S1])."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdprkit.export import Dataset, ExclusionReason, portability_exclusion, write_package
from gdprkit.law import LegalBasis, SpecialCategoryCondition
from gdprkit.register import Controller, Provenance, Purpose, Register
from gdprkit.testing import strategies as gst

WHEN = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone.utc)
_PORTABLE_BASES = {LegalBasis.CONSENT, LegalBasis.CONTRACT}


@given(purpose=gst.purposes(), include_observed=st.booleans())
def test_in_scope_exactly_when_article_20_1_holds(purpose: Purpose, include_observed: bool) -> None:
    # Art. 20(1)(a): consent under 6(1)(a) or 9(2)(a), or contract under 6(1)(b);
    # Art. 20(1)(b): by automated means; "provided by" the subject (observed only on opt-in).
    basis_ok = (
        purpose.basis in _PORTABLE_BASES
        or purpose.special_condition is SpecialCategoryCondition.EXPLICIT_CONSENT
    )
    provided = Provenance.PROVIDED in purpose.provenance or (
        include_observed and Provenance.OBSERVED in purpose.provenance
    )
    reason = portability_exclusion(purpose, include_observed=include_observed)
    assert (reason is None) == (basis_ok and purpose.automated and provided)
    if not basis_ok:
        assert reason is ExclusionReason.BASIS
    elif not purpose.automated:
        assert reason is ExclusionReason.NOT_AUTOMATED
    elif not provided:
        assert reason is ExclusionReason.PROVENANCE


@given(purpose=gst.purposes(basis=st.sampled_from([LegalBasis.PUBLIC_TASK])))
def test_public_task_is_never_portable(purpose: Purpose) -> None:
    # Art. 20(3): the right "shall not apply to processing necessary for ... a task carried out in
    # the public interest"; unless explicit consent also applies, the basis test fails.
    if purpose.special_condition is not SpecialCategoryCondition.EXPLICIT_CONSENT:
        assert portability_exclusion(purpose, include_observed=True) is ExclusionReason.BASIS


@given(purpose=gst.purposes())
def test_opting_in_to_observed_data_only_widens_scope(purpose: Purpose) -> None:
    if portability_exclusion(purpose) is None:
        assert portability_exclusion(purpose, include_observed=True) is None


@given(purpose=gst.purposes())
def test_derived_and_third_party_data_are_never_portable(purpose: Purpose) -> None:
    for provenance in (Provenance.DERIVED, Provenance.THIRD_PARTY):
        assert (
            portability_exclusion(purpose, provenance=[provenance], include_observed=True)
            is not None
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(register=gst.registers(max_purposes=5), include_observed=st.booleans())
def test_package_holds_exactly_the_in_scope_datasets(
    tmp_path_factory: pytest.TempPathFactory, register: Register, include_observed: bool
) -> None:
    datasets = [Dataset(f"d{i}", p.id, [{"i": i}]) for i, p in enumerate(register.purposes)]
    pkg = write_package(
        tmp_path_factory.mktemp("scope") / "p.zip",
        register,
        "tok",
        datasets,
        generated_at=WHEN,
        include_observed=include_observed,
    )
    expected = {
        d.name
        for d, p in zip(datasets, register.purposes, strict=True)
        if portability_exclusion(p, include_observed=include_observed) is None
    }
    assert set(pkg.dataset_names()) == expected
    excluded = {e["name"]: e["reason"] for e in pkg.manifest["excluded"]}
    assert set(excluded) == {d.name for d in datasets} - expected
    for dataset, purpose in zip(datasets, register.purposes, strict=True):
        if dataset.name in excluded:
            reason = portability_exclusion(purpose, include_observed=include_observed)
            assert reason is not None
            assert excluded[dataset.name] == reason.value


def test_explicit_consent_under_article_9_is_portable() -> None:
    register = Register(
        Controller(name="Shop", contact="privacy@shop.example"),
        [
            Purpose(
                id="health",
                description="Sizes",
                basis="legitimate_interests",
                special_condition="explicit_consent",
                categories=["health"],
            ),
        ],
    )
    # Art. 20(1)(a) names 9(2)(a) explicit consent as a portable basis of its own.
    assert portability_exclusion(register.purpose("health")) is None
