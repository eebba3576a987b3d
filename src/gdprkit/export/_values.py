"""Turning a subject's records into JSON lines and CSV rows, one pass, batch by batch.

The same conversions feed both renderings, so a value looks the same in ``data/x.jsonl``, in
``data/x.csv`` and in the access report:

==================  ============================  ==========================
Python value        JSON                          CSV cell
==================  ============================  ==========================
``str``             string                        the text
``int``, ``float``  number (NaN/inf refused)      ``repr``
``bool``            ``true`` / ``false``          ``true`` / ``false``
``None``            ``null``                      empty
aware ``datetime``  ISO 8601 string               ISO 8601
``date``/``time``   ISO 8601 string               ISO 8601
``Decimal``         string (no float rounding)    the digits
``UUID``            string                        the text
mapping             object                        flattened to dotted columns
list / tuple        array                         the array as compact JSON
==================  ============================  ==========================

Naive datetimes, bytes, sets and other objects are refused with a typed error naming the dataset
and the record number (never the value).  Keys must be strings.  A key containing ``.`` or
``\\`` is escaped in the CSV column name (``\\.``, ``\\\\``) so two different paths never share a
column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import operator
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

from gdprkit._json import compact_encoder
from gdprkit._time import ensure_aware
from gdprkit.errors import InvalidInput, InvalidType

__all__: list[str] = []

_NONE = type(None)
# Types a CSV writer renders exactly as JSON would (None as an empty cell); everything else goes
# through _cell.  bool is not here: csv would write "True".
_PLAIN_CELL = frozenset({str, int, float, _NONE})
_BOOL_CELL = frozenset({bool, _NONE})
_STR = frozenset({str})
_INT = frozenset({int})
_FLOAT = frozenset({float})
_OPTIONAL_STR = frozenset({str, _NONE})
_NUMBER = frozenset({int, float})
# RFC 4180 §2.6: fields holding a comma, a double quote, CR or LF are enclosed in double quotes.
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')
_BOOL_TEXT: dict[object, str] = {True: "true", False: "false", None: ""}


class _Text(str):
    """The JSON text of a value that JSON writes as a string (a datetime, a Decimal, ...).

    Used only by the CSV helper process (:mod:`gdprkit.export._csvworker`): a batch is sent to it
    with such values replaced by their text, so it never has to import the user's classes, and
    the subclass keeps the JSON Schema format the original type gave (``date-time``, ...).
    """

    __slots__ = ()


class _DateTimeText(_Text):
    __slots__ = ()


class _DateText(_Text):
    __slots__ = ()


class _TimeText(_Text):
    __slots__ = ()


class _DecimalText(_Text):
    __slots__ = ()


class _UuidText(_Text):
    __slots__ = ()


_JSON_TYPE = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    _NONE: "null",
    list: "array",
    tuple: "array",
    dict: "object",
    dt.datetime: "string/date-time",
    dt.date: "string/date",
    dt.time: "string/time",
    Decimal: "string/decimal",
    uuid.UUID: "string/uuid",
    _DateTimeText: "string/date-time",
    _DateText: "string/date",
    _TimeText: "string/time",
    _DecimalText: "string/decimal",
    _UuidText: "string/uuid",
}
# The stand-in class for each string format (see _Text).
TEXT_OF_FORMAT: dict[str, type[_Text]] = {
    "string/date-time": _DateTimeText,
    "string/date": _DateText,
    "string/time": _TimeText,
    "string/decimal": _DecimalText,
    "string/uuid": _UuidText,
}


def json_default(value: object) -> object:
    """``default`` hook of the JSON encoder: the non-JSON types gdprkit knows how to write."""
    if isinstance(value, dt.datetime):
        # Aware only (DESIGN.md principle 4): a naive time would silently change meaning.
        return ensure_aware(value, "a datetime in a record").isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise InvalidType("bytes are not JSON: pass binary content as an attachment")
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    raise InvalidType(f"a record holds a value of type {type(value).__name__}, not JSON")


def make_encoder() -> Callable[[object], str]:
    """Compact UTF-8 JSON of a record (no NaN; gdprkit's types through :func:`json_default`).

    Built once (see :func:`gdprkit._json.compact_encoder`); it keeps the ids of the containers
    it is in (cycle check), so one encoder must not be used by two threads at once: the package
    writer makes one per dataset.
    """
    return compact_encoder(sort_keys=False, default=json_default, check_circular=True)


_per_thread = threading.local()


def encode_json(value: object) -> str:
    """Compact UTF-8 JSON of ``value`` (see :func:`make_encoder`), safe to call from any thread."""
    try:
        encode: Callable[[object], str] = _per_thread.encode
    except AttributeError:
        encode = _per_thread.encode = make_encoder()
    return encode(value)


def _cell(value: object) -> object:
    """One CSV cell for a value that is not a nested mapping."""
    kind = type(value)
    if kind is str or kind is int or kind is float:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, str):
        return str.__str__(value)  # a str enum: its value, as JSON writes it
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, (list, tuple, Mapping)):
        return encode_json(value)
    text = json_default(value)
    # Other sequences (json_default gives a list) are written as compact JSON like lists are.
    return text if isinstance(text, str) else encode_json(text)


def _quote(cell: str) -> str:
    if _NEEDS_QUOTES.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _type_label(kind: type) -> str:
    """The JSON type (with a format hint after ``/``) values of Python type ``kind`` become."""
    label = _JSON_TYPE.get(kind)
    if label is not None:
        return label
    if issubclass(kind, bool):
        return "boolean"
    for base, name in _JSON_TYPE.items():
        if issubclass(kind, base):
            return name
    return "object" if issubclass(kind, Mapping) else "array"


def _escape(key: str) -> str:
    if "." in key or "\\" in key:
        return key.replace("\\", "\\\\").replace(".", "\\.")
    return key


_values = operator.methodcaller("values")


class CsvSpool:
    """Collects CSV rows of one dataset in a temporary file while the columns are still growing.

    A CSV header must come first, but the columns are known only after the last record (a nested
    field may first appear in record 900 000).  Rather than reading the dataset twice (it is an
    iterator, consumed once), rows go to an anonymous temporary file as they are converted; each
    batch is written with the width known at that time.  :meth:`write_to` then writes the header
    and copies the spooled bytes, re-padding only the (rare) early batches that are narrower than
    the final header.  Memory holds one batch and the column list, whatever the record count.
    """

    def __init__(self, spool: IO[bytes]) -> None:
        self._spool = spool
        self.names: list[str] = []  # escaped, dotted column names in first-seen order
        self.paths: list[tuple[str, ...]] = []  # the raw key path of each column
        self.types: list[set[str]] = []  # JSON types seen in each column
        self._index: dict[str, int] = {}
        self._layouts: dict[tuple[Any, ...], bool] = {}
        self._runs: list[list[int]] = []  # [width, byte length] of consecutive batches
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, lineterminator="\r\n")

    # -- state handed to and from the CSV helper process ---------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The column state (plain strings, lists and sets) to continue this spool elsewhere.

        The spooled bytes stay in the spool file; :meth:`resume` continues from this state on
        the same file (its position must be at the end).  The layout cache is left out: it is
        recomputed from the columns and gives the same answers.
        """
        return {
            "names": [str.__str__(name) for name in self.names],
            "paths": [tuple(map(str.__str__, path)) for path in self.paths],
            "types": [set(types) for types in self.types],
            "runs": [list(run) for run in self._runs],
        }

    @classmethod
    def resume(cls, spool: IO[bytes], state: Mapping[str, Any]) -> CsvSpool:
        """A spool continuing where :meth:`snapshot` left off, appending to ``spool``."""
        self = cls(spool)
        self.names = list(state["names"])
        self.paths = [tuple(path) for path in state["paths"]]
        self.types = [set(types) for types in state["types"]]
        self._runs = [list(run) for run in state["runs"]]
        self._index = {name: index for index, name in enumerate(self.names)}
        return self

    # -- columns -------------------------------------------------------------------------------

    def _column(self, name: str, path: tuple[str, ...]) -> int:
        index = self._index.get(name)
        if index is None:
            index = len(self.names)
            self._index[name] = index
            self.names.append(name)
            self.paths.append(path)
            self.types.append(set())
        return index

    def _flat_layout(self, keys: tuple[Any, ...]) -> bool:
        """Whether records with these keys map, in order, onto columns 0..len(keys)-1."""
        known = self._layouts.get(keys)
        if known is not None:
            return known
        fits = True
        for position, key in enumerate(keys):
            if type(key) is not str or "." in key or "\\" in key:
                fits = False
                break
            index = self._index.get(key)
            if index is None:
                index = self._column(key, (key,))
            if index != position:
                fits = False
                break
        if len(self._layouts) < 256:  # bounded: a dataset with ever-changing keys stays flat
            self._layouts[keys] = fits
        return fits

    # -- rows ----------------------------------------------------------------------------------

    def add(self, batch: Sequence[Mapping[str, Any]]) -> None:
        """Convert and spool one batch of records."""
        text: str | None = None
        shapes = set(map(tuple, batch))
        if len(shapes) == 1:
            keys = shapes.pop()
            # Transpose (C loops): one type check per column instead of one per cell.
            columns: list[Sequence[object]] = list(zip(*map(_values, batch), strict=True))
            kinds = [set(map(type, column)) for column in columns]
            flat = all(not issubclass(k, Mapping) for ks in kinds for k in ks)
            if keys and flat and self._flat_layout(keys):
                text = self._flat_text(columns, kinds, len(batch))
        if text is None:
            self._writer.writerows(self._nested_rows(batch))
            text = self._text.getvalue()
            self._text.seek(0)
            self._text.truncate()
        data = text.encode("utf-8")
        self._spool.write(data)
        width = len(self.names)
        if self._runs and self._runs[-1][0] == width:
            self._runs[-1][1] += len(data)
        else:
            self._runs.append([width, len(data)])

    def _flat_text(
        self, columns: list[Sequence[object]], kinds: list[set[type]], count: int
    ) -> str:
        """CSV text of same-keyed flat records, built column by column with C loops.

        Gives exactly what :mod:`csv` (QUOTE_MINIMAL, CRLF) writes, at about half the cost: a
        cell is quoted only when it holds a comma, a quote, CR or LF (RFC 4180 §2.6-2.7), and
        only columns that hold such a cell, dates, decimals, booleans or None pay per-cell
        Python code.
        """
        cells: list[Sequence[str]] = []
        for index, column_kinds in enumerate(kinds):
            self.types[index].update(map(_type_label, column_kinds))
            column = columns[index]
            if column_kinds == _STR:
                text_column: Sequence[str] = column  # type: ignore[assignment]
            elif column_kinds == _INT:
                text_column = list(map(int.__repr__, column))
            elif column_kinds == _FLOAT:
                text_column = list(map(float.__repr__, column))
            elif column_kinds <= _BOOL_CELL:
                text_column = list(map(_BOOL_TEXT.__getitem__, column))
                cells.append(text_column)
                continue  # never needs quotes
            elif column_kinds == _OPTIONAL_STR:
                text_column = [c or "" for c in column]  # type: ignore[misc]
            else:
                text_column = [str(c) for c in map(_cell, column)]
            if not column_kinds <= _NUMBER and _NEEDS_QUOTES.search("\x00".join(text_column)):
                text_column = [_quote(c) for c in text_column]
            cells.append(text_column)
        missing = len(self.names) - len(cells)
        if missing:
            cells.extend([("",) * count] * missing)
        if len(cells) == 1:
            # csv writes a row holding one empty field as "" so it is not an empty line.
            cells[0] = [c if c else '""' for c in cells[0]]
        return "\r\n".join(map(",".join, zip(*cells, strict=True))) + "\r\n"

    def _nested_rows(self, batch: Sequence[Mapping[str, Any]]) -> list[list[object]]:
        cells_of_records = []
        for record in batch:
            cells: list[tuple[int, object]] = []
            self._flatten(record, (), "", cells)
            cells_of_records.append(cells)
        width = len(self.names)
        rows = []
        for cells in cells_of_records:
            row: list[object] = [""] * width
            for index, value in cells:
                row[index] = value
            rows.append(row)
        return rows

    def _flatten(
        self,
        record: Mapping[Any, Any],
        path: tuple[str, ...],
        prefix: str,
        cells: list[tuple[int, object]],
    ) -> None:
        for key, value in record.items():
            if type(key) is not str and not isinstance(key, str):
                raise InvalidType(f"record keys must be strings, got {type(key).__name__}")
            key_path = (*path, str.__str__(key))
            name = prefix + _escape(key)
            if isinstance(value, Mapping) and value:
                self._flatten(value, key_path, name + ".", cells)
                continue
            index = self._column(name, key_path)
            self.types[index].add(_type_label(type(value)))
            cells.append((index, _cell(value)))

    # -- output --------------------------------------------------------------------------------

    def header(self) -> bytes:
        """The header line (RFC 4180: names, CRLF)."""
        self._writer.writerow(self.names)
        return self._flush_text()

    def chunks(self, *, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Yield the header and every spooled row, each row as wide as the header."""
        yield self.header()
        width = len(self.names)
        self._spool.seek(0)
        for run_width, length in self._runs:
            if run_width == width:
                remaining = length
                while remaining:
                    data = self._spool.read(min(chunk_size, remaining))
                    if not data:
                        raise InvalidInput("the CSV spool file was truncated while writing")
                    remaining -= len(data)
                    yield data
                continue
            # Early rows written before later columns appeared: parse and pad them.
            text = io.TextIOWrapper(
                io.BytesIO(self._spool.read(length)), encoding="utf-8", newline=""
            )
            padding = [""] * (width - run_width)
            for row in csv.reader(text):
                self._writer.writerow(row + padding)
                if self._text.tell() >= chunk_size:
                    yield self._flush_text()
            yield self._flush_text()

    def _flush_text(self) -> bytes:
        data = self._text.getvalue().encode("utf-8")
        self._text.seek(0)
        self._text.truncate()
        return data

    def json_schema(self) -> dict[str, Any]:
        """A JSON Schema (2020-12) of the records, inferred from the values seen."""
        root: dict[str, Any] = {"types": set(), "children": {}}
        for path, types in zip(self.paths, self.types, strict=True):
            node = root
            for key in path:
                node = node["children"].setdefault(key, {"types": set(), "children": {}})
            node["types"].update(types)
        schema = _schema_of(root)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        return schema


def _schema_of(node: dict[str, Any]) -> dict[str, Any]:
    types: set[str] = set(node["types"])
    children: dict[str, Any] = node["children"]
    if children:
        types.add("object")
    json_types: set[str] = set()
    formats: set[str] = set()
    for label in types:
        base, _, fmt = label.partition("/")
        json_types.add(base)
        if fmt:
            formats.add(fmt)
    schema: dict[str, Any] = {}
    ordered = sorted(json_types)
    if ordered:
        schema["type"] = ordered[0] if len(ordered) == 1 else ordered
    if len(formats) == 1 and json_types <= {"string", "null"}:
        fmt = formats.pop()
        if fmt in ("date-time", "date", "time", "uuid"):
            schema["format"] = fmt
        else:
            schema["description"] = "a decimal number written as a string"
    if children:
        schema["properties"] = {key: _schema_of(child) for key, child in children.items()}
    return schema
