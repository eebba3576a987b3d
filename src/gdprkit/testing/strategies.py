"""Hypothesis strategies for gdprkit's value types and for the hard inputs of the field.

Every function returns a ``SearchStrategy`` and takes keyword-only options.  They are also
registered with :func:`hypothesis.strategies.register_type_strategy` (through the ``hypothesis``
entry point), so ``st.from_type(LegalBasis)`` just works.

Example:
    >>> from hypothesis import given
    >>> from gdprkit.testing import strategies as gst
    >>> @given(gst.aware_datetimes())
    ... def test_aware(moment):
    ...     assert moment.tzinfo is not None
    >>> test_aware()
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from gdprkit.law import DataCategory, LegalBasis, Right, SpecialCategoryCondition
from gdprkit.testing._st_consent import (
    consent_events,
    consent_histories,
    consents,
    cookie_consents,
    evidences,
    parental_authorisations,
)
from gdprkit.testing._st_export import (
    attachments,
    dataset_names,
    datasets,
    exclusion_reasons,
    json_records,
    json_values,
    purpose_information,
)
from gdprkit.testing._st_ip import (
    addresses_in_context,
    ip_address_forms,
    ip_addresses,
    ip_maskers,
    texts_with_addresses,
    x_forwarded_for_values,
)
from gdprkit.testing._st_law import (
    country_codes,
    digital_consent_ages,
    fact_sources,
    holiday_calendars,
    public_holidays,
    receipt_datetimes,
    statutory_retentions,
)
from gdprkit.testing._st_logs import log_addresses, log_lines, log_summaries
from gdprkit.testing._st_pseudonymise import (
    email_addresses,
    field_actions,
    key_ids,
    key_rings,
    phone_numbers,
    pseudonym_tokens,
)
from gdprkit.testing._st_register import (
    automated_decisions,
    blockers,
    controllers,
    cookies,
    custom_categories,
    durations,
    operations,
    promises,
    purposes,
    recipients,
    registers,
    retentions,
    statutory_references,
    transfers,
)
from gdprkit.testing._st_retention import (
    alignments,
    breach_records,
    erasure_blockers,
    event_datetimes,
    legal_holds,
    retention_records,
    retention_rules,
    retention_schedules,
    subject_requests,
)
from gdprkit.testing._st_spec import masker_specs  # issue 21

__all__ = [
    "addresses_in_context",
    "alignments",
    "attachments",
    "automated_decisions",
    "aware_datetimes",
    "blockers",
    "breach_records",
    "consent_events",
    "consent_histories",
    "consents",
    "controllers",
    "cookie_consents",
    "cookies",
    "country_codes",
    "custom_categories",
    "data_categories",
    "dataset_names",
    "datasets",
    "digital_consent_ages",
    "durations",
    "email_addresses",
    "erasure_blockers",
    "event_datetimes",
    "evidences",
    "exclusion_reasons",
    "fact_sources",
    "field_actions",
    "holiday_calendars",
    "ip_address_forms",
    "ip_addresses",
    "ip_maskers",
    "json_records",
    "json_values",
    "key_ids",
    "key_rings",
    "legal_bases",
    "legal_holds",
    "log_addresses",
    "log_lines",
    "log_summaries",
    "masker_specs",
    "operations",
    "parental_authorisations",
    "phone_numbers",
    "promises",
    "pseudonym_tokens",
    "public_holidays",
    "purpose_information",
    "purposes",
    "receipt_datetimes",
    "recipients",
    "registers",
    "retention_records",
    "retention_rules",
    "retention_schedules",
    "retentions",
    "rights",
    "special_category_conditions",
    "statutory_references",
    "statutory_retentions",
    "subject_requests",
    "texts_with_addresses",
    "transfers",
    "x_forwarded_for_values",
]

# Offsets seen in the shops' countries (UTC, CET/CEST, EET/EEST) and the extremes of the range.
_OFFSETS = (0, 1, 2, 3, -12, 14)


def aware_datetimes(
    *,
    min_value: dt.datetime = dt.datetime(1971, 1, 1),  # noqa: DTZ001 - bound for naive generation
    max_value: dt.datetime = dt.datetime(2200, 1, 1),  # noqa: DTZ001
) -> st.SearchStrategy[dt.datetime]:
    """Timezone-aware datetimes with a fixed offset (naive bounds, as Hypothesis requires)."""
    zones = st.sampled_from([dt.timezone(dt.timedelta(hours=h)) for h in _OFFSETS])
    return st.datetimes(min_value=min_value, max_value=max_value, timezones=zones)


def legal_bases() -> st.SearchStrategy[LegalBasis]:
    """Any Art. 6(1) legal basis."""
    return st.sampled_from(LegalBasis)


def special_category_conditions() -> st.SearchStrategy[SpecialCategoryCondition]:
    """Any Art. 9(2) condition."""
    return st.sampled_from(SpecialCategoryCondition)


def rights() -> st.SearchStrategy[Right]:
    """Any data-subject right."""
    return st.sampled_from(Right)


def data_categories(*, special: bool | None = None) -> st.SearchStrategy[DataCategory]:
    """Data categories; ``special=True``/``False`` restricts to Art. 9 or ordinary ones."""
    members = [c for c in DataCategory if special is None or c.special is special]
    return st.sampled_from(members)
