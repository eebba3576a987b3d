"""Dask: mask log lines of a bag, mask IP columns, pseudonymise columns, decide retention per row.

Every function takes a Dask collection (a ``dask.bag.Bag`` of lines from
``dask.bag.read_text``, or a ``dask.dataframe.DataFrame``) and returns a new lazy one; the work
runs gdprkit's own code in each partition, so the results are those of the single-machine
library and of ``gdprkit ip mask``, however the data are split and wherever a partition runs.
Needs ``pip install "gdprkit[dask]"``.

Keys never travel in the task graph.  A :class:`~gdprkit.ip.spec.MaskerSpec` (or
:class:`TokenSpec`) names the method, its options and the environment variable or file where
each worker finds the key.  Give workers the key either in their environment (``dask worker``
started with the variable set, ``LocalCluster(env=...)``) or with :class:`KeyPlugin`, a worker
plugin registered once per client that hands the key text to every worker, present and future,
and is never part of a graph.  The client loads the key once to check it and pins its
non-secret fingerprint into the spec; each worker process builds its masker once and refuses
a key with another fingerprint.  Bad input (a missing column, a non-string column, a missing
key, a naive timestamp column) raises a typed gdprkit error on the client, before any task runs.

Example:
    >>> import dask.bag as db  # doctest: +SKIP
    >>> from gdprkit.integrations import dask as gd  # doctest: +SKIP
    >>> from gdprkit.ip.spec import MaskerSpec  # doctest: +SKIP
    >>> lines = db.read_text("s3://logs/2026/12/*.gz", encoding="latin-1")  # doctest: +SKIP
    >>> masked = gd.mask_log_bag(lines, MaskerSpec("ga"), encoding="latin-1")  # doctest: +SKIP
    >>> masked.to_textfiles("s3://logs-masked/2026/12/*.gz", encoding="latin-1")  # doctest: +SKIP
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from gdprkit._time import ensure_aware
from gdprkit.errors import (
    InvalidInput,
    InvalidType,
    MissingDependency,
    NaiveDatetimeError,
    NotFound,
)
from gdprkit.integrations import _lake
from gdprkit.integrations._lake import DECISION_FIELDS, TokenSpec
from gdprkit.ip.spec import MaskerSpec
from gdprkit.retention import RetentionSchedule

try:
    import pandas as pd  # noqa: TID251 - the dask extra
    from dask import bag as _bag  # noqa: TID251 - the dask extra
    from dask import dataframe as _dataframe  # noqa: TID251 - the dask extra
    from distributed.diagnostics.plugin import WorkerPlugin  # noqa: TID251 - the dask extra
except ImportError as exc:  # pragma: no cover - exercised by the import-blocker test
    raise MissingDependency(
        'gdprkit.integrations.dask needs dask and distributed: pip install "gdprkit[dask]"'
    ) from exc

if TYPE_CHECKING:
    from dask.bag import Bag  # noqa: TID251 - the dask extra
    from dask.dataframe import DataFrame  # noqa: TID251 - the dask extra

__all__ = [
    "DECISION_FIELDS",
    "KeyPlugin",
    "TokenSpec",
    "mask_ip_column",
    "mask_log_bag",
    "mask_log_lines",
    "pseudonymise_column",
    "retention_decisions",
]

_PLUGIN_NAME: Final = "gdprkit-keys"


class KeyPlugin(WorkerPlugin):
    """A worker plugin that gives every worker key texts by environment variable name.

    ``keys`` maps the names a spec's ``key_env`` / ``keyring_env`` uses to the key text (as in
    a key file: hex or base64, or a key ring's JSON form).  On a worker these take precedence
    over the process environment.  Register it once per client with
    ``client.register_plugin(KeyPlugin({...}))``; new workers get it too.  The plugin is sent
    to the scheduler and the workers over Dask's comms (use TLS on a real cluster), never as
    part of a task graph; its repr names the variables only.

    Raises:
        InvalidType: ``keys`` is not a mapping of str to str.

    Example:
        >>> plugin = KeyPlugin({"SHOP_IP_KEY": "hex:" + "00" * 32})
        >>> plugin
        KeyPlugin(names=['SHOP_IP_KEY'])
    """

    name = _PLUGIN_NAME
    idempotent = False

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._keys = _checked_keys(keys)

    def __repr__(self) -> str:
        return f"KeyPlugin(names={sorted(self._keys)!r})"

    def environ(self) -> dict[str, str]:
        """The key texts by variable name (secret: for the worker's own use).

        Example:
            >>> KeyPlugin({"K": "00" * 16}).environ()["K"][:4]
            '0000'
        """
        return dict(self._keys)


def _checked_keys(keys: object) -> dict[str, str]:
    if not isinstance(keys, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        raise InvalidType("KeyPlugin keys must map variable names (str) to key texts (str)")
    return dict(keys)


def _worker_environ() -> Mapping[str, str]:
    """The environment a task sees: the process's, overlaid by a registered :class:`KeyPlugin`."""
    try:
        from distributed import get_worker  # noqa: PLC0415, TID251 - only inside a task

        worker = get_worker()
    except (ImportError, ValueError):
        return os.environ
    plugin = worker.plugins.get(_PLUGIN_NAME)
    if not isinstance(plugin, KeyPlugin):
        return os.environ
    return {**os.environ, **plugin.environ()}


def _pin(spec: MaskerSpec | TokenSpec, expected: type, environ: Mapping[str, str] | None) -> Any:
    if not isinstance(spec, expected):
        raise InvalidType(f"spec must be a {expected.__name__}, got {type(spec).__name__}")
    return spec.pinned(environ=os.environ if environ is None else environ)


def _built(spec: MaskerSpec | TokenSpec) -> Any:
    return _lake.built(spec, environ=_worker_environ())


def _check_bag(bag: object) -> None:
    if not isinstance(bag, _bag.Bag):
        raise InvalidType(f"expected a dask.bag.Bag, got {type(bag).__name__}")


def _check_frame(df: object) -> None:
    if not isinstance(df, _dataframe.DataFrame):
        raise InvalidType(f"expected a dask.dataframe.DataFrame, got {type(df).__name__}")


def _column(df: DataFrame, column: str) -> Any:
    if not isinstance(column, str):
        raise InvalidType(f"column names must be str, got {type(column).__name__}")
    if column not in df.columns:
        raise NotFound(
            f"the DataFrame has no column {column!r} (it has {', '.join(map(str, df.columns))})"
        )
    return df.dtypes[column]


def _string_column(df: DataFrame, column: str) -> None:
    dtype = _column(df, column)
    if not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
        raise InvalidType(f"column {column!r} must hold strings, it is {dtype}")


# -- IP addresses ---------------------------------------------------------------------------


def mask_log_bag(
    bag: Bag,
    spec: MaskerSpec,
    *,
    format: str = "auto",
    fields: Sequence[str] | None = None,
    encoding: str = "utf-8",
    environ: Mapping[str, str] | None = None,
) -> Bag:
    """Mask every IP address in a bag of log lines, as ``gdprkit ip mask`` masks the files.

    The bag holds lines as ``dask.bag.read_text`` gives them (str, each with its line end).
    ``encoding`` must be the one the bag was read with: each line is encoded back to the file's
    bytes, masked as the command line masks a file, and decoded again.  Read with
    ``encoding="latin-1"`` for byte-exact results on files that are not valid UTF-8.
    ``format="auto"`` detects the format on the client from the first 64 KiB of the first
    partition (with ``read_text``'s default ``blocksize=None``, the first file), as the command
    line does per file; give the format when files of several formats are read together.
    ``environ`` replaces the client's environment for finding the key (default
    :data:`os.environ`).

    Raises:
        InvalidType: ``bag`` is not a Bag or ``spec`` not a MaskerSpec.
        InvalidInput: an unknown format, or ``fields`` with a format that has none.
        KeyMaterialError: the key cannot be found on the client.

    Example:
        >>> import dask.bag as db
        >>> from gdprkit.ip.spec import MaskerSpec
        >>> lines = db.from_sequence(['203.0.113.7 - - [17/May/2015:10:05:03 +0000] '
        ...                           '"GET / HTTP/1.1" 200 5\\n'])
        >>> mask_log_bag(lines, MaskerSpec("ga")).compute(scheduler="sync")
        ['203.0.113.0 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5\\n']
    """
    _check_bag(bag)
    fmt, names = _lake.check_format(format, fields)
    pinned: MaskerSpec = _pin(spec, MaskerSpec, environ)
    any_bag: Any = bag  # dask.bag has no type hints
    try:
        codecs.lookup(encoding)  # an unknown encoding fails here, not in a task
    except LookupError:
        raise InvalidInput(f"unknown encoding {encoding!r}") from None
    if fmt == "auto":

        def head(n: int) -> list[bytes]:
            lines = any_bag.take(n, npartitions=1, warn=False)
            return [line.rstrip("\n").encode(encoding) for line in lines if line is not None]

        fmt = _lake.detect_from_head(head)

    def partition(lines: Sequence[str | None]) -> list[str | None]:
        return _lake.mask_text_lines(
            list(lines), _built(pinned), format=fmt, fields=names, encoding=encoding
        )

    return any_bag.map_partitions(partition)  # type: ignore[no-any-return]


def _map_column(
    df: DataFrame, column: str, target: str, transform: Callable[[list[Any]], list[Any]]
) -> DataFrame:
    def partition(part: pd.DataFrame) -> pd.DataFrame:
        values = [None if pd.isna(v) else v for v in part[column].tolist()]
        out = part.copy()
        out[target] = pd.Series(transform(values), index=part.index, dtype="string")
        return out

    meta = df._meta.copy()
    meta[target] = pd.Series([], dtype="string")
    frame: Any = df  # dask.dataframe's map_partitions has no type hints
    return frame.map_partitions(partition, meta=meta)  # type: ignore[no-any-return]


def mask_ip_column(
    df: DataFrame,
    column: str,
    spec: MaskerSpec,
    *,
    output: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> DataFrame:
    """Mask a column of IP addresses (one address, or an X-Forwarded-For list, per row).

    Each value is masked like an address field of ``gdprkit ip mask``: placeholders (``-``,
    empty, ``unknown``) stay, a value that is not an address becomes ``[unparsed]`` (fail
    closed), missing values stay missing.  ``output`` writes the result to another column.

    Raises:
        NotFound: no such column.
        InvalidType: the column does not hold strings, or ``spec`` is not a MaskerSpec.
        KeyMaterialError: the key cannot be found on the client.

    Example:
        >>> import pandas as pd, dask.dataframe as dd
        >>> from gdprkit.ip.spec import MaskerSpec
        >>> df = dd.from_pandas(pd.DataFrame({"ip": ["192.0.2.1", "oops"]}), npartitions=1)
        >>> mask_ip_column(df, "ip", MaskerSpec("ga")).compute(scheduler="sync")["ip"].tolist()
        ['192.0.2.0', '[unparsed]']
    """
    _check_frame(df)
    _string_column(df, column)
    pinned: MaskerSpec = _pin(spec, MaskerSpec, environ)

    def transform(values: list[Any]) -> list[Any]:
        return _lake.mask_addresses(values, _built(pinned))

    return _map_column(df, column, output or column, transform)


def mask_log_lines(
    df: DataFrame,
    spec: MaskerSpec,
    *,
    column: str = "value",
    format: str = "auto",
    fields: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> DataFrame:
    """Mask every IP address in a column of raw log lines (str, one line per row, no ``\\n``).

    Lines are masked as their UTF-8 bytes, as ``gdprkit ip mask`` masks a UTF-8 file;
    ``format="auto"`` detects the format on the client from the first partition.

    Raises:
        NotFound: no such column.
        InvalidType: the column does not hold strings.
        InvalidInput: an unknown format, or ``fields`` with a format that has none.
        KeyMaterialError: the key cannot be found on the client.

    Example:
        >>> import pandas as pd, dask.dataframe as dd
        >>> from gdprkit.ip.spec import MaskerSpec
        >>> df = dd.from_pandas(pd.DataFrame({"value": ["login from 10.1.2.3"]}), npartitions=1)
        >>> mask_log_lines(df, MaskerSpec("ga")).compute(scheduler="sync")["value"].tolist()
        ['login from 10.1.2.0']
    """
    _check_frame(df)
    _string_column(df, column)
    fmt, names = _lake.check_format(format, fields)
    pinned: MaskerSpec = _pin(spec, MaskerSpec, environ)
    if fmt == "auto":

        def head(n: int) -> list[bytes]:
            values = df[column].dropna().head(n, npartitions=1, compute=True).tolist()
            return [str(v).encode() for v in values]

        fmt = _lake.detect_from_head(head)

    def transform(values: list[Any]) -> list[Any]:
        raw = [None if v is None else str(v).encode() for v in values]
        masked = _lake.mask_lines(raw, _built(pinned), format=fmt, fields=names)
        return [None if m is None else m.decode() for m in masked]

    return _map_column(df, column, column, transform)


# -- keyed tokens ---------------------------------------------------------------------------


def pseudonymise_column(
    df: DataFrame,
    column: str,
    spec: TokenSpec,
    *,
    output: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> DataFrame:
    """Replace a string column by keyed tokens (``ps1.<key id>.<token>``), missing values kept.

    Raises:
        NotFound: no such column.
        InvalidType: the column does not hold strings, or ``spec`` is not a TokenSpec.
        KeyMaterialError: the key ring cannot be loaded on the client.

    Example:
        >>> import pandas as pd, dask.dataframe as dd
        >>> from gdprkit.pseudonymise import KeyRing
        >>> env = {"SHOP_KEYRING": KeyRing([("k1", bytes(32))]).to_secret_json()}
        >>> df = dd.from_pandas(pd.DataFrame({"email": ["ann@shop.example"]}), npartitions=1)
        >>> spec = TokenSpec("email", canonicaliser="email_lower", keyring_env="SHOP_KEYRING")
        >>> out = pseudonymise_column(df, "email", spec, environ=env)  # checked, not run yet
        >>> out.columns.tolist()
        ['email']

    ``environ`` is where the client finds the ring; workers find it in their own environment
    or in a :class:`KeyPlugin`.
    """
    _check_frame(df)
    _string_column(df, column)
    pinned: TokenSpec = _pin(spec, TokenSpec, environ)

    def transform(values: list[Any]) -> list[Any]:
        return _lake.tokens(values, _built(pinned))

    return _map_column(df, column, output or column, transform)


# -- retention ------------------------------------------------------------------------------


def _event_columns(df: DataFrame, events: Sequence[str] | None, ids: set[str]) -> list[str]:
    names = [str(c) for c in df.columns if c not in ids] if events is None else list(events)
    for name in names:
        dtype = _column(df, name)
        if pd.api.types.is_datetime64_any_dtype(dtype):
            if getattr(dtype, "tz", None) is None:
                raise NaiveDatetimeError(
                    f"event column {name!r} holds datetimes without a time zone ({dtype}); "
                    "localise it first, e.g. df[col].dt.tz_localize('Europe/Berlin')"
                )
        elif not (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
            raise InvalidType(
                f"event column {name!r} must hold aware datetimes (or ISO 8601 text with an "
                f"offset), it is {dtype}"
            )
    return names


def retention_decisions(
    df: DataFrame,
    schedule: RetentionSchedule,
    *,
    now: dt.datetime,
    purpose: str = "purpose",
    record_id: str = "record_id",
    subject_id: str | None = None,
    events: Sequence[str] | None = None,
    prefix: str = "retention_",
) -> DataFrame:
    """Add the decision of :meth:`RetentionSchedule.evaluate` for each row, as five columns.

    Each row is a record: its purpose, its id, optionally its data subject, and its dated events
    (by default every other column: aware datetimes, or ISO 8601 text with an offset).  The new
    columns are ``<prefix>action``, ``<prefix>due``, ``<prefix>act_from`` (UTC),
    ``<prefix>due_now`` and ``<prefix>reason`` (the explanation chain joined by ``"; "``); pandas
    has no struct column in common use, so the decision is spread over columns with one prefix.

    Raises:
        NotFound: a named column is missing.
        InvalidType: an id column does not hold strings, or an event column is neither an aware
            datetime nor a string column.
        NaiveDatetimeError: ``now`` is naive, or an event column has no time zone.

    Example:
        >>> import datetime as dt, pandas as pd, dask.dataframe as dd
        >>> from gdprkit.retention import RetentionRule, RetentionSchedule
        >>> utc = dt.timezone.utc
        >>> schedule = RetentionSchedule({"cctv": RetentionRule("recorded", "30 days")})
        >>> rows = pd.DataFrame({"purpose": ["cctv"], "record_id": ["clip-1"],
        ...                      "recorded": [pd.Timestamp("2025-03-01T12:00Z")]})
        >>> out = retention_decisions(dd.from_pandas(rows, npartitions=1), schedule,
        ...                           now=dt.datetime(2025, 4, 2, tzinfo=utc))
        >>> out.compute(scheduler="sync")[["retention_action", "retention_due_now"]].values.tolist()
        [['delete', True]]
    """
    _check_frame(df)
    now = ensure_aware(now, "now")
    data = _lake.schedule_to_dict(schedule)
    ids = {purpose, record_id} | ({subject_id} if subject_id else set())
    for name in ids:
        _string_column(df, name)
    new = [f"{prefix}{field}" for field in DECISION_FIELDS]
    clash = [name for name in new if name in df.columns]
    if clash:
        raise InvalidInput(f"the DataFrame already has the column {clash[0]!r}")
    event_names = _event_columns(df, events, ids | set(new))
    key = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def moments(series: pd.Series) -> list[Any]:
        return [
            None if pd.isna(v) else (v.to_pydatetime() if hasattr(v, "to_pydatetime") else v)
            for v in series.tolist()
        ]

    def partition(part: pd.DataFrame) -> pd.DataFrame:
        decided = _lake.decide(
            _lake.schedule(data, key),
            purposes=part[purpose].tolist(),
            record_ids=part[record_id].tolist(),
            subject_ids=None
            if subject_id is None
            else [None if pd.isna(v) else v for v in part[subject_id].tolist()],
            events={name: moments(part[name]) for name in event_names},
            now=now,
        )
        out = part.copy()
        columns: list[Sequence[Any]] = (
            list(zip(*decided, strict=True)) if decided else [() for _ in DECISION_FIELDS]
        )
        out[new[0]] = pd.Series(columns[0], index=part.index, dtype="string")
        out[new[1]] = pd.Series(pd.to_datetime(list(columns[1]), utc=True), index=part.index)
        out[new[2]] = pd.Series(pd.to_datetime(list(columns[2]), utc=True), index=part.index)
        out[new[3]] = pd.Series(columns[3], index=part.index, dtype=bool)
        out[new[4]] = pd.Series(columns[4], index=part.index, dtype="string")
        return out

    meta = df._meta.copy()
    meta[new[0]] = pd.Series([], dtype="string")
    meta[new[1]] = pd.Series([], dtype="datetime64[ns, UTC]")
    meta[new[2]] = pd.Series([], dtype="datetime64[ns, UTC]")
    meta[new[3]] = pd.Series([], dtype=bool)
    meta[new[4]] = pd.Series([], dtype="string")
    frame: Any = df  # dask.dataframe's map_partitions has no type hints
    return frame.map_partitions(partition, meta=meta)  # type: ignore[no-any-return]
