"""Pseudonymise records field by field: keep, drop, token, seal, mask or generalise each field.

A :class:`RecordPolicy` names an action for every field a record may hold. Fields the policy
does not name make :meth:`RecordPolicy.apply` fail by default, so a column added to a table
later never flows into the analytics copy unnoticed (data protection by design, Art. 25(1) and
Recital 78: "pseudonymising personal data as soon as possible", GDPR [S1]).

The policy is compiled once into a per-field table of callables; applying it to a record is one
dictionary pass. ``None`` values pass through every action unchanged (a missing value is not
personal data).

Example:
    >>> import datetime as dt
    >>> from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical
    >>> from gdprkit.pseudonymise import records as r
    >>> ring = KeyRing([("k1", bytes(32))])
    >>> policy = r.RecordPolicy({
    ...     "order_id": r.keep(),
    ...     "email": r.token(Pseudonymiser(ring, domain="email",
    ...                                    canonicaliser=canonical.email_lower)),
    ...     "email_domain": r.email_domain(),
    ...     "name": r.drop(),
    ...     "birthday": r.generalise_date(unit="year"),
    ...     "age": r.age_band(width=10),
    ...     "postcode": r.postcode_prefix(length=2),
    ... })
    >>> out = policy.apply({"order_id": 7, "email": "a@b.example", "email_domain": "a@B.example",
    ...                     "name": "Ann", "birthday": dt.date(1990, 5, 17), "age": 34,
    ...                     "postcode": "10115"})
    >>> out["email"].startswith("ps1.k1."), out["email_domain"], out["birthday"], out["age"]
    (True, 'b.example', '1990', '30-39')
    >>> sorted(out)
    ['age', 'birthday', 'email', 'email_domain', 'order_id', 'postcode']
    >>> policy.apply({"order_id": 8, "phone": "+49 30 1"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gdprkit.errors.UnknownField: field 'phone' is not in the record policy: ...
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol, runtime_checkable

import attrs

from gdprkit._time import ensure_aware
from gdprkit.errors import GdprkitError, InvalidInput, InvalidType, UnknownField
from gdprkit.pseudonymise.canonical import email_domain as _email_domain
from gdprkit.pseudonymise.reversible import ReversiblePseudonymiser
from gdprkit.pseudonymise.shredding import SubjectKeys
from gdprkit.pseudonymise.tokens import Pseudonymiser

__all__ = [
    "FieldAction",
    "Masker",
    "RecordPolicy",
    "UnknownFields",
    "age_band",
    "drop",
    "email_domain",
    "generalise_date",
    "keep",
    "mask",
    "postcode_prefix",
    "seal",
    "token",
]

#: A field transformation: the field's value in, the new value out. Actions that need other
#: fields of the record (``seal``) set ``FieldAction.needs_record`` and take ``(value, record)``.
Transform = Callable[..., object]


@runtime_checkable
class Masker(Protocol):
    """Anything that masks an address string, e.g. the truncation maskers of ``gdprkit.ip``.

    Example:
        >>> class FirstOctet:
        ...     def apply(self, address: str) -> str:
        ...         return address.split(".")[0] + ".0.0.0"
        >>> isinstance(FirstOctet(), Masker)
        True
    """

    def apply(self, address: str) -> str:
        """Return the masked form of ``address``."""


class UnknownFields(str, enum.Enum):
    """What :class:`RecordPolicy` does with a field it has no action for.

    Example:
        >>> RecordPolicy({"a": keep()}, unknown=UnknownFields.DROP).apply({"a": 1, "b": 2})
        {'a': 1}
    """

    FAIL = "fail"
    """Raise :class:`~gdprkit.errors.UnknownField` (the default: nothing leaks silently)."""
    DROP = "drop"
    """Leave the field out of the result."""
    KEEP = "keep"
    """Copy the field unchanged (only for fields known to hold no personal data)."""


@attrs.frozen(eq=False)
class FieldAction:
    """One field's action; build it with :func:`keep`, :func:`token`, :func:`mask`, ...

    A custom action is a ``kind`` (a name shown in reprs and error messages) and a
    ``transform`` taking the value (or ``(value, record)`` when ``needs_record``); it should
    raise :class:`~gdprkit.errors.InvalidInput`/:class:`~gdprkit.errors.InvalidType` for values
    it refuses. ``transform=None`` means keep (kind ``"keep"``) or drop (any other kind).

    Example:
        >>> keep()
        FieldAction(kind='keep')
        >>> initials = FieldAction(kind="initial", transform=lambda v: str(v)[:1])
        >>> RecordPolicy({"name": initials}).apply({"name": "Ann"})
        {'name': 'A'}
    """

    kind: str = attrs.field(validator=attrs.validators.instance_of(str))
    transform: Transform | None = attrs.field(default=None, repr=False)
    needs_record: bool = attrs.field(default=False, repr=False)


_KEEP_MARK = "keep"
_DROP_MARK = "drop"
_UNKNOWN_MARK = "unknown"
_KEEP = FieldAction(kind="keep")
_DROP = FieldAction(kind="drop")


def keep() -> FieldAction:
    """Copy the field unchanged.

    Example:
        >>> RecordPolicy({"n": keep()}).apply({"n": 1})
        {'n': 1}
    """
    return _KEEP


def drop() -> FieldAction:
    """Leave the field out of the result.

    Example:
        >>> RecordPolicy({"n": keep(), "name": drop()}).apply({"n": 1, "name": "Ann"})
        {'n': 1}
    """
    return _DROP


def _require_str(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidType(f"expected a str, got {type(value).__name__}")
    return value


def token(pseudonymiser: Pseudonymiser | ReversiblePseudonymiser) -> FieldAction:
    """Replace the value by its keyed (or reversible) token.

    Raises:
        InvalidType: ``pseudonymiser`` is neither kind.

    Example:
        >>> from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical
        >>> p = Pseudonymiser(KeyRing.generate(), domain="c", canonicaliser=canonical.exact)
        >>> RecordPolicy({"c": token(p)}).apply({"c": "42"})["c"] == p.token("42")
        True
    """
    if not isinstance(pseudonymiser, (Pseudonymiser, ReversiblePseudonymiser)):
        raise InvalidType("token() needs a Pseudonymiser or a ReversiblePseudonymiser")
    # Bind the closure behind Pseudonymiser.token, one call less per field on the hot path.
    make = pseudonymiser._fast if isinstance(pseudonymiser, Pseudonymiser) else pseudonymiser.token

    def transform(value: object) -> object:
        return make(value if value.__class__ is str else _require_str(value))

    return FieldAction(kind="token", transform=transform)


def seal(subject_keys: SubjectKeys, *, subject_field: str) -> FieldAction:
    """Seal the value under the data key of the subject named in ``subject_field``.

    Raises:
        InvalidType: ``subject_keys`` is not a SubjectKeys.

    Example:
        >>> from gdprkit.pseudonymise import KeyRing, MemorySubjectKeyStore, SubjectKeys
        >>> keys = SubjectKeys(KeyRing.generate(), MemorySubjectKeyStore())
        >>> policy = RecordPolicy({"customer": keep(),
        ...                        "address": seal(keys, subject_field="customer")})
        >>> out = policy.apply({"customer": "c-9", "address": "1 Main St"})
        >>> keys.open("c-9", out["address"])
        '1 Main St'
    """
    if not isinstance(subject_keys, SubjectKeys):
        raise InvalidType("seal() needs a SubjectKeys")
    do_seal = subject_keys.seal

    def seal_transform(value: object, record: Mapping[str, object]) -> object:
        subject = record.get(subject_field)
        if not isinstance(subject, str):
            raise InvalidInput(f"needs the subject id (a str) in field {subject_field!r}")
        return do_seal(subject, _require_str(value))

    return FieldAction(kind="seal", transform=seal_transform, needs_record=True)


def mask(masker: Masker) -> FieldAction:
    """Replace the value by ``masker.apply(value)`` (e.g. an IP truncation from ``gdprkit.ip``).

    Raises:
        InvalidType: ``masker`` has no ``apply`` method.

    Example:
        >>> class LastOctetZero:
        ...     def apply(self, address: str) -> str:
        ...         return address.rsplit(".", 1)[0] + ".0"
        >>> RecordPolicy({"ip": mask(LastOctetZero())}).apply({"ip": "192.0.2.77"})
        {'ip': '192.0.2.0'}
    """
    if not isinstance(masker, Masker):
        raise InvalidType("mask() needs an object with an apply(str) -> str method")
    apply = masker.apply

    def transform(value: object) -> object:
        return apply(value if value.__class__ is str else _require_str(value))

    return FieldAction(kind="mask", transform=transform)


def email_domain() -> FieldAction:
    """Keep only the lower-cased domain of an e-mail address (ENISA 2019 §7.2 [S208]).

    Example:
        >>> RecordPolicy({"e": email_domain()}).apply({"e": "Ann@Shop.Example"})
        {'e': 'shop.example'}
    """

    def transform(value: object) -> object:
        return _email_domain(value)  # type: ignore[arg-type]  # checks the type itself

    return FieldAction(kind="email-domain", transform=transform)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return ensure_aware(value, "value").date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise InvalidInput("expected an ISO 8601 date (YYYY-MM-DD...)") from None
    raise InvalidType(
        f"expected a date, an aware datetime or an ISO string, got {type(value).__name__}"
    )


def generalise_date(*, unit: str) -> FieldAction:
    """Reduce a date to its year (``"1990"``) or month (``"1990-05"``).

    Accepts :class:`datetime.date`, aware :class:`datetime.datetime` (its own local date) and
    ISO 8601 strings.

    Raises:
        InvalidInput: ``unit`` is not ``"year"`` or ``"month"``.

    Example:
        >>> import datetime as dt
        >>> RecordPolicy({"d": generalise_date(unit="month")}).apply({"d": "1990-05-17"})
        {'d': '1990-05'}
    """
    if unit == "year":

        def transform(value: object) -> object:
            return f"{_as_date(value).year:04d}"

    elif unit == "month":

        def transform(value: object) -> object:
            day = _as_date(value)
            return f"{day.year:04d}-{day.month:02d}"

    else:
        raise InvalidInput("generalise_date unit must be 'year' or 'month'")
    return FieldAction(kind=f"generalise-{unit}", transform=transform)


def age_band(*, width: int = 10, top: int | None = None) -> FieldAction:
    """Replace an age in whole years by its band, e.g. ``"30-39"``; ages from ``top`` on: ``"90+"``.

    Raises:
        InvalidInput: ``width`` is below 2 or ``top`` is not a positive multiple of ``width``.

    Example:
        >>> policy = RecordPolicy({"age": age_band(width=10, top=80)})
        >>> policy.apply({"age": 34}), policy.apply({"age": 85})
        ({'age': '30-39'}, {'age': '80+'})
    """
    if type(width) is not int or width < 2:
        raise InvalidInput("age band width must be an integer of at least 2 years")
    if top is not None and (top <= 0 or top % width):
        raise InvalidInput("age band top must be a positive multiple of the width")
    last = width - 1

    def transform(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidType(f"expected an age in whole years (int), got {type(value).__name__}")
        if value < 0:
            raise InvalidInput("expected an age of 0 or more years")
        if top is not None and value >= top:
            return f"{top}+"
        low = value - value % width
        return f"{low}-{low + last}"

    return FieldAction(kind="age-band", transform=transform)


def postcode_prefix(*, length: int) -> FieldAction:
    """Keep the first ``length`` characters of a postcode (spaces removed, upper-cased).

    Raises:
        InvalidInput: ``length`` is below 1.

    Example:
        >>> RecordPolicy({"pc": postcode_prefix(length=3)}).apply({"pc": "sw1a 1aa"})
        {'pc': 'SW1'}
    """
    if type(length) is not int or length < 1:
        raise InvalidInput("postcode prefix length must be a positive integer")

    def transform(value: object) -> object:
        text = value if value.__class__ is str else _require_str(value)
        return "".join(text.split()).upper()[:length]

    return FieldAction(kind="postcode-prefix", transform=transform)


class RecordPolicy:
    """Per-field actions for records (mappings); compiled once, applied to one or many records.

    Args:
        fields: field name → :class:`FieldAction`.
        unknown: what to do with fields not in ``fields``: ``"fail"`` (default), ``"drop"`` or
            ``"keep"``.

    Raises:
        InvalidType: a field name is not a str or an action is not a FieldAction.
        InvalidInput: ``unknown`` is not one of the three choices.

    Example:
        >>> policy = RecordPolicy({"n": keep()}, unknown="drop")
        >>> policy.apply({"n": 1, "new_column": "x"})
        {'n': 1}
    """

    __slots__ = ("_actions", "_fields", "_unknown", "_with_record")

    def __init__(
        self, fields: Mapping[str, FieldAction], *, unknown: UnknownFields | str = "fail"
    ) -> None:
        try:
            self._unknown = UnknownFields(unknown)
        except ValueError:
            raise InvalidInput("unknown must be 'fail', 'drop' or 'keep'") from None
        compiled: dict[str, Transform | str] = {}
        with_record: set[str] = set()
        for name, action in fields.items():
            if not isinstance(name, str):
                raise InvalidType(f"field names must be str, got {type(name).__name__}")
            if not isinstance(action, FieldAction):
                raise InvalidType(f"field {name!r}: expected a FieldAction (keep(), token(), ...)")
            # keep/drop compile to marker strings, every other action to its transform, so
            # apply() does one dict lookup and one identity test for most fields.
            if action.transform is not None:
                compiled[name] = action.transform
                if action.needs_record:
                    with_record.add(name)
            else:
                compiled[name] = _KEEP_MARK if action.kind == "keep" else _DROP_MARK
        self._fields = dict(fields)
        self._actions = compiled
        self._with_record = frozenset(with_record)

    @property
    def fields(self) -> Mapping[str, FieldAction]:
        """The actions by field name."""
        return dict(self._fields)

    @property
    def unknown(self) -> UnknownFields:
        """What happens to fields without an action."""
        return self._unknown

    def apply(self, record: Mapping[str, object]) -> dict[str, object]:
        """Return a new dict with every field's action applied.

        Raises:
            UnknownField: the record has a field without an action and ``unknown`` is "fail".
            InvalidInput, InvalidType: an action refused a value; the message names the field
                and the action, never the value.

        Example:
            >>> RecordPolicy({"a": keep(), "b": drop()}).apply({"a": 1, "b": 2})
            {'a': 1}
        """
        out: dict[str, object] = {}
        actions = self._actions
        for name, value in record.items():
            action = actions.get(name, _UNKNOWN_MARK)
            if action is _KEEP_MARK:
                out[name] = value
            elif action is _DROP_MARK:
                continue
            elif action is _UNKNOWN_MARK:
                if self._unknown is UnknownFields.KEEP:
                    out[name] = value
                elif self._unknown is UnknownFields.FAIL:
                    raise UnknownField(str(name))
            elif value is None:
                out[name] = None
            else:
                try:
                    if name in self._with_record:
                        out[name] = action(value, record)  # type: ignore[operator]
                    else:
                        out[name] = action(value)  # type: ignore[operator]
                except (GdprkitError, ValueError, TypeError) as exc:
                    raise _field_error(name, self._fields[name].kind, exc) from None
        return out

    def apply_many(self, records: Iterable[Mapping[str, object]]) -> Iterator[dict[str, object]]:
        """Apply the policy to each record lazily (constant memory over any number of records).

        Raises:
            UnknownField, InvalidInput, InvalidType: as :meth:`apply`, when the offending
                record is reached.

        Example:
            >>> policy = RecordPolicy({"a": keep()})
            >>> list(policy.apply_many([{"a": 1}, {"a": 2}]))
            [{'a': 1}, {'a': 2}]
        """
        apply = self.apply
        for record in records:
            yield apply(record)

    def __repr__(self) -> str:
        kinds = ", ".join(f"{name!r}: {action.kind}" for name, action in self._fields.items())
        return f"RecordPolicy({{{kinds}}}, unknown={self._unknown.value!r})"


def _field_error(name: str, kind: str, exc: Exception) -> Exception:
    if isinstance(exc, GdprkitError):
        # gdprkit messages never contain the value, so they can be passed on with the field.
        message = f"field {name!r} ({kind}): {exc}"
        try:
            return type(exc)(message)
        except TypeError:
            return InvalidInput(message)
    # A third-party masker's message may quote the value (ipaddress does): name the type only.
    message = f"field {name!r} ({kind}): the action failed with {type(exc).__name__}"
    return InvalidType(message) if isinstance(exc, TypeError) else InvalidInput(message)
