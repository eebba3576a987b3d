"""What the Spark and Dask integrations share: specs, per-process builders and batch functions.

Framework-free on purpose: every function here takes and returns plain Python lists, so the
Spark module only converts Arrow batches and the Dask module pandas partitions, and both give
the same results because they run the same code.  The single-machine reference is
:func:`gdprkit.ip.mask_stream` (what ``gdprkit ip mask`` runs): log lines go through it batch by
batch, which gives the same bytes because masking a line never depends on the lines around it.

Per-process state: a worker process builds each masker or pseudonymiser once and keeps it in
``_BUILT`` (keyed by the spec, which holds no secret), so a partition costs one dictionary
look-up, not a cipher set-up.  That cache is the only state the integrations keep.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from gdprkit._time import ensure_zone, zone_name
from gdprkit.errors import InvalidAddress, InvalidInput, InvalidType, KeyMaterialError
from gdprkit.ip import UNPARSED_MARKER, detect_log_format, mask_stream
from gdprkit.ip.logs import LOG_FORMATS
from gdprkit.ip.masking import IPMasker
from gdprkit.ip.spec import MaskerSpec
from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical
from gdprkit.retention import LegalHold, RetentionRule, RetentionSchedule
from gdprkit.retention._declared import DeclaredBlocker

__all__ = ["DECISION_FIELDS", "TokenSpec"]

#: The fields of the retention decision column, in order.
DECISION_FIELDS: Final = ("action", "due", "act_from", "due_now", "reason")

# Sample size the command line detects a format from (gdprkit.ip.logs: the first 64 KiB).
_SAMPLE_BYTES: Final = 65536
_CANONICALISERS: Final[Mapping[str, Callable[[str], str]]] = {
    name: getattr(canonical, name)
    for name in ("exact", "text", "email", "email_lower", "email_domain", "phone")
}
_PLACEHOLDERS: Final = frozenset({"-", "", "unix:", "unknown"})
_LIST_SPLIT: Final = re.compile(r"([ ,]+)")
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_BUILT: dict[object, Any] = {}


# -- keyed tokens ---------------------------------------------------------------------------


def _canonicaliser_name(_instance: object, _attribute: object, value: object) -> None:
    if value not in _CANONICALISERS:
        raise InvalidInput(
            f"canonicaliser: expected one of {', '.join(_CANONICALISERS)}, got {value!r}"
        )


def _optional_text(
    _instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidType(f"{attribute.name}: expected a non-empty str or None")


@attrs.frozen
class TokenSpec:
    """Keyed tokens for one column: domain, canonicaliser, size and where the key ring is.

    The picklable counterpart of :class:`gdprkit.pseudonymise.Pseudonymiser`: each worker
    process loads the :class:`~gdprkit.pseudonymise.KeyRing` (its JSON form) from the
    environment variable ``keyring_env`` or the file ``keyring_file`` and builds the
    pseudonymiser once.  ``canonicaliser`` names a function of
    :mod:`gdprkit.pseudonymise.canonical`.  ``key_id`` is the ring's active key id, filled in by
    :meth:`pinned`; a worker whose ring has another active key refuses to make tokens.

    Raises:
        InvalidInput: an unknown canonicaliser, no key ring location (or both), a bad size.
        InvalidType: an option of the wrong type.

    Example:
        >>> from gdprkit.integrations._lake import TokenSpec
        >>> from gdprkit.pseudonymise import KeyRing
        >>> env = {"SHOP_KEYRING": KeyRing([("k1", bytes(32))]).to_secret_json()}
        >>> spec = TokenSpec("email", canonicaliser="email_lower",
        ...                  keyring_env="SHOP_KEYRING").pinned(environ=env)
        >>> spec.key_id
        'k1'
        >>> spec.build(environ=env).token("Ann@Shop.Example").startswith("ps1.k1.")
        True
    """

    domain: str = attrs.field(validator=attrs.validators.instance_of(str))
    canonicaliser: str = attrs.field(default="exact", kw_only=True, validator=_canonicaliser_name)
    size: int = attrs.field(default=16, kw_only=True)
    keyring_env: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    keyring_file: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    key_id: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        if not self.domain:
            raise InvalidInput("domain must be a non-empty string")
        if (self.keyring_env is None) == (self.keyring_file is None):
            raise InvalidInput("a token spec needs exactly one of keyring_env or keyring_file")
        if self.keyring_env is not None and not _ENV_NAME.fullmatch(self.keyring_env):
            raise InvalidInput("keyring_env: expected an environment variable name")
        if type(self.size) is not int or not 16 <= self.size <= 32:
            raise InvalidInput("token size must be 16 to 32 bytes (128 to 256 bits)")

    def load_keyring(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        resolve_path: Callable[[str], str] | None = None,
    ) -> KeyRing:
        """Load the key ring from where the spec says it is.

        Raises:
            KeyMaterialError: the variable is unset, the file unreadable, the content invalid.
        """
        if self.keyring_env is not None:
            return KeyRing.from_env(self.keyring_env, environ=environ)
        path = self.keyring_file or ""
        return KeyRing.from_file(resolve_path(path) if resolve_path is not None else path)

    def build(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        resolve_path: Callable[[str], str] | None = None,
    ) -> Pseudonymiser:
        """Build the pseudonymiser; refuse a ring whose active key is not ``key_id``.

        Raises:
            KeyMaterialError: the ring cannot be loaded or has another active key.
        """
        ring = self.load_keyring(environ=environ, resolve_path=resolve_path)
        if self.key_id is not None and ring.active_id != self.key_id:
            raise KeyMaterialError(
                f"the key ring here has active key {ring.active_id!r}, the spec expects "
                f"{self.key_id!r}: every process must use the same ring"
            )
        return Pseudonymiser(
            ring,
            domain=self.domain,
            canonicaliser=_CANONICALISERS[self.canonicaliser],
            size=self.size,
        )

    def pinned(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        resolve_path: Callable[[str], str] | None = None,
    ) -> TokenSpec:
        """A copy with ``key_id`` set to the active key id of the ring found here.

        Raises:
            KeyMaterialError: the ring cannot be loaded or differs from an existing ``key_id``.
        """
        built = self.build(environ=environ, resolve_path=resolve_path)
        return attrs.evolve(self, key_id=built.keyring.active_id)


def built(
    spec: MaskerSpec | TokenSpec,
    *,
    environ: Mapping[str, str] | None = None,
    resolve_path: Callable[[str], str] | None = None,
) -> Any:
    """The masker or pseudonymiser of ``spec`` in this process, built on first use."""
    thing = _BUILT.get(spec)
    if thing is None:
        env = os.environ if environ is None else environ
        thing = _BUILT[spec] = spec.build(environ=env, resolve_path=resolve_path)
    return thing


# -- IP addresses ---------------------------------------------------------------------------


def check_format(format: str, fields: Sequence[str] | None) -> tuple[str, tuple[str, ...] | None]:
    """Validate ``format``/``fields`` as :func:`gdprkit.ip.mask_stream` does, up front."""
    if format not in LOG_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(LOG_FORMATS)}, got {format!r}")
    names = tuple(fields) if fields is not None else None
    if names is not None:
        if format not in ("auto", "jsonl", "nginx-json"):
            raise InvalidInput("fields applies to the jsonl and nginx-json formats only")
        if not names or "" in names or not all(isinstance(n, str) for n in names):
            raise InvalidInput("fields must be a non-empty sequence of field names")
    return format, names


def detect_from_head(head: Callable[[int], list[bytes]]) -> str:
    """The format ``gdprkit ip mask`` would detect, from the first lines of a dataset.

    ``head(n)`` returns the first ``n`` lines (without line ends).  The command line detects
    from the first 64 KiB of a file, so lines are fetched until they cover that much (or the
    data end), and the same 64 KiB are looked at.
    """
    wanted = 64
    while True:
        lines = head(wanted)
        data = b"".join(line + b"\n" for line in lines)
        if len(lines) < wanted or len(data) > _SAMPLE_BYTES:
            return detect_log_format(data[:_SAMPLE_BYTES])
        wanted *= 4


def mask_lines(
    lines: Sequence[bytes | None],
    masker: IPMasker,
    *,
    format: str,
    fields: tuple[str, ...] | None,
) -> list[bytes | None]:
    """Mask log lines (bytes, without their ``\\n``) as ``gdprkit ip mask`` masks a file.

    ``None`` stays ``None``.  The lines are joined and run through
    :func:`gdprkit.ip.mask_stream` with the given (already detected) format.
    """
    present = [line for line in lines if line is not None]
    if not present:
        return list(lines)
    sink = io.BytesIO()
    joined = b"\n".join(present) + b"\n"
    mask_stream(io.BytesIO(joined), sink, masker=masker, format=format, fields=fields)  # type: ignore[arg-type]
    masked = sink.getvalue()[:-1].split(b"\n")
    if len(masked) != len(present):  # pragma: no cover - a line never gains or loses a newline
        raise AssertionError
    if len(present) == len(lines):
        return list(masked)
    out: list[bytes | None] = []
    it = iter(masked)
    for line in lines:
        out.append(None if line is None else next(it))
    return out


def mask_text_lines(
    lines: Sequence[str | None],
    masker: IPMasker,
    *,
    format: str,
    fields: tuple[str, ...] | None,
    encoding: str,
) -> list[str | None]:
    """:func:`mask_lines` for decoded lines that keep their line end (``dask.bag.read_text``)."""
    raw: list[bytes | None] = []
    ends: list[str] = []
    for line in lines:
        if line is None:
            raw.append(None)
            ends.append("")
            continue
        if not isinstance(line, str):
            raise InvalidType(f"log lines must be str, got {type(line).__name__}")
        body = line[:-1] if line.endswith("\n") else line
        ends.append(line[len(body) :])
        raw.append(body.encode(encoding))
    masked = mask_lines(raw, masker, format=format, fields=fields)
    return [
        None if m is None else m.decode(encoding) + end for m, end in zip(masked, ends, strict=True)
    ]


def mask_address(value: str, masker: IPMasker) -> str:
    """Mask a value holding an address or an address list, as the log engine's address fields.

    Placeholders (``-``, empty, ``unix:``, ``unknown``) stay; anything that does not parse as
    an address becomes :data:`gdprkit.ip.UNPARSED_MARKER` (fail closed).
    """
    if value in _PLACEHOLDERS:
        return value
    if "," not in value and " " not in value:
        try:
            return masker.apply(value)
        except InvalidAddress:
            return UNPARSED_MARKER
    parts = _LIST_SPLIT.split(value)
    for i in range(0, len(parts), 2):
        if parts[i] not in _PLACEHOLDERS:
            try:
                parts[i] = masker.apply(parts[i])
            except InvalidAddress:
                parts[i] = UNPARSED_MARKER
    return "".join(parts)


def mask_addresses(values: Iterable[str | None], masker: IPMasker) -> list[str | None]:
    """:func:`mask_address` over a column; ``None`` stays ``None``."""
    return [None if v is None else mask_address(v, masker) for v in values]


def tokens(values: Iterable[str | None], pseudonymiser: Pseudonymiser) -> list[str | None]:
    """Keyed tokens of a column; ``None`` stays ``None``."""
    token = pseudonymiser.token
    return [None if v is None else token(v) for v in values]


# -- retention ------------------------------------------------------------------------------


_SHIPPED_FIELDS: Final = frozenset({"rules", "holds", "unscheduled", "zone", "declared"})


def _zone_text(zone: dt.tzinfo | None) -> str | None:
    """The controller's zone by its IANA name (or a fixed offset); refuse any other tzinfo.

    Only a ``ZoneInfo`` with a name and a ``datetime.timezone`` rebuild the same zone on a
    worker: another tzinfo (dateutil's, a ``ZoneInfo`` read from a file) has no name that
    would, and its offset may change with the date.
    """
    if zone is None:
        return None
    if isinstance(zone, ZoneInfo) and isinstance(zone.key, str):
        return zone.key
    if type(zone) is dt.timezone:
        return zone_name(zone)
    raise InvalidInput(
        f"a retention schedule whose zone is a {type(zone).__name__} cannot be sent to workers: "
        "use zoneinfo.ZoneInfo with an IANA name (e.g. ZoneInfo('Europe/Sofia'))"
    )


def schedule_to_dict(schedule: RetentionSchedule) -> dict[str, Any]:
    """A picklable form of a schedule (its mappings are read-only proxies, which do not pickle).

    Rules, holds (erasure blockers are holds by now), unscheduled purposes, the controller's
    time zone (by its IANA name) and the register's declared blockers are shipped.  Any other
    field a schedule may carry is refused unless it is unset: a worker must never decide by a
    schedule that lost part of itself on the way.

    Raises:
        InvalidType: not a RetentionSchedule.
        InvalidInput: the schedule sets a field that cannot be shipped, or its zone has no
            IANA name or fixed offset.

    Example:
        >>> from zoneinfo import ZoneInfo
        >>> from gdprkit.retention import RetentionRule, RetentionSchedule
        >>> s = RetentionSchedule({"cctv": RetentionRule("recorded", "30 days")},
        ...                       zone=ZoneInfo("Europe/Sofia"))
        >>> schedule_from_dict(schedule_to_dict(s)).zone
        zoneinfo.ZoneInfo(key='Europe/Sofia')
    """
    if not isinstance(schedule, RetentionSchedule):
        raise InvalidType(f"schedule must be a RetentionSchedule, got {type(schedule).__name__}")
    for field in attrs.fields(type(schedule)):
        if not field.init or field.name in _SHIPPED_FIELDS:
            continue
        value = getattr(schedule, field.name)
        if value is None or (isinstance(value, (Mapping, tuple)) and not value):
            continue
        raise InvalidInput(
            f"a retention schedule with {field.name!r} set cannot be sent to workers; "
            "evaluate it on one machine"
        )
    return {
        "rules": {purpose: rule.to_dict() for purpose, rule in schedule.rules.items()},
        "holds": [hold.to_dict() for hold in schedule.holds],
        "unscheduled": dict(schedule.unscheduled),
        "zone": _zone_text(schedule.zone),
        "declared": {
            purpose: [blocker.to_dict() for blocker in blockers]
            for purpose, blockers in schedule.declared.items()
        },
    }


def schedule_from_dict(data: Mapping[str, Any]) -> RetentionSchedule:
    """Inverse of :func:`schedule_to_dict` (built once per process through :func:`schedule`)."""
    return RetentionSchedule(
        {purpose: RetentionRule.from_dict(rule) for purpose, rule in data["rules"].items()},
        holds=[LegalHold.from_dict(hold) for hold in data["holds"]],
        unscheduled=data["unscheduled"],
        zone=ensure_zone(data["zone"]),
        declared={
            purpose: tuple(DeclaredBlocker.from_dict(blocker) for blocker in blockers)
            for purpose, blockers in data["declared"].items()
        },
    )


def schedule(data: Mapping[str, Any], key: str) -> RetentionSchedule:
    """The schedule of ``data`` in this process, rebuilt on first use (``key``: its identity)."""
    found = _BUILT.get(("schedule", key))
    if found is None:
        found = _BUILT["schedule", key] = schedule_from_dict(data)
    return found


def decide(
    schedule: RetentionSchedule,
    *,
    purposes: Sequence[Any],
    record_ids: Sequence[Any],
    subject_ids: Sequence[Any] | None,
    events: Mapping[str, Sequence[dt.datetime | None]],
    now: dt.datetime,
) -> list[tuple[str, dt.datetime | None, dt.datetime | None, bool, str]]:
    """One decision per row: action, due date, act-from date, due now, and the reason in words.

    Rows become :class:`gdprkit.retention.Record` values through
    :func:`gdprkit.retention.record_from_mapping`, so a row is decided exactly as
    :meth:`RetentionSchedule.evaluate` decides the same mapping.
    """
    rows: list[dict[str, Any]] = []
    for i, purpose in enumerate(purposes):
        row: dict[str, Any] = {
            "purpose": purpose,
            "record_id": record_ids[i],
            "events": {name: column[i] for name, column in events.items()},
        }
        if subject_ids is not None:
            row["subject_id"] = subject_ids[i]
        rows.append(row)
    return [
        (
            d.action.value,
            d.due,
            d.act_from,
            d.due_now,
            "; ".join(d.explanation),
        )
        for d in schedule.evaluate(rows, now=now)
    ]
