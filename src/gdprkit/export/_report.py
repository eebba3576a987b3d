"""The Art. 15 access report: the subject's data plus the supplementary information.

The JSON form (``AccessReport.to_dict()``, format ``gdprkit-access-report`` version 1) is
documented in ``docs/areas/export.md``; the HTML form (:func:`render_html`) shows the same content
to a person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from gdprkit._time import ensure_aware, utc_now
from gdprkit.errors import GdprkitError, InvalidInput, InvalidType
from gdprkit.export._model import Attachment, Dataset, Redactor, portability_exclusion
from gdprkit.export._package import check_subject, controller_dict
from gdprkit.export._values import encode_json
from gdprkit.law import DataCategory, LegalBasis, Right, SpecialCategoryCondition, rights_for
from gdprkit.register import (
    Controller,
    Provenance,
    Purpose,
    Recipient,
    Register,
    Retention,
    StatutoryReference,
    Transfer,
)

__all__ = [
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "AccessReport",
    "AttachmentCopy",
    "DatasetCopy",
    "PurposeInformation",
    "build_access_report",
]

REPORT_FORMAT = "gdprkit-access-report"
REPORT_VERSION = 1

# The order rights are listed in: the order of the Regulation.
_RIGHT_ORDER = {right: index for index, right in enumerate(Right)}


def purpose_rights(purpose: Purpose) -> tuple[Right, ...]:
    """The rights that apply to a purpose's processing, in the order of the Regulation.

    ``law.rights_for`` reads the Art. 6(1) basis; explicit consent under Art. 9(2)(a) adds the
    consent rights too: withdrawal (Art. 7(3)) and, with automated means, portability
    (Art. 20(1)(a)) — GDPR [S1].
    """
    rights = set(
        rights_for(
            purpose.basis, automated=purpose.automated, direct_marketing=purpose.direct_marketing
        )
    )
    if purpose.is_consent_based:
        rights.add(Right.WITHDRAW_CONSENT)
    if portability_exclusion(purpose, provenance=(Provenance.PROVIDED,)) is None:
        rights.add(Right.PORTABILITY)
    return tuple(sorted(rights, key=_RIGHT_ORDER.__getitem__))


def _recipient_dict(recipient: Recipient) -> dict[str, Any]:
    return {
        "name": recipient.name,
        "role": recipient.role.value,
        "country": recipient.country,
        "description": recipient.description,
    }


def _transfer_dict(transfer: Transfer) -> dict[str, Any]:
    return {
        "country": transfer.country,
        "recipient": transfer.recipient,
        "safeguard": transfer.safeguard.value,
        "reference": transfer.reference,
        "outside_eea": transfer.outside_eea,
        # a transfer to an unnamed third country (register issue 14); absent otherwise, so
        # reports of registers without one are unchanged
        **({"destination": transfer.destination} if transfer.destination is not None else {}),
    }


def _retention_dict(retention: Retention | None) -> dict[str, Any] | None:
    if retention is None:
        return None
    return {
        "description": retention.description,
        "period": None if retention.period is None else str(retention.period),
        "trigger": retention.trigger,
        "criterion": retention.criterion,
        "alignment": retention.alignment,
        "action": retention.action.value,
        "citation": retention.citation,
        # per-record and statutory retention (register issue 14), only where set
        **({"record": retention.record} if retention.record is not None else {}),
        **({"country": retention.country} if retention.country is not None else {}),
        **(
            {"statutory": _statutory_dict(retention.statutory)}
            if retention.statutory is not None
            else {}
        ),
    }


def _statutory_dict(ref: StatutoryReference) -> dict[str, Any]:
    """A statutory reference as the register's TOML writes it."""
    return {
        "document": ref.document,
        "countries": list(ref.countries),
        "of": ref.of.value,
        "after": None if ref.after is None else str(ref.after),
        "law": ref.law,
    }


def _retention_from(value: Any) -> Retention | None:
    if value is None:
        return None
    return Retention(
        description=value["description"],
        period=value.get("period"),
        trigger=value.get("trigger"),
        criterion=value.get("criterion"),
        alignment=value.get("alignment", "none"),
        action=value.get("action", "delete"),
        citation=value.get("citation"),
        record=value.get("record"),
        country=value.get("country"),
        statutory=value.get("statutory"),
    )


def _categories(values: Iterable[Any]) -> tuple[DataCategory, ...]:
    return tuple(DataCategory.parse(c) for c in values)


def _recipients(values: Iterable[Any]) -> tuple[Recipient, ...]:
    return tuple(r if isinstance(r, Recipient) else Recipient(**r) for r in values)


def _transfers(values: Iterable[Any]) -> tuple[Transfer, ...]:
    return tuple(t if isinstance(t, Transfer) else Transfer(**t) for t in values)


def _rights(values: Iterable[Any]) -> tuple[Right, ...]:
    return tuple(Right.parse(r) for r in values)


def _provenances(values: Iterable[Any]) -> tuple[Provenance, ...]:
    return tuple(Provenance(p) for p in values)


def _basis(value: Any) -> LegalBasis:
    return LegalBasis.parse(value)


def _record_tuple(values: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(values)


def _purpose_infos(values: Iterable[PurposeInformation]) -> tuple[PurposeInformation, ...]:
    return tuple(values)


def _dataset_copies(values: Iterable[DatasetCopy]) -> tuple[DatasetCopy, ...]:
    return tuple(values)


def _attachment_copies(values: Iterable[AttachmentCopy]) -> tuple[AttachmentCopy, ...]:
    return tuple(values)


def _special(value: Any) -> SpecialCategoryCondition | None:
    return None if value is None else SpecialCategoryCondition.parse(value)


def _aware(_instance: object, attribute: attrs.Attribute[dt.datetime], value: object) -> None:
    ensure_aware(value, attribute.name)


@attrs.frozen
class PurposeInformation:
    """The Art. 15(1)(a)-(h) and 15(2) information about one purpose, drawn from the register.

    Example:
        >>> from gdprkit.register import Purpose
        >>> info = PurposeInformation.from_purpose(
        ...     Purpose(id="news", description="Newsletter", basis="consent",
        ...             withdrawal="Unsubscribe link", direct_marketing=True))
        >>> [r.value for r in info.rights][:2]
        ['withdraw_consent', 'access']
        >>> PurposeInformation.from_dict(info.to_dict()) == info
        True
    """

    id: str
    description: str
    basis: LegalBasis = attrs.field(converter=_basis)
    special_condition: SpecialCategoryCondition | None = attrs.field(converter=_special)
    legitimate_interest: str | None
    categories: tuple[DataCategory, ...] = attrs.field(converter=_categories)
    recipients: tuple[Recipient, ...] = attrs.field(converter=_recipients)
    retention: Retention | None
    rights: tuple[Right, ...] = attrs.field(converter=_rights)
    withdrawal: str | None
    provenance: tuple[Provenance, ...] = attrs.field(converter=_provenances)
    source: str | None
    automated_decisions: str | None
    transfers: tuple[Transfer, ...] = attrs.field(converter=_transfers)

    @classmethod
    def from_purpose(cls, purpose: Purpose) -> PurposeInformation:
        """Read the information for ``purpose`` from the register."""
        return cls(
            id=purpose.id,
            description=purpose.description,
            basis=purpose.basis,
            special_condition=purpose.special_condition,
            legitimate_interest=purpose.legitimate_interest,
            categories=purpose.categories,
            recipients=purpose.recipients,
            retention=purpose.retention,
            rights=purpose_rights(purpose),
            withdrawal=purpose.withdrawal,
            provenance=purpose.provenance,
            source=purpose.source,
            automated_decisions=purpose.automated_decisions,
            transfers=purpose.transfers,
        )

    @property
    def collected_from_subject(self) -> bool:
        """Whether all data of the purpose come from the subject (else Art. 15(1)(g) applies)."""
        return Provenance.THIRD_PARTY not in self.provenance

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (part of the access report schema)."""
        special = self.special_condition
        return {
            "id": self.id,
            "description": self.description,
            "basis": {
                "code": self.basis.value,
                "article": self.basis.article,
                "label": self.basis.label,
            },
            "special_condition": None
            if special is None
            else {"code": special.value, "article": special.article, "label": special.label},
            "legitimate_interest": self.legitimate_interest,
            "categories": [
                {"code": c.value, "label": c.label, "special": c.special} for c in self.categories
            ],
            "recipients": [_recipient_dict(r) for r in self.recipients],
            "retention": _retention_dict(self.retention),
            "rights": [
                {"code": r.value, "article": r.article, "label": r.label} for r in self.rights
            ],
            "withdrawal": self.withdrawal,
            "provenance": [p.value for p in self.provenance],
            "collected_from_subject": self.collected_from_subject,
            "source": self.source,
            "automated_decisions": self.automated_decisions,
            "transfers": [_transfer_dict(t) for t in self.transfers],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PurposeInformation:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: a key is missing or a code is unknown.
        """
        try:
            special = data["special_condition"]
            return cls(
                id=data["id"],
                description=data["description"],
                basis=data["basis"]["code"],
                special_condition=None if special is None else special["code"],
                legitimate_interest=data["legitimate_interest"],
                categories=[c["code"] for c in data["categories"]],
                recipients=[
                    {k: v for k, v in r.items() if k != "outside_eea"} for r in data["recipients"]
                ],
                retention=_retention_from(data["retention"]),
                rights=[r["code"] for r in data["rights"]],
                withdrawal=data["withdrawal"],
                provenance=data["provenance"],
                source=data["source"],
                automated_decisions=data["automated_decisions"],
                transfers=[
                    {k: v for k, v in t.items() if k != "outside_eea"} for t in data["transfers"]
                ],
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInput(f"purpose information is missing {exc}") from None


@attrs.frozen
class DatasetCopy:
    """One dataset's records as they appear in the access report (Art. 15(3) copy).

    Records are JSON values (datetimes as ISO 8601 strings, decimals as strings), so the JSON
    and HTML renderings show the same thing.

    Example:
        >>> DatasetCopy(name="orders", purpose="order_fulfilment", records=({"id": 1},)).count
        1
    """

    name: str
    purpose: str
    records: tuple[dict[str, Any], ...] = attrs.field(converter=_record_tuple, repr=False)
    description: str | None = None

    @property
    def count(self) -> int:
        """The number of records."""
        return len(self.records)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "name": self.name,
            "purpose": self.purpose,
            "description": self.description,
            "count": self.count,
            "records": [dict(r) for r in self.records],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetCopy:
        """Inverse of :meth:`to_dict`."""
        return cls(
            name=data["name"],
            purpose=data["purpose"],
            records=tuple(data["records"]),
            description=data.get("description"),
        )


@attrs.frozen
class AttachmentCopy:
    """An attachment listed in the access report: its name, size and SHA-256 (the file itself
    travels beside the report or in the portability package).

    Example:
        >>> AttachmentCopy(name="a.jpg", purpose="account", size=3, sha256="ab" * 32).size
        3
    """

    name: str
    purpose: str
    size: int
    sha256: str
    media_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttachmentCopy:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)


def _controller_from(data: Mapping[str, Any]) -> Controller:
    return Controller(**data)


@attrs.frozen
class AccessReport:
    """A subject's Art. 15 access report: the data and the supplementary information.

    Build one with :func:`build_access_report`; render it with :meth:`to_json` (machines) or
    :meth:`to_html` (people).  ``subject`` is a pseudonym, kept out of the repr.

    Example:
        >>> import datetime as dt
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example",
        ...                           supervisory_authority="Data protection authority"),
        ...                [Purpose(id="orders", description="Orders", basis="contract")])
        >>> report = build_access_report(reg, "tok-1", [Dataset("orders", "orders", [{"id": 7}])],
        ...     generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
        >>> AccessReport.from_dict(report.to_dict()) == report
        True
        >>> report.to_dict()["complaint"]["supervisory_authority"]
        'Data protection authority'
    """

    generated_at: dt.datetime = attrs.field(validator=_aware)
    subject: str = attrs.field(repr=False)
    controller: Controller
    purposes: tuple[PurposeInformation, ...] = attrs.field(converter=_purpose_infos)
    datasets: tuple[DatasetCopy, ...] = attrs.field(converter=_dataset_copies)
    attachments: tuple[AttachmentCopy, ...] = attrs.field(
        converter=_attachment_copies, factory=tuple
    )

    @property
    def processing(self) -> bool:
        """Art. 15(1) confirmation: whether any personal data of the subject are processed."""
        return bool(self.purposes or any(d.count for d in self.datasets) or self.attachments)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON form (format ``gdprkit-access-report``, ``version`` 1)."""
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "generated_at": self.generated_at.isoformat(),
            "subject": self.subject,
            "processing": self.processing,
            "controller": controller_dict(self.controller),
            "complaint": {
                "right": Right.COMPLAIN.value,
                "article": Right.COMPLAIN.article,
                "supervisory_authority": self.controller.supervisory_authority,
            },
            "purposes": [p.to_dict() for p in self.purposes],
            "datasets": [d.to_dict() for d in self.datasets],
            "attachments": [a.to_dict() for a in self.attachments],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccessReport:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: the format or version is not one this gdprkit reads, or a key is
                missing.
        """
        if data.get("format") != REPORT_FORMAT or data.get("version") != REPORT_VERSION:
            raise InvalidInput(
                f"not an access report of format {REPORT_FORMAT!r} version {REPORT_VERSION}"
            )
        try:
            return cls(
                generated_at=dt.datetime.fromisoformat(data["generated_at"]),
                subject=data["subject"],
                controller=_controller_from(data["controller"]),
                purposes=[PurposeInformation.from_dict(p) for p in data["purposes"]],
                datasets=[DatasetCopy.from_dict(d) for d in data["datasets"]],
                attachments=[AttachmentCopy.from_dict(a) for a in data["attachments"]],
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInput(f"access report is missing {exc}") from None

    def to_json(self, *, indent: int | None = 2) -> str:
        """The JSON text of :meth:`to_dict` (UTF-8 friendly, keys in schema order)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_html(self) -> str:
        """A self-contained HTML page for the data subject; see :func:`render_html`."""
        from gdprkit.export._html import render_html  # noqa: PLC0415 - _html imports this module

        return render_html(self)


def _copy_records(dataset: Dataset, redact: Redactor | None) -> list[dict[str, Any]]:
    records = []
    for number, record in enumerate(dataset.records):
        item = record if redact is None else redact(dataset.name, record)
        if item is None:
            continue
        if not isinstance(item, Mapping):
            raise InvalidType(
                f"dataset {dataset.name!r}: each record must be a mapping, "
                f"got {type(item).__name__}"
            )
        try:
            records.append(json.loads(encode_json(item)))
        except (GdprkitError, ValueError, TypeError) as exc:
            detail = str(exc) if isinstance(exc, GdprkitError) else type(exc).__name__
            raise InvalidInput(
                f"dataset {dataset.name!r}, record {number}: cannot be written as JSON: {detail}"
            ) from None
    return records


def _attachment_copy(attachment: Attachment) -> AttachmentCopy:
    sha = hashlib.sha256()
    size = 0
    content = attachment.content
    if isinstance(content, bytes):
        sha.update(content)
        size = len(content)
    else:
        with content.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                sha.update(chunk)
                size += len(chunk)
    return AttachmentCopy(
        name=attachment.name,
        purpose=attachment.purpose,
        size=size,
        sha256=sha.hexdigest(),
        media_type=attachment.media_type,
    )


def build_access_report(
    register: Register,
    subject: str,
    datasets: Iterable[Dataset],
    *,
    attachments: Iterable[Attachment] = (),
    purposes: Iterable[str] = (),
    generated_at: dt.datetime | None = None,
    redact: Redactor | None = None,
) -> AccessReport:
    """Build the Art. 15 access report for one subject.

    The report covers every purpose a dataset or attachment belongs to, plus the ids in
    ``purposes`` (purposes that process the subject's data although nothing is exported for
    them, e.g. CCTV footage kept elsewhere).  For each purpose it states, from the register:
    purposes and basis (15(1)(a)), categories (b), recipients (c), the retention period or
    criteria (d), the rights that apply (e), the right to complain (f, Art. 77), the source where
    data were not collected from the subject (g), automated decision-making (h) and transfers
    with their safeguards (15(2)) — GDPR Art. 15 [S1].  The records themselves are the
    copy of Art. 15(3); they are read into memory (use the portability package for very large
    datasets).  ``redact`` removes third parties' data first (Art. 15(4)).

    Raises:
        NotFound: a dataset, attachment or ``purposes`` entry names an unknown purpose.
        InvalidInput: an empty subject; a record that is not JSON (named by dataset and number).
        InvalidType: a record is not a mapping.
        NaiveDatetimeError: ``generated_at`` has no time zone.

    Example:
        >>> import datetime as dt
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"), [
        ...     Purpose(id="orders", description="Orders", basis="contract"),
        ...     Purpose(id="cctv", description="CCTV", basis="legitimate_interests",
        ...             provenance=["observed"], automated=False)])
        >>> report = build_access_report(reg, "tok-1", [Dataset("orders", "orders", [])],
        ...     purposes=["cctv"], generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
        >>> [p.id for p in report.purposes]
        ['orders', 'cctv']
        >>> [r.value for r in report.purposes[1].rights if r.value.startswith("object")]
        ['object']
    """
    generated_at = utc_now() if generated_at is None else ensure_aware(generated_at, "generated_at")
    check_subject(subject)
    datasets = list(datasets)
    attachments = list(attachments)
    wanted: list[str] = []
    for purpose_id in [
        *(d.purpose for d in datasets),
        *(a.purpose for a in attachments),
        *purposes,
    ]:
        register.purpose(purpose_id)  # NotFound names the unknown id
        if purpose_id not in wanted:
            wanted.append(purpose_id)
    copies = []
    for dataset in datasets:
        if not isinstance(dataset, Dataset):
            raise InvalidType(f"datasets must be Dataset values, got {type(dataset).__name__}")
        copies.append(
            DatasetCopy(
                name=dataset.name,
                purpose=dataset.purpose,
                records=tuple(_copy_records(dataset, redact)),
                description=dataset.description,
            )
        )
    return AccessReport(
        generated_at=generated_at,
        subject=subject,
        controller=register.controller,
        purposes=[PurposeInformation.from_purpose(register.purpose(p)) for p in wanted],
        datasets=copies,
        attachments=[_attachment_copy(a) for a in attachments],
    )
