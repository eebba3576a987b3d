"""What a host application hands to the exports: datasets, attachments, a redaction hook."""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.law import LegalBasis
from gdprkit.register import Provenance, Purpose

__all__ = [
    "Attachment",
    "Dataset",
    "ExclusionReason",
    "Redactor",
    "portability_exclusion",
]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,99}")
_FILE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")


def _dataset_name(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InvalidInput(
            f"{attribute.name} must be 1-100 letters, digits, '_' or '-' (it becomes a file "
            "name in the package), starting with a letter or digit"
        )


def _purpose_id(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{attribute.name} must be the id of a purpose in the register")


def _attachment_name(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string")
    parts = value.split("/")
    if not all(_FILE_PART.fullmatch(part) and ".." not in part for part in parts) or len(parts) > 8:
        raise InvalidInput(
            f"{attribute.name} must be a relative path of up to 8 parts, each of letters, digits, "
            "'_', '-' or '.' (no '..'), e.g. 'photos/avatar.jpg'"
        )


def _one_provenance(value: object) -> Provenance:
    try:
        return Provenance(value)
    except ValueError:
        accepted = ", ".join(repr(p.value) for p in Provenance)
        raise InvalidInput(f"provenance must be one of {accepted}") from None


def _provenance_or_none(value: object) -> tuple[Provenance, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, Provenance)):
        return (_one_provenance(value),)
    if isinstance(value, Iterable):
        return tuple(_one_provenance(v) for v in value)
    raise InvalidType("provenance must be a Provenance or a list of them")


def _records(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidType(f"{attribute.name} must be an iterable of mappings (one per record)")


@attrs.frozen(eq=False)
class Dataset:
    """A named set of one subject's records, tied to the register purpose it is processed for.

    ``records`` is any iterable of mappings (a list, a generator over a database cursor); the
    exports consume it once, lazily, batch by batch.  ``provenance`` says where *these* data come
    from when it is narrower than the purpose's (a purpose that keeps both the orders a customer
    placed and a fraud score it derived can export them as two datasets); by default the
    purpose's provenance applies.

    Raises:
        InvalidInput: the name is not usable as a file name, or the purpose id is empty.
        InvalidType: ``records`` is not an iterable of records.

    Example:
        >>> ds = Dataset("orders", "order_fulfilment", [{"order": "A-1", "total": "19.90"}])
        >>> ds.name, ds.purpose
        ('orders', 'order_fulfilment')
    """

    name: str = attrs.field(validator=_dataset_name)
    purpose: str = attrs.field(validator=_purpose_id)
    records: Iterable[Mapping[str, Any]] = attrs.field(validator=_records, repr=False)
    provenance: tuple[Provenance, ...] | None = attrs.field(
        default=None, converter=_provenance_or_none, kw_only=True
    )
    description: str | None = attrs.field(default=None, kw_only=True)


def _content(value: object) -> bytes | Path:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (str, os.PathLike)):
        return Path(value)
    raise InvalidType("content must be bytes or a path to a file")


@attrs.frozen(eq=False)
class Attachment:
    """A file that belongs to a subject's data (a photo, a scanned form), stored under ``files/``.

    ``content`` is either the bytes or a path to a file that is streamed into the package.

    Raises:
        InvalidInput: ``name`` is not a safe relative path.
        InvalidType: ``content`` is neither bytes nor a path.

    Example:
        >>> Attachment("avatar.png", "account", b"\\x89PNG...").name
        'avatar.png'
    """

    name: str = attrs.field(validator=_attachment_name)
    purpose: str = attrs.field(validator=_purpose_id)
    content: bytes | Path = attrs.field(converter=_content, repr=False)
    provenance: tuple[Provenance, ...] | None = attrs.field(
        default=None, converter=_provenance_or_none, kw_only=True
    )
    media_type: str | None = attrs.field(default=None, kw_only=True)


class Redactor(Protocol):
    """Removes third parties' data from a subject's record before it is exported (Art. 20(4),
    Art. 15(4): a copy "shall not adversely affect the rights and freedoms of others").

    Return the record to export (a new mapping, or the same one), or ``None`` to leave the record
    out entirely.  Called once per record, for the package and the access report alike.

    Example:
        >>> def hide_recipient(dataset, record):
        ...     return {k: v for k, v in record.items() if k != "gift_recipient"}
        >>> hide_recipient("orders", {"order": "A-1", "gift_recipient": "someone else"})
        {'order': 'A-1'}
    """

    def __call__(
        self, dataset: str, record: Mapping[str, Any], /
    ) -> Mapping[str, Any] | None: ...  # pragma: no cover - protocol


class ExclusionReason(str, enum.Enum):
    """Why a dataset is outside the right to data portability (Art. 20(1) GDPR [S1]).

    Example:
        >>> ExclusionReason.BASIS.article
        'Art. 20(1)(a)'
    """

    article: str
    explanation: str

    def __new__(cls, value: str, article: str, explanation: str) -> ExclusionReason:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.article = article
        obj.explanation = explanation
        return obj

    BASIS = (
        "basis",
        "Art. 20(1)(a)",
        (
            "portability covers only processing based on consent (Art. 6(1)(a) or 9(2)(a)) or "
            "on a contract (Art. 6(1)(b))"
        ),
    )
    NOT_AUTOMATED = (
        "not_automated",
        "Art. 20(1)(b)",
        "portability covers only processing carried out by automated means",
    )
    PROVENANCE = (
        "provenance",
        "Art. 20(1)",
        (
            "portability covers only data the data subject has provided, actively or by using "
            "the service (data inferred or derived by the controller and data from third "
            "parties are not covered; WP242 rev.01)"
        ),
    )


def portability_exclusion(
    purpose: Purpose,
    *,
    provenance: Iterable[Provenance | str] | None = None,
    include_observed: bool = True,
) -> ExclusionReason | None:
    """Return why data of ``purpose`` fall outside Art. 20, or ``None`` when they are in scope.

    The rule (Art. 20(1) GDPR, Recital 68 [S1]): the processing must be based on consent
    (Art. 6(1)(a) or Art. 9(2)(a)) or on a contract (Art. 6(1)(b)) — (a); carried out by
    automated means — (b); and cover data the subject "has provided".  The Article 29 Working
    Party's Guidelines on the right to data portability (WP242 rev.01, 5 April 2017, endorsed by
    the EDPB on 25 May 2018; section III, "What data is provided by the data subject"):
    "provided by" covers data "actively and knowingly provided" and data **observed** from the
    subject's use of the service or device (activity logs, search history, traffic and location
    data); only data *inferred* or *derived* by the controller fall outside.  So observed data
    are in scope by default; a shop that reads the Article more narrowly passes
    ``include_observed=False``.  ``provenance`` overrides the purpose's provenance for one
    dataset.  Public-task processing is never in scope (Art. 20(3)); it fails the basis test.

    Raises:
        InvalidInput: ``provenance`` names an unknown provenance.
        InvalidType: ``include_observed`` is not a bool.

    Example:
        >>> from gdprkit.register import Purpose
        >>> shop = Purpose(id="orders", description="Orders", basis="contract")
        >>> portability_exclusion(shop) is None
        True
        >>> fraud = Purpose(id="fraud", description="Fraud checks", basis="legitimate_interests")
        >>> portability_exclusion(fraud).value
        'basis'
        >>> clicks = Purpose(id="clicks", description="Clicks", basis="consent",
        ...                  provenance=["observed"], withdrawal="Cookie settings")
        >>> portability_exclusion(clicks) is None  # WP242 rev.01: observed data are provided
        True
        >>> portability_exclusion(clicks, include_observed=False).value
        'provenance'
        >>> portability_exclusion(clicks, provenance=["derived"]).value
        'provenance'
    """
    if not isinstance(include_observed, bool):
        raise InvalidType("include_observed must be a bool")
    if not (purpose.is_consent_based or purpose.basis is LegalBasis.CONTRACT):
        return ExclusionReason.BASIS
    if not purpose.automated:
        return ExclusionReason.NOT_AUTOMATED
    sources = purpose.provenance if provenance is None else tuple(Provenance(p) for p in provenance)
    if Provenance.PROVIDED in sources or (include_observed and Provenance.OBSERVED in sources):
        return None
    return ExclusionReason.PROVENANCE
