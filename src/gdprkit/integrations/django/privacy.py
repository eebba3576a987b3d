"""Which fields of which models hold personal data, for which register purposes.

In the spirit of django-gdpr-assist's ``PrivacyMeta``, but tied to the register: a model says,
in a nested ``PrivacyMeta`` class, which of its fields it processes for which purpose of the
register, how to find a data subject's rows, which field records each retention trigger event,
and how to anonymise a row::

    class Order(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
        delivery_address = models.TextField()
        delivered_at = models.DateTimeField(null=True)

        class PrivacyMeta:
            purposes = {"order_fulfilment": ["delivery_address", "delivered_at"]}
            subject = "customer__email"            # lookup from a row to the subject's id
            events = {"order_delivered": "delivered_at"}   # register trigger -> field
            retention = "order_fulfilment"         # whose retention rule governs the rows
            anonymise = {"delivery_address": ""}   # used when the rule says "anonymise"

The system checks (``manage.py check``) verify every mapping against the models and the
register, and flag personal-looking fields no purpose covers; ``gdpr_export`` exports each
mapped purpose as a dataset (Art. 15, Art. 20) and ``gdpr_retention`` applies the rules.

Example:
    >>> looks_personal("email"), looks_personal("total")
    (True, False)
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
from django.apps import apps  # noqa: TID251 - the django extra
from django.core.exceptions import FieldDoesNotExist  # noqa: TID251 - the django extra
from django.db import models  # noqa: TID251 - the django extra

from gdprkit.errors import ConfigurationError
from gdprkit.export import Dataset
from gdprkit.retention import Record

__all__ = [
    "ModelPrivacy",
    "looks_personal",
    "mapped_models",
    "personal_fields",
    "privacy_of",
    "subject_datasets",
]

# Field names that usually hold personal data (Art. 4(1): identifiers such as a name, an
# online identifier or location data).  A heuristic for the system check only: a field
# flagged here and covered by no purpose gets a warning, never an error.
_PERSONAL = re.compile(
    r"(^|_)(e?mail|name|first_?name|last_?name|surname|phone|mobile|address|street|city|"
    r"post_?code|zip|birth|dob|ip|ip_address|iban|tax_id|ssn|passport|gender|user_agent|"
    r"geo|latitude|longitude|location)($|_)"
)
_PERSONAL_FIELD_TYPES = (models.EmailField, models.GenericIPAddressField)


def looks_personal(name: str) -> bool:
    """Whether a field name usually holds personal data (the check's heuristic).

    Example:
        >>> looks_personal("billing_address"), looks_personal("shipping_zip"), looks_personal("sku")
        (True, True, False)
    """
    return bool(_PERSONAL.search(name.lower()))


def personal_fields(model: type[models.Model]) -> list[str]:
    """The concrete fields of ``model`` that look personal (by type or by name), in order.

    Example:
        >>> from django.contrib.auth.models import User
        >>> personal_fields(User)
        ['first_name', 'last_name', 'email']
    """
    out = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.is_relation:
            continue
        if isinstance(field, _PERSONAL_FIELD_TYPES) or looks_personal(field.name):
            out.append(field.name)
    return out


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{what} must be a list of field names")
    return tuple(value)


@attrs.frozen(kw_only=True)
class ModelPrivacy:
    """A model's ``PrivacyMeta``, parsed: purposes with their fields, subject, events.

    Raises:
        ConfigurationError: a malformed ``PrivacyMeta`` (see :func:`privacy_of`).

    Example:
        >>> from gdprkit.integrations.django.models import SubjectRequest
        >>> ModelPrivacy(model=SubjectRequest, purposes={}, subject="subject_id").label
        'gdprkit.SubjectRequest'
    """

    model: type[models.Model] = attrs.field(repr=False)
    purposes: Mapping[str, tuple[str, ...]]
    subject: str
    events: Mapping[str, str] = attrs.field(factory=dict)
    retention: str | None = None
    anonymise: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def label(self) -> str:
        """``app_label.ModelName``."""
        return str(self.model._meta.label)

    def mapped_fields(self) -> set[str]:
        """Every field named by a purpose, an event or the anonymisation."""
        names = {f for fields in self.purposes.values() for f in fields}
        return names | set(self.events.values()) | set(self.anonymise)

    def problems(self) -> list[str]:
        """What is wrong with the mapping against the model (the register is checked apart)."""
        found = []
        for name in sorted(self.mapped_fields()):
            try:
                self.model._meta.get_field(name)
            except FieldDoesNotExist:
                found.append(
                    f"{self.label}.PrivacyMeta names field {name!r}, which the model lacks"
                )
        try:
            self.model.objects.filter(**{self.subject: None}).query  # noqa: B018 - resolves the path
        except Exception as exc:  # noqa: BLE001 - Django raises several types for bad lookups
            found.append(
                f"{self.label}.PrivacyMeta.subject {self.subject!r} is not a lookup: {exc}"
            )
        if self.retention is not None and self.retention not in self.purposes:
            found.append(
                f"{self.label}.PrivacyMeta.retention {self.retention!r} is not one of its purposes"
            )
        return found

    def datasets(self, subject: str) -> list[Dataset]:
        """One export :class:`~gdprkit.export.Dataset` per purpose with this subject's rows."""
        rows = self.model.objects.filter(**{self.subject: subject}).order_by("pk")
        name = self.label.replace(".", "-").lower()
        return [
            Dataset(f"{name}-{purpose}", purpose, _json_rows(rows, fields))
            for purpose, fields in self.purposes.items()
        ]

    def records(self, queryset: models.QuerySet[Any] | None = None) -> Iterator[Record]:
        """The rows as retention :class:`~gdprkit.retention.Record` values of its retention purpose.

        Raises:
            ConfigurationError: ``PrivacyMeta.retention`` is not set.
        """
        if self.retention is None:
            raise ConfigurationError(f"{self.label}.PrivacyMeta.retention is not set")
        rows = self.model.objects.all() if queryset is None else queryset
        fields = list(self.events.items())
        for row in rows.order_by("pk").iterator(chunk_size=2000):
            yield Record(
                self.retention,
                str(row.pk),
                events={event: _moment(getattr(row, field)) for event, field in fields},
            )


def _moment(value: object) -> dt.datetime | None:
    # A DateField holds a day: the period starts at its beginning, in UTC.
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), dt.timezone.utc)
    raise ConfigurationError("a retention event field must be a DateField or DateTimeField")


def _json(value: object) -> object:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


class _JsonRows:
    """Re-iterable rows of a queryset, as JSON-compatible dicts of the chosen fields."""

    def __init__(self, rows: models.QuerySet[Any], fields: tuple[str, ...]) -> None:
        self._rows = rows
        self._fields = fields

    def __iter__(self) -> Iterator[dict[str, object]]:
        for row in self._rows.values(*self._fields).iterator(chunk_size=2000):
            yield {key: _json(value) for key, value in row.items()}


def _json_rows(rows: models.QuerySet[Any], fields: tuple[str, ...]) -> _JsonRows:
    return _JsonRows(rows, fields)


def privacy_of(model: type[models.Model]) -> ModelPrivacy | None:
    """Parse ``model.PrivacyMeta``; ``None`` when the model has none.

    Raises:
        ConfigurationError: ``purposes`` is not a dict of purpose id to field names, ``subject``
            is missing, ``events`` or ``anonymise`` is not a dict.

    Example:
        >>> from gdprkit.integrations.django.models import SubjectRequest
        >>> privacy_of(SubjectRequest) is None
        True
    """
    meta = model.__dict__.get("PrivacyMeta")
    if meta is None:
        return None
    label = model._meta.label
    purposes = getattr(meta, "purposes", None)
    if not isinstance(purposes, Mapping) or not purposes:
        raise ConfigurationError(f"{label}.PrivacyMeta.purposes must map purpose ids to fields")
    subject = getattr(meta, "subject", None)
    if not isinstance(subject, str) or not subject:
        raise ConfigurationError(f"{label}.PrivacyMeta.subject must name a lookup, e.g. 'email'")
    events = getattr(meta, "events", {})
    anonymise = getattr(meta, "anonymise", {})
    if not isinstance(events, Mapping) or not isinstance(anonymise, Mapping):
        raise ConfigurationError(f"{label}.PrivacyMeta.events and .anonymise must be dicts")
    retention = getattr(meta, "retention", None)
    if retention is None and len(purposes) == 1 and events:
        retention = next(iter(purposes))
    return ModelPrivacy(
        model=model,
        purposes={
            str(p): _strings(f, f"{label}.PrivacyMeta.purposes[{p!r}]") for p, f in purposes.items()
        },
        subject=subject,
        events=dict(events),
        retention=retention,
        anonymise=dict(anonymise),
    )


def mapped_models() -> list[ModelPrivacy]:
    """Every installed model with a ``PrivacyMeta``, parsed, in app order.

    Raises:
        ConfigurationError: a malformed ``PrivacyMeta``.

    Example:
        >>> isinstance(mapped_models(), list)
        True
    """
    return [p for model in apps.get_models() if (p := privacy_of(model)) is not None]


def subject_datasets(subject: str) -> list[Dataset]:
    """Every mapped model's datasets for one data subject (for the exports).

    Raises:
        ConfigurationError: a malformed ``PrivacyMeta``.

    Example:
        >>> subject_datasets("nobody@example.org")  # doctest: +SKIP
        []
    """
    return [ds for privacy in mapped_models() for ds in privacy.datasets(subject)]
