"""Apache Spark: mask IP columns and log lines, pseudonymise columns, decide retention per row.

Every function takes a :class:`pyspark.sql.DataFrame` and returns a new one (lazily: nothing
runs until an action such as ``write`` or ``collect``).  The work is done by Arrow-based Python
functions (``DataFrame.mapInArrow``) that run gdprkit's own code, so the results are those of
the single-machine library and of ``gdprkit ip mask``, whatever the partitioning.  Needs
``pip install "gdprkit[spark]"`` (pyspark and pyarrow).

Keys never travel with the job.  A :class:`~gdprkit.ip.spec.MaskerSpec` (or
:class:`TokenSpec`) names the method, its options and *where* each executor finds the key: an
environment variable (set on executors with ``spark.executorEnv.NAME``, or by the cluster
manager from a secret store) or a file (shipped with ``spark-submit --files`` /
``SparkContext.addFile`` and found with ``SparkFiles.get`` when the name is relative).  The
driver loads the key once to check it and pins its non-secret fingerprint into the spec; each
executor process builds its masker once and refuses a key with another fingerprint.  Bad input
(a missing column, a non-string column, a missing key, a naive timestamp column) raises a typed
gdprkit error on the driver, before any job runs.

Example:
    >>> from pyspark.sql import SparkSession  # doctest: +SKIP
    >>> from gdprkit.integrations import spark as gs  # doctest: +SKIP
    >>> from gdprkit.ip.spec import MaskerSpec  # doctest: +SKIP
    >>> lines = gs.read_log_lines(session, "s3a://logs/2026/12/*.gz")  # doctest: +SKIP
    >>> masked = gs.mask_log_lines(lines, MaskerSpec("ga"))  # doctest: +SKIP
    >>> masked.write.text("s3a://logs-masked/2026/12/", compression="gzip")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    import pyarrow as pa  # noqa: TID251 - the spark extra
    from pyspark.sql import functions as sf  # noqa: TID251 - the spark extra
    from pyspark.sql import types as st  # noqa: TID251 - the spark extra
except ImportError as exc:  # pragma: no cover - exercised by the import-blocker test
    raise MissingDependency(
        'gdprkit.integrations.spark needs pyspark and pyarrow: pip install "gdprkit[spark]"'
    ) from exc

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession  # noqa: TID251 - the spark extra

__all__ = [
    "DECISION_FIELDS",
    "TokenSpec",
    "mask_ip_column",
    "mask_log_lines",
    "pseudonymise_column",
    "read_log_lines",
    "retention_decisions",
    "safe_session_options",
]

_EXECUTOR_ENV = "spark.executorEnv."


def safe_session_options() -> dict[str, str]:
    """Session options that keep a local Spark on loopback and its UI off.

    Spark's web UI shows the environment and every job's plan; a local session binds it and the
    driver to all interfaces by default.  Pass these to ``SparkSession.builder.config``.  The
    redaction pattern also hides, in the UI and the event log, every option whose name contains
    ``KEY``, ``SECRET``, ``TOKEN`` or ``PASSWORD`` (such as ``spark.executorEnv.SHOP_IP_KEY``).

    Example:
        >>> safe_session_options()["spark.ui.enabled"]
        'false'
    """
    return {
        "spark.ui.enabled": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.redaction.regex": "(?i)secret|password|token|access[.]?key|key",
    }


def read_log_lines(session: SparkSession, path: str | Sequence[str]) -> DataFrame:
    """Read text logs (plain or gzip) as one row per line in a ``value`` column, byte-exact.

    Spark's text source splits on ``\\r``, ``\\r\\n`` and ``\\n`` by default, which would drop
    the carriage returns ``gdprkit ip mask`` keeps; this reads with ``lineSep="\\n"``.

    Example:
        >>> read_log_lines(session, "logs/access.log").columns  # doctest: +SKIP
        ['value']
    """
    paths = [path] if isinstance(path, str) else list(path)
    return session.read.option("lineSep", "\n").text(paths)


# -- checks on the driver -------------------------------------------------------------------


def _field(df: DataFrame, column: str) -> st.StructField:
    if not isinstance(column, str):
        raise InvalidType(f"column names must be str, got {type(column).__name__}")
    for field in df.schema.fields:
        if field.name == column:
            return field
    raise NotFound(f"the DataFrame has no column {column!r} (it has {', '.join(df.columns)})")


def _string_field(df: DataFrame, column: str, *, binary: bool = False) -> st.StructField:
    field = _field(df, column)
    allowed: tuple[type[st.DataType], ...] = (
        (st.StringType, st.BinaryType) if binary else (st.StringType,)
    )
    if not isinstance(field.dataType, allowed):
        raise InvalidType(
            f"column {column!r} must hold strings"
            f"{' or binary' if binary else ''}, it is {field.dataType.simpleString()}"
        )
    return field


def _environ(df: DataFrame) -> dict[str, str]:
    """The environment an executor will see: the driver's, with ``spark.executorEnv.*``."""
    env = dict(os.environ)
    for name, value in df.sparkSession.sparkContext.getConf().getAll():
        if name.startswith(_EXECUTOR_ENV):
            env[name[len(_EXECUTOR_ENV) :]] = value
    return env


def _resolve_path(name: str) -> str:
    """A key file: an absolute path as it is, a relative name through ``SparkFiles``."""
    if Path(name).is_absolute():
        return name
    from pyspark import SparkFiles  # noqa: PLC0415, TID251 - only where files are distributed

    return SparkFiles.get(name)


def _pin(spec: MaskerSpec | TokenSpec, df: DataFrame) -> Any:
    if not isinstance(spec, (MaskerSpec, TokenSpec)):
        raise InvalidType(f"expected a MaskerSpec or TokenSpec, got {type(spec).__name__}")
    return spec.pinned(environ=_environ(df), resolve_path=_resolve_path)


def _with_column(schema: st.StructType, name: str, data_type: st.DataType) -> st.StructType:
    fields = [
        st.StructField(f.name, data_type, True) if f.name == name else f for f in schema.fields
    ]
    if name not in schema.fieldNames():
        fields.append(st.StructField(name, data_type, True))
    return st.StructType(fields)


def _column_mapper(
    names: list[str],
    source: str,
    target: str,
    arrow_type: pa.DataType,
    transform: Callable[[list[Any]], list[Any]],
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """A ``mapInArrow`` function: ``target`` = ``transform(source values)``, other columns kept."""
    index = names.index(source)
    out_names = names if target in names else [*names, target]
    out_index = out_names.index(target)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            values = transform(batch.column(index).to_pylist())
            arrays = list(batch.columns)
            new = pa.array(values, type=arrow_type)
            if out_index < len(arrays):
                arrays[out_index] = new
            else:
                arrays.append(new)
            yield pa.RecordBatch.from_arrays(arrays, names=out_names)

    return run


# -- IP addresses ---------------------------------------------------------------------------


def mask_ip_column(
    df: DataFrame, column: str, spec: MaskerSpec, *, output: str | None = None
) -> DataFrame:
    """Mask a column of IP addresses (one address, or an X-Forwarded-For list, per row).

    Each value is masked like an address field of ``gdprkit ip mask``: placeholders (``-``,
    empty, ``unknown``) stay, a value that is not an address becomes ``[unparsed]`` (fail
    closed), nulls stay null.  ``output`` writes the result to another column (default: in
    place).

    Raises:
        NotFound: no such column.
        InvalidType: the column does not hold strings, or ``spec`` is not a MaskerSpec.
        KeyMaterialError: the key cannot be found on the driver.

    Example:
        >>> mask_ip_column(orders, "client_ip", MaskerSpec("ga")).show()  # doctest: +SKIP
    """
    _string_field(df, column)
    if not isinstance(spec, MaskerSpec):
        raise InvalidType(f"spec must be a MaskerSpec, got {type(spec).__name__}")
    pinned: MaskerSpec = _pin(spec, df)
    target = output or column

    def transform(values: list[Any]) -> list[Any]:
        masker = _lake.built(pinned, resolve_path=_resolve_path)
        return _lake.mask_addresses(values, masker)

    run = _column_mapper(df.columns, column, target, pa.string(), transform)
    return df.mapInArrow(run, _with_column(df.schema, target, st.StringType()))


def mask_log_lines(
    df: DataFrame,
    spec: MaskerSpec,
    *,
    column: str = "value",
    format: str = "auto",
    fields: Sequence[str] | None = None,
) -> DataFrame:
    """Mask every IP address in a column of raw log lines, as ``gdprkit ip mask`` does.

    Each row is one line without its ``\\n`` (what :func:`read_log_lines` gives).  The column
    may be a string or a binary column; the bytes are masked as the command line masks a file
    (latin-1 in, latin-1 out, so non-UTF-8 bytes and carriage returns are kept) and the column
    keeps its type.  ``format="auto"`` detects the format on the driver from the first 64 KiB of
    the DataFrame (a small job), as the command line does from the start of a file; give the
    format when a DataFrame holds logs of several formats.

    Raises:
        NotFound: no such column.
        InvalidType: the column is neither string nor binary.
        InvalidInput: an unknown format, or ``fields`` with a format that has none.
        KeyMaterialError: the key cannot be found on the driver.

    Example:
        >>> lines = read_log_lines(session, "access.log")  # doctest: +SKIP
        >>> mask_log_lines(lines, MaskerSpec("ga"))  # doctest: +SKIP
        DataFrame[value: string]
    """
    field = _string_field(df, column, binary=True)
    fmt, names = _lake.check_format(format, fields)
    if not isinstance(spec, MaskerSpec):
        raise InvalidType(f"spec must be a MaskerSpec, got {type(spec).__name__}")
    pinned: MaskerSpec = _pin(spec, df)
    as_binary = df.withColumn(column, sf.col(column).cast("binary"))
    if fmt == "auto":

        def head(n: int) -> list[bytes]:
            rows = as_binary.select(column).where(sf.col(column).isNotNull()).limit(n).collect()
            return [bytes(row[0]) for row in rows]

        fmt = _lake.detect_from_head(head)

    def transform(values: list[Any]) -> list[Any]:
        masker = _lake.built(pinned, resolve_path=_resolve_path)
        return _lake.mask_lines(values, masker, format=fmt, fields=names)

    run = _column_mapper(as_binary.columns, column, column, pa.binary(), transform)
    masked = as_binary.mapInArrow(run, _with_column(as_binary.schema, column, st.BinaryType()))
    if isinstance(field.dataType, st.StringType):
        masked = masked.withColumn(column, sf.col(column).cast("string"))
    return masked


# -- keyed tokens ---------------------------------------------------------------------------


def pseudonymise_column(
    df: DataFrame, column: str, spec: TokenSpec, *, output: str | None = None
) -> DataFrame:
    """Replace a string column by keyed tokens (``ps1.<key id>.<token>``), nulls kept.

    The same value gives the same token on every executor and on one machine
    (:meth:`gdprkit.pseudonymise.Pseudonymiser.token` with the same ring and domain).

    Raises:
        NotFound: no such column.
        InvalidType: the column does not hold strings, or ``spec`` is not a TokenSpec.
        KeyMaterialError: the key ring cannot be loaded on the driver.

    Example:
        >>> spec = TokenSpec("email", canonicaliser="email_lower", keyring_env="SHOP_KEYRING")
        >>> pseudonymise_column(customers, "email", spec)  # doctest: +SKIP
    """
    _string_field(df, column)
    if not isinstance(spec, TokenSpec):
        raise InvalidType(f"spec must be a TokenSpec, got {type(spec).__name__}")
    pinned: TokenSpec = _pin(spec, df)
    target = output or column

    def transform(values: list[Any]) -> list[Any]:
        return _lake.tokens(values, _lake.built(pinned, resolve_path=_resolve_path))

    run = _column_mapper(df.columns, column, target, pa.string(), transform)
    return df.mapInArrow(run, _with_column(df.schema, target, st.StringType()))


# -- retention ------------------------------------------------------------------------------

_DECISION_TYPE = st.StructType(
    [
        st.StructField("action", st.StringType(), False),
        st.StructField("due", st.TimestampType(), True),
        st.StructField("act_from", st.TimestampType(), True),
        st.StructField("due_now", st.BooleanType(), False),
        st.StructField("reason", st.StringType(), False),
    ]
)
_DECISION_ARROW = pa.struct(
    [
        pa.field("action", pa.string(), nullable=False),
        pa.field("due", pa.timestamp("us", tz="UTC")),
        pa.field("act_from", pa.timestamp("us", tz="UTC")),
        pa.field("due_now", pa.bool_(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
    ]
)


def _event_columns(df: DataFrame, events: Sequence[str] | None, ids: set[str]) -> list[str]:
    names = [f.name for f in df.schema.fields if f.name not in ids] if events is None else events
    checked = []
    for name in names:
        field = _field(df, name)
        kind = field.dataType
        if isinstance(kind, st.TimestampNTZType):
            raise NaiveDatetimeError(
                f"event column {name!r} holds timestamps without a time zone "
                "(TimestampNTZType); give them a zone first, e.g. "
                "to_utc_timestamp(col, 'Europe/Berlin').cast('timestamp')"
            )
        if not isinstance(kind, (st.TimestampType, st.StringType)):
            raise InvalidType(
                f"event column {name!r} must be a timestamp (or ISO 8601 text with an offset), "
                f"it is {kind.simpleString()}"
            )
        checked.append(name)
    return checked


def retention_decisions(
    df: DataFrame,
    schedule: RetentionSchedule,
    *,
    now: dt.datetime,
    purpose: str = "purpose",
    record_id: str = "record_id",
    subject_id: str | None = None,
    events: Sequence[str] | None = None,
    output: str = "retention",
) -> DataFrame:
    """Add a decision column: what :meth:`RetentionSchedule.evaluate` decides for each row.

    Each row is a record: its purpose, its id, optionally its data subject, and its dated events
    (by default every other column; timestamp columns, or strings in ISO 8601 with an offset).
    The ``output`` column is a struct of ``action`` (``delete``, ``anonymise``, ``review``...),
    ``due`` (when the period ends), ``act_from`` (later while a hold binds), ``due_now`` and
    ``reason`` (the explanation chain, joined by ``"; "``).  Build the schedule from the shop's
    register with :meth:`RetentionSchedule.from_register`.

    Raises:
        NotFound: a named column is missing.
        InvalidType: an id column is not a string column, or an event column is neither a
            timestamp nor a string.
        NaiveDatetimeError: ``now`` is naive, or an event column is ``TimestampNTZType``.

    Example:
        >>> schedule = RetentionSchedule.from_register(register)  # doctest: +SKIP
        >>> decided = retention_decisions(orders, schedule, now=now)  # doctest: +SKIP
        >>> decided.where("retention.due_now").count()  # doctest: +SKIP
    """
    now = ensure_aware(now, "now")
    data = _lake.schedule_to_dict(schedule)
    ids = {purpose, record_id} | ({subject_id} if subject_id else set())
    for name in ids:
        _string_field(df, name)
    if output in df.columns:
        raise InvalidInput(f"the DataFrame already has a column {output!r}")
    event_names = _event_columns(df, events, ids | {output})
    key = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    names = df.columns
    where = {name: names.index(name) for name in (*ids, *event_names)}

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        sched = _lake.schedule(data, key)
        for batch in batches:
            columns = {name: batch.column(i).to_pylist() for name, i in where.items()}
            decided = _lake.decide(
                sched,
                purposes=columns[purpose],
                record_ids=columns[record_id],
                subject_ids=columns[subject_id] if subject_id else None,
                events={name: columns[name] for name in event_names},
                now=now,
            )
            struct = pa.array(
                [dict(zip(DECISION_FIELDS, d, strict=True)) for d in decided], type=_DECISION_ARROW
            )
            yield pa.RecordBatch.from_arrays([*batch.columns, struct], names=[*names, output])

    schema = st.StructType([*df.schema.fields, st.StructField(output, _DECISION_TYPE, False)])
    return df.mapInArrow(run, schema)
