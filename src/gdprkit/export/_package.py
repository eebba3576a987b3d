"""The Art. 20 portability package: a deterministic, streamed, atomically written ZIP."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import queue
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from gdprkit._files import atomic_output
from gdprkit._time import ensure_aware, utc_now
from gdprkit.errors import GdprkitError, InvalidInput, InvalidType, NaiveDatetimeError
from gdprkit.export._csvworker import CsvHelper
from gdprkit.export._model import (
    Attachment,
    Dataset,
    ExclusionReason,
    Redactor,
    portability_exclusion,
)
from gdprkit.export._reader import PortabilityPackage
from gdprkit.export._values import CsvSpool, make_encoder
from gdprkit.register import Controller, Register

__all__ = [
    "MANIFEST_NAME",
    "PACKAGE_FORMAT",
    "PACKAGE_VERSION",
    "write_package",
]

PACKAGE_FORMAT = "gdprkit-portability-package"
PACKAGE_VERSION = 1
MANIFEST_NAME = "manifest.json"

# Every member carries the same timestamp and attributes, so the same input gives the same bytes
# (a shop can prove what it sent by the package's hash).  1980-01-01 is the earliest DOS date.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20
_BATCH = 2000
# A dataset gets a CSV helper process once this many of its records have been written: starting
# one costs about 0.1 s of CPU (on the other core), which pays off from a few tens of thousands
# of records on.  The main process goes on rendering CSV rows itself until the helper is ready.
_HELPER_AFTER = 10_000


def _zip_info(name: str, level: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever the writing machine
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    # ZipInfo holds the level under a private name before Python 3.13 (compress_level after).
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", level)
    return info


class _Member:
    """One ZIP member being written: hashes what it is given, and compresses it on a helper
    thread so that deflate (which releases the GIL) runs beside the JSON encoding.

    The queue is bounded, so at most a few batches are in memory at once.
    """

    def __init__(self, archive: zipfile.ZipFile, name: str, level: int) -> None:
        self.name = name
        self._file = archive.open(_zip_info(name, level), "w", force_zip64=True)
        self._sha = hashlib.sha256()
        self.size = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"gdprkit-zip-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    self._file.write(data)
                    self._sha.update(data)
                    self.size += len(data)
                except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
                    self._error = exc

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def close(self) -> dict[str, Any]:
        """Finish the member; return its manifest entry (SHA-256 and size)."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        self._file.close()
        return {"sha256": self._sha.hexdigest(), "size": self.size}

    def abort(self) -> None:
        """Stop after an error elsewhere; the half-written member is discarded with the file."""
        self._queue.put(None)
        self._thread.join()
        with contextlib.suppress(Exception):
            self._file.close()


def _write_member(
    archive: zipfile.ZipFile,
    name: str,
    chunks: Iterable[bytes],
    level: int,
    *,
    hash_aside: bool = False,
) -> dict[str, Any]:
    """Write one member from ``chunks``; with ``hash_aside``, SHA-256 runs on a helper thread
    beside deflate (both release the GIL), for a large member written after the last record."""
    sha = hashlib.sha256()
    size = 0
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=4)

    def hash_pending() -> None:
        while (chunk := pending.get()) is not None:
            sha.update(chunk)

    hasher = threading.Thread(target=hash_pending, name=f"gdprkit-sha-{name}", daemon=True)
    if hash_aside:
        hasher.start()
    try:
        with archive.open(_zip_info(name, level), "w", force_zip64=True) as member:
            for chunk in chunks:
                if hash_aside:
                    pending.put(chunk)
                else:
                    sha.update(chunk)
                member.write(chunk)
                size += len(chunk)
    finally:
        if hash_aside:
            pending.put(None)
            hasher.join()
    return {"sha256": sha.hexdigest(), "size": size}


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def controller_dict(controller: Controller) -> dict[str, Any]:
    """The controller's identity and contacts as JSON (Art. 13(1)(a)-(b), Art. 15(1))."""
    return attrs.asdict(controller)


def _batches(
    dataset: Dataset, redact: Redactor | None, size: int
) -> Iterator[list[Mapping[str, Any]]]:
    records = iter(dataset.records)
    while batch := list(itertools.islice(records, size)):
        if redact is not None:
            kept = []
            for record in batch:
                result = redact(dataset.name, record)
                if result is not None:
                    kept.append(result)
            batch = kept
        for kind in set(map(type, batch)):  # one check per type, not per record
            if not issubclass(kind, Mapping):
                raise InvalidType(
                    f"dataset {dataset.name!r}: each record must be a mapping, got {kind.__name__}"
                )
        if batch:
            yield batch


def _json_lines(
    dataset: Dataset,
    batch: list[Mapping[str, Any]],
    first: int,
    encode_json: Callable[[object], str],
) -> bytes:
    try:
        text = "\n".join(map(encode_json, batch))
    except (GdprkitError, ValueError, TypeError) as exc:
        # Find the record for the message; never echo the value itself.
        offset = 0
        for offset, record in enumerate(batch):  # noqa: B007 - offset is used after the loop
            try:
                encode_json(record)
            except (GdprkitError, ValueError, TypeError):
                break
        detail = str(exc) if isinstance(exc, GdprkitError) else type(exc).__name__
        if "Out of range float" in str(exc):
            detail = "NaN and infinite floats are not JSON"
        elif "Circular reference" in str(exc):
            detail = "a record refers to itself"
        where = f"dataset {dataset.name!r}, record {first + offset}"
        kind: type[GdprkitError] = InvalidInput
        if isinstance(exc, NaiveDatetimeError):
            kind = NaiveDatetimeError
        elif isinstance(exc, TypeError):
            kind = InvalidType
        raise kind(f"{where}: cannot be written as JSON: {detail}") from None
    return (text + "\n").encode("utf-8")


def _spool_add(spool: CsvSpool, dataset: Dataset, batch: list[Mapping[str, Any]]) -> None:
    try:
        spool.add(batch)
    except GdprkitError as exc:
        raise InvalidInput(f"dataset {dataset.name!r}: {exc}") from None


def _write_dataset(
    archive: zipfile.ZipFile,
    dataset: Dataset,
    *,
    redact: Redactor | None,
    level: int,
    batch_size: int,
    spool_dir: str | None,
    workers: int | None,
    members: dict[str, Any],
) -> dict[str, Any]:
    json_name = f"data/{dataset.name}.jsonl"
    csv_name = f"data/{dataset.name}.csv"
    count = 0
    # None: a helper when a second CPU can run it; 1: a helper even on one CPU, waited for.
    want_helper = workers == 1 or (workers is None and (os.cpu_count() or 1) > 1)
    helper: CsvHelper | None = None
    encode_json = make_encoder()  # this thread's own: an encoder is not thread-safe
    with tempfile.TemporaryFile(dir=spool_dir) as spool_file:
        spool = CsvSpool(spool_file)
        member = _Member(archive, json_name, level)
        try:
            for batch in _batches(dataset, redact, batch_size):
                member.write(_json_lines(dataset, batch, count, encode_json))
                if helper is not None and helper.started:
                    if not helper.ship(batch):
                        # A value the helper cannot be sent faithfully: finish here.
                        spool = helper.take_back(spool_file)
                        helper = None
                        want_helper = False
                        _spool_add(spool, dataset, batch)
                else:
                    _spool_add(spool, dataset, batch)
                count += len(batch)
                if want_helper and helper is None and count >= _HELPER_AFTER:
                    want_helper = False  # one attempt per dataset
                    helper = CsvHelper.start(spool_file, dataset=dataset.name)
                if helper is not None and not helper.started:
                    ready = helper.ready(wait=workers == 1)
                    if ready:
                        helper.hand_over(spool, spool_file)
                    elif ready is None:
                        helper = None  # it could not start: the bytes are the same without it
            if helper is not None:
                if helper.started:
                    spool = helper.take_back(spool_file)
                else:
                    helper.abort()
                helper = None
        except BaseException as exc:
            member.abort()
            if helper is not None:
                earlier = None
                if isinstance(exc, Exception) and helper.started:
                    earlier = helper.pending_error()
                helper.abort()
                if earlier is not None:
                    raise earlier from None
            raise
        members[json_name] = member.close()
        members[csv_name] = _write_member(archive, csv_name, spool.chunks(), level, hash_aside=True)
        fields = list(spool.names)
        schema = spool.json_schema()
    return {"records": count, "fields": fields, "schema": schema}


def check_subject(subject: object) -> None:
    """Refuse anything but a non-empty pseudonym string (never echoing it)."""
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidInput("subject must be a non-empty pseudonym (a token string)")


def _check_int(value: object, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{name} must be an integer from {low} to {high}")


def _check_inputs(
    register: Register, datasets: list[Dataset], attachments: list[Attachment]
) -> None:
    names: set[str] = set()
    for dataset in datasets:
        if not isinstance(dataset, Dataset):
            raise InvalidType(f"datasets must be Dataset values, got {type(dataset).__name__}")
        if dataset.name in names:
            raise InvalidInput(f"two datasets are named {dataset.name!r}: names must be unique")
        names.add(dataset.name)
        register.purpose(dataset.purpose)  # NotFound names the unknown id
    files: set[str] = set()
    for attachment in attachments:
        if not isinstance(attachment, Attachment):
            raise InvalidType(
                f"attachments must be Attachment values, got {type(attachment).__name__}"
            )
        if attachment.name in files:
            raise InvalidInput(f"two attachments are named {attachment.name!r}")
        files.add(attachment.name)
        register.purpose(attachment.purpose)


def write_package(
    path: str | os.PathLike[str],
    register: Register,
    subject: str,
    datasets: Iterable[Dataset],
    *,
    attachments: Iterable[Attachment] = (),
    generated_at: dt.datetime | None = None,
    include_observed: bool = True,
    redact: Redactor | None = None,
    compresslevel: int = 1,
    batch_size: int = _BATCH,
    spool_dir: str | os.PathLike[str] | None = None,
    workers: int | None = None,
) -> PortabilityPackage:
    """Write a subject's Art. 20 portability package to ``path`` and return it.

    Only datasets and attachments in the scope of Art. 20 (see :func:`portability_exclusion`)
    are written; the others are listed in the manifest under ``excluded`` with the reason, and
    their records are never read.  Each dataset becomes ``data/<name>.jsonl`` (one JSON object a
    line, lossless for JSON values) and ``data/<name>.csv`` (RFC 4180, UTF-8, nested fields as
    dotted columns); attachments go under ``files/``; ``manifest.json`` (written last) holds the
    format version, controller, ``generated_at``, the subject's pseudonym, every dataset's record
    count, columns and JSON Schema, and the SHA-256 of every member.

    * Deterministic: the same input and ``generated_at`` give a byte-identical file.
    * Streaming: records are read once, in batches of ``batch_size``; memory does not grow with
      the record count (CSV rows wait in a temporary file in ``spool_dir`` until the header is
      known, see :class:`~gdprkit.export._values.CsvSpool`).
    * Atomic: the ZIP is written to a temporary file beside ``path`` and renamed on success; on
      any error the temporary file is removed and ``path`` is untouched.
    * Parallel: with ``workers=None`` (the default) and more than one CPU, a dataset of more
      than 10 000 records gets one helper process (the same Python, started on demand) that
      renders its CSV rows while this process reads the records and writes JSON Lines; the
      bytes are the same as without it.  ``workers=0`` never starts one, ``workers=1`` always
      does for such a dataset (and waits for it to start).  The helper is ended with the
      dataset, also on errors and interrupts; it writes only to the same anonymous spool file.
      Where no helper can be started (no ``fork``/``exec``, or ``sys.executable`` is not a
      Python, as under uWSGI) the rows are rendered in this process.

    ``subject`` is a pseudonym for the data subject (e.g. a keyed token from
    ``gdprkit.pseudonymise``); it is written to the manifest but never to messages or reprs.
    ``redact`` removes third parties' data from each record (Art. 20(4)).
    ``include_observed`` follows :func:`portability_exclusion`: data observed from the subject's
    use of the service count as provided (Article 29 WP, Guidelines on the right to data
    portability, WP242 rev.01, endorsed by the EDPB), so they are written by default; a shop that
    reads Art. 20(1) narrowly passes ``include_observed=False``, and such datasets are then listed
    under ``excluded`` with the reason ``provenance``.  The manifest records the choice
    (``scope.include_observed``).

    Raises:
        NotFound: a dataset or attachment names a purpose the register does not have.
        InvalidInput: duplicate names, an empty subject, a record that is not JSON (the message
            names the dataset and record number, not the value), a bad ``compresslevel``,
            ``batch_size`` or ``workers``.
        InvalidType: a record is not a mapping, or holds bytes, a set or an unknown object.
        NaiveDatetimeError: ``generated_at`` or a datetime in a record has no time zone.
        OSError: the target directory is not writable; ``ChildProcessError`` (an ``OSError``)
            if the CSV helper process died (e.g. killed by the system).

    Example:
        >>> import datetime as dt, tempfile, pathlib
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"), [
        ...     Purpose(id="orders", description="Orders", basis="contract"),
        ...     Purpose(id="fraud", description="Fraud", basis="legitimate_interests")])
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "export.zip"
        >>> pkg = write_package(out, reg, "tok-3f9a", [
        ...     Dataset("orders", "orders", [{"id": 1, "ship_to": {"city": "Riga"}}]),
        ...     Dataset("scores", "fraud", [{"score": 0.1}])],
        ...     generated_at=dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc), workers=0)
        >>> pkg.dataset_names(), [e["reason"] for e in pkg.manifest["excluded"]]
        (('orders',), ['basis'])
        >>> pkg.manifest["datasets"][0]["fields"]
        ['id', 'ship_to.city']
    """
    generated_at = utc_now() if generated_at is None else ensure_aware(generated_at, "generated_at")
    check_subject(subject)
    _check_int(compresslevel, "compresslevel", 0, 9)
    _check_int(batch_size, "batch_size", 1, 1 << 24)
    if workers is not None:
        _check_int(workers, "workers", 0, 1)
    datasets = list(datasets)
    attachments = list(attachments)
    _check_inputs(register, datasets, attachments)

    target = Path(path)
    spool = None if spool_dir is None else os.fspath(spool_dir)
    with atomic_output(target) as raw:
        manifest = _write_archive(
            raw,
            register,
            subject,
            datasets,
            attachments,
            generated_at=generated_at,
            include_observed=include_observed,
            redact=redact,
            level=compresslevel,
            batch_size=batch_size,
            spool_dir=spool,
            workers=workers,
        )
    return PortabilityPackage(path=target, manifest=manifest)


def _write_archive(
    raw: IO[bytes],
    register: Register,
    subject: str,
    datasets: list[Dataset],
    attachments: list[Attachment],
    *,
    generated_at: dt.datetime,
    include_observed: bool,
    redact: Redactor | None,
    level: int,
    batch_size: int,
    spool_dir: str | None,
    workers: int | None,
) -> dict[str, Any]:
    archive = zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED)
    try:
        manifest = _fill_archive(
            archive,
            register,
            subject,
            datasets,
            attachments,
            generated_at=generated_at,
            include_observed=include_observed,
            redact=redact,
            level=level,
            batch_size=batch_size,
            spool_dir=spool_dir,
            workers=workers,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            archive.close()  # the temporary file is deleted by the caller
        raise
    archive.close()
    return manifest


def _explanation(reason: ExclusionReason, include_observed: bool) -> str:
    """The manifest's explanation, saying so when the controller chose the narrow reading."""
    if reason is ExclusionReason.PROVENANCE and not include_observed:
        return (
            "portability covers only data the data subject has provided; this controller reads "
            "that narrowly (include_observed=False) and leaves out data observed from the use of "
            "the service as well as inferred or derived data and data from third parties "
            "(WP242 rev.01 reads observed data as provided)"
        )
    return reason.explanation


def _fill_archive(
    archive: zipfile.ZipFile,
    register: Register,
    subject: str,
    datasets: list[Dataset],
    attachments: list[Attachment],
    *,
    generated_at: dt.datetime,
    include_observed: bool,
    redact: Redactor | None,
    level: int,
    batch_size: int,
    spool_dir: str | None,
    workers: int | None,
) -> dict[str, Any]:
    members: dict[str, Any] = {}
    written: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    for dataset in datasets:
        purpose = register.purpose(dataset.purpose)
        reason = portability_exclusion(
            purpose, provenance=dataset.provenance, include_observed=include_observed
        )
        provenance = [p.value for p in (dataset.provenance or purpose.provenance)]
        if reason is not None:
            excluded.append(
                {
                    "kind": "dataset",
                    "name": dataset.name,
                    "purpose": purpose.id,
                    "reason": reason.value,
                    "article": reason.article,
                    "explanation": _explanation(reason, include_observed),
                }
            )
            continue
        entry = _write_dataset(
            archive,
            dataset,
            redact=redact,
            level=level,
            batch_size=batch_size,
            spool_dir=spool_dir,
            workers=workers,
            members=members,
        )
        written.append(
            {
                "name": dataset.name,
                "purpose": purpose.id,
                "purpose_description": purpose.description,
                "basis": purpose.basis.value,
                "basis_article": purpose.basis.article,
                "provenance": provenance,
                "description": dataset.description,
                "records": entry["records"],
                "fields": entry["fields"],
                "schema": entry["schema"],
                "json": f"data/{dataset.name}.jsonl",
                "csv": f"data/{dataset.name}.csv",
            }
        )
    for attachment in attachments:
        purpose = register.purpose(attachment.purpose)
        reason = portability_exclusion(
            purpose, provenance=attachment.provenance, include_observed=include_observed
        )
        if reason is not None:
            excluded.append(
                {
                    "kind": "attachment",
                    "name": attachment.name,
                    "purpose": purpose.id,
                    "reason": reason.value,
                    "article": reason.article,
                    "explanation": _explanation(reason, include_observed),
                }
            )
            continue
        member_name = f"files/{attachment.name}"
        content = attachment.content
        chunks = iter((content,)) if isinstance(content, bytes) else _file_chunks(content)
        members[member_name] = _write_member(archive, member_name, chunks, level)
        files.append(
            {
                "name": attachment.name,
                "purpose": purpose.id,
                "member": member_name,
                "media_type": attachment.media_type,
            }
        )
    manifest = {
        "format": PACKAGE_FORMAT,
        "version": PACKAGE_VERSION,
        "generated_at": generated_at.isoformat(),
        "controller": controller_dict(register.controller),
        "subject": subject,
        "scope": {
            "article": "Art. 20(1)",
            "include_observed": include_observed,
            "redacted": redact is not None,
        },
        "datasets": written,
        "attachments": files,
        "excluded": excluded,
        "members": members,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _write_member(archive, MANIFEST_NAME, [text.encode("utf-8")], level)
    return json.loads(text)  # type: ignore[no-any-return]
