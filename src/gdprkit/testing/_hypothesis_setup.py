"""Registered under the ``hypothesis`` entry point: teaches ``st.from_type`` gdprkit's types.

Hypothesis calls :func:`register_strategies` at the end of ``import hypothesis``; importing
gdprkit alone never imports Hypothesis.  The strategies are registered *deferred*: the hook must
not import :mod:`gdprkit.testing.strategies`, because that module imports Hypothesis itself, and
when a test file imports it first, Hypothesis runs this hook while the module is only half
initialised.  Each strategy is built on first use instead.
"""

from __future__ import annotations

from typing import Any


class _DeferredStrategies:
    """Stands in for :mod:`gdprkit.testing.strategies`: ``gst.purposes()`` is a deferred strategy.

    Example:
        >>> from hypothesis import find, strategies as st
        >>> from gdprkit.law import LegalBasis
        >>> find(st.from_type(LegalBasis), lambda basis: basis.value == "consent")
        <LegalBasis.CONSENT: 'consent'>
    """

    def __getattr__(self, name: str) -> Any:
        from hypothesis import strategies as st  # noqa: PLC0415 - only when Hypothesis asks

        def build(*args: Any, **kwargs: Any) -> Any:
            def resolve() -> Any:
                from gdprkit.testing import strategies  # noqa: PLC0415 - see the module docstring

                return getattr(strategies, name)(*args, **kwargs)

            return st.deferred(resolve)

        return build


def register_strategies() -> None:
    """Register a strategy for each public gdprkit value type."""
    from hypothesis import strategies as st  # noqa: PLC0415 - only when Hypothesis asks

    from gdprkit.law import (  # noqa: PLC0415
        DataCategory,
        LegalBasis,
        Right,
        SpecialCategoryCondition,
    )

    gst = _DeferredStrategies()

    st.register_type_strategy(LegalBasis, gst.legal_bases())
    st.register_type_strategy(SpecialCategoryCondition, gst.special_category_conditions())
    st.register_type_strategy(Right, gst.rights())
    st.register_type_strategy(DataCategory, gst.data_categories())

    from gdprkit import register as reg  # noqa: PLC0415

    st.register_type_strategy(reg.Duration, gst.durations())
    st.register_type_strategy(reg.Controller, gst.controllers())
    st.register_type_strategy(reg.Recipient, gst.recipients())
    st.register_type_strategy(reg.Transfer, gst.transfers())
    st.register_type_strategy(reg.Retention, gst.retentions())
    st.register_type_strategy(reg.Purpose, gst.purposes())
    st.register_type_strategy(reg.Register, gst.registers())
    st.register_type_strategy(reg.Operation, gst.operations())
    st.register_type_strategy(reg.StatutoryReference, gst.statutory_references())
    st.register_type_strategy(reg.CustomCategory, gst.custom_categories())
    st.register_type_strategy(reg.AutomatedDecision, gst.automated_decisions())
    st.register_type_strategy(reg.Promises, gst.promises())
    st.register_type_strategy(reg.Cookie, gst.cookies())
    st.register_type_strategy(reg.Blocker, gst.blockers())

    from gdprkit.ip import IPAddress, parse_address  # noqa: PLC0415

    st.register_type_strategy(IPAddress, gst.ip_address_forms().map(lambda f: parse_address(f[0])))

    from gdprkit.ip.logs import LogSummary  # noqa: PLC0415

    st.register_type_strategy(LogSummary, gst.log_summaries())

    from gdprkit.ip.spec import MaskerSpec  # noqa: PLC0415 - issue 21

    st.register_type_strategy(MaskerSpec, gst.masker_specs())

    from gdprkit.pseudonymise import KeyRing  # noqa: PLC0415

    st.register_type_strategy(KeyRing, gst.key_rings())

    from gdprkit.law import DigitalConsentAge, StatutoryRetention  # noqa: PLC0415

    st.register_type_strategy(DigitalConsentAge, gst.digital_consent_ages())
    st.register_type_strategy(StatutoryRetention, gst.statutory_retentions())

    from gdprkit.law import PublicHolidays, Source  # noqa: PLC0415

    st.register_type_strategy(Source, gst.fact_sources())
    st.register_type_strategy(PublicHolidays, gst.public_holidays())

    from gdprkit import consent  # noqa: PLC0415
    from gdprkit.consent import cookies  # noqa: PLC0415

    st.register_type_strategy(consent.Evidence, gst.evidences())
    st.register_type_strategy(consent.Consent, gst.consents())
    st.register_type_strategy(consent.ConsentEvent, gst.consent_events())
    st.register_type_strategy(consent.ParentalAuthorisation, gst.parental_authorisations())
    st.register_type_strategy(cookies.CookieConsent, gst.cookie_consents())

    from gdprkit import breach, requests, retention  # noqa: PLC0415

    st.register_type_strategy(retention.Alignment, gst.alignments())
    st.register_type_strategy(retention.RetentionRule, gst.retention_rules())
    st.register_type_strategy(retention.Record, gst.retention_records())
    st.register_type_strategy(retention.LegalHold, gst.legal_holds())
    st.register_type_strategy(retention.ErasureBlocker, gst.erasure_blockers())
    st.register_type_strategy(retention.RetentionSchedule, gst.retention_schedules())
    st.register_type_strategy(requests.SubjectRequest, gst.subject_requests())
    st.register_type_strategy(breach.BreachRecord, gst.breach_records())

    from gdprkit import export  # noqa: PLC0415

    st.register_type_strategy(export.ExclusionReason, gst.exclusion_reasons())
    st.register_type_strategy(export.PurposeInformation, gst.purpose_information())
    purpose_ids = st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z")
    st.register_type_strategy(export.Dataset, gst.datasets(purpose_ids))
    st.register_type_strategy(export.Attachment, gst.attachments(purpose_ids))

    from gdprkit.pseudonymise.records import FieldAction  # noqa: PLC0415

    st.register_type_strategy(FieldAction, gst.field_actions())
