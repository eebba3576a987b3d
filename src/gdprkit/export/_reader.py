"""Reading a portability package back, verifying every checksum as it streams."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from gdprkit.errors import InvalidInput, NotFound, PackageFormatError, PackageIntegrityError

__all__ = ["DEFAULT_MAX_RATIO", "DEFAULT_MAX_SIZE", "PortabilityPackage", "read_package"]

_FORMAT = "gdprkit-portability-package"
_VERSIONS = frozenset({1})
_MANIFEST = "manifest.json"
_CHUNK = 1 << 20
_MANIFEST_LIMIT = 64 << 20  # a manifest is small; refuse a decompression bomb in its place
#: Default cap on the total decompressed size of a package's members (8 GiB).
DEFAULT_MAX_SIZE = 8 << 30
#: Default cap on a member's compression ratio (decompressed / compressed size).  Deflate
#: cannot exceed about 1032:1; the JSON and CSV the writer makes compress 5-50:1.
DEFAULT_MAX_RATIO = 200
# Members this small are never ratio-checked: a few KiB of repeated rows compress very well.
_RATIO_FLOOR = 1 << 20
# The names the writer produces (_package.py): the manifest, data/<dataset>.jsonl|csv with a
# dataset name of export._model._NAME, files/<attachment> with up to 8 parts of _FILE_PART.
_DATA_MEMBER = re.compile(r"data/[A-Za-z0-9][A-Za-z0-9_\-]{0,99}\.(?:jsonl|csv)")
_FILE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# What zipfile raises on damaged, encrypted or oddly compressed members.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
               ValueError)  # fmt: skip


def _shown(name: object) -> str:
    """A member name fit for a one-line message: printable, bounded."""
    text = str(name)
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 120 else text[:117] + "..."


def _writer_could_make(name: str) -> bool:
    if name == _MANIFEST or _DATA_MEMBER.fullmatch(name):
        return True
    parts = name.split("/")
    return (
        parts[0] == "files"
        and 2 <= len(parts) <= 9
        and all(_FILE_PART.fullmatch(part) and ".." not in part for part in parts[1:])
    )


def _check_members(
    archive: zipfile.ZipFile, *, max_size: int, max_ratio: float
) -> list[zipfile.ZipInfo]:
    """Refuse, before a byte is decompressed, any member the writer could not have written."""
    infos = archive.infolist()
    total = 0
    for info in infos:
        name = info.filename
        if not _writer_could_make(name):
            raise PackageFormatError(
                "member name is not one the package writer produces (only manifest.json, "
                "data/<dataset>.jsonl|csv and files/<relative path>; no '..', absolute paths, "
                "backslashes or directories)",
                member=_shown(name),
            )
        # Unix mode bits, when the tool recorded a file type (Python's writestr records only
        # permissions, Windows tools nothing): anything but a regular file is refused.
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind and kind != stat.S_IFREG:
            raise PackageFormatError(
                "member is not a regular file (a symbolic link, directory or device)",
                member=name,
            )
        if info.flag_bits & 0x1:
            raise PackageFormatError("member is encrypted", member=name)
        if info.compress_type not in _METHODS:
            raise PackageFormatError(
                f"member uses compression method {info.compress_type} (only stored and "
                "deflated are written)",
                member=name,
            )
        total += info.file_size
        if total > max_size:
            raise PackageFormatError(
                f"members decompress to more than the limit of {max_size} bytes (max_size=)",
                member=name,
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            raise PackageFormatError(
                f"compression ratio above the limit of {max_ratio:g}:1 (a decompression bomb? "
                "max_ratio=)",
                member=name,
            )
    return infos


def _member_chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with archive.open(name) as member:
        while chunk := member.read(_CHUNK):
            yield chunk


def _verified_chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """Chunks of a member; zipfile's CRC or inflate failures become PackageIntegrityError."""
    try:
        yield from _member_chunks(archive, name)
    except KeyError:
        raise PackageIntegrityError(
            "member listed in the manifest is missing", member=name
        ) from None
    except _ZIP_ERRORS as exc:
        raise PackageIntegrityError(
            f"member cannot be decompressed ({type(exc).__name__})", member=name
        ) from None


@attrs.frozen
class PortabilityPackage:
    """A portability package on disk and its manifest (as written, or as read and verified).

    Holds only the path and the manifest: records are read lazily by :meth:`records`, which
    checks the member's SHA-256 again as it streams.

    Example:
        >>> import datetime as dt, tempfile, pathlib
        >>> from gdprkit.export import Dataset, write_package
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"),
        ...                [Purpose(id="account", description="Account", basis="contract")])
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "p.zip"
        >>> _ = write_package(out, reg, "tok-1", [Dataset("profile", "account", [{"a": 1}])],
        ...                   generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
        >>> pkg = read_package(out)
        >>> pkg.subject, list(pkg.records("profile"))
        ('tok-1', [{'a': 1}])
    """

    path: Path = attrs.field(converter=Path)
    manifest: dict[str, Any] = attrs.field(repr=False)

    @property
    def subject(self) -> str:
        """The subject's pseudonym, as the manifest records it."""
        return str(self.manifest["subject"])

    @property
    def generated_at(self) -> dt.datetime:
        """When the package was generated (aware)."""
        return dt.datetime.fromisoformat(self.manifest["generated_at"])

    def dataset_names(self) -> tuple[str, ...]:
        """The names of the datasets in the package, in order."""
        return tuple(d["name"] for d in self.manifest["datasets"])

    def _dataset(self, name: str) -> dict[str, Any]:
        for entry in self.manifest["datasets"]:
            if entry["name"] == name:
                return entry  # type: ignore[no-any-return]
        raise NotFound(
            f"no dataset {name!r} in the package (it has: {', '.join(self.dataset_names())})"
        )

    def records(self, name: str) -> Iterator[dict[str, Any]]:
        """Yield the records of dataset ``name`` from its JSON Lines member, lazily.

        Raises:
            NotFound: the package has no such dataset.
            PackageIntegrityError: the member's bytes no longer match the manifest (raised when
                the end of the member is reached), or a line is not a JSON object.
        """
        entry = self._dataset(name)
        member = entry["json"]
        expected = self.manifest["members"][member]["sha256"]
        sha = hashlib.sha256()
        pending = b""
        with zipfile.ZipFile(self.path) as archive:
            for chunk in _verified_chunks(archive, member):
                sha.update(chunk)
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    yield _record(line, member)
        if pending:
            raise PackageIntegrityError("the last line does not end with a newline", member=member)
        if sha.hexdigest() != expected:
            raise PackageIntegrityError("SHA-256 does not match the manifest", member=member)

    def load(self) -> dict[str, list[dict[str, Any]]]:
        """Every dataset's records in memory, by name (for small packages and tests).

        Raises:
            PackageIntegrityError: as :meth:`records`.

        Example:
            See the class example: ``pkg.load()`` there is ``{'profile': [{'a': 1}]}``.
        """
        return {name: list(self.records(name)) for name in self.dataset_names()}

    def attachment(self, name: str) -> bytes:
        """The content of attachment ``name`` (stored as ``files/<name>``), verified.

        Raises:
            NotFound: no such attachment.
            PackageIntegrityError: its bytes do not match the manifest.
        """
        member = f"files/{name}"
        if member not in self.manifest["members"]:
            raise NotFound(f"no attachment {name!r} in the package")
        with zipfile.ZipFile(self.path) as archive:
            data = b"".join(_verified_chunks(archive, member))
        if hashlib.sha256(data).hexdigest() != self.manifest["members"][member]["sha256"]:
            raise PackageIntegrityError("SHA-256 does not match the manifest", member=member)
        return data


def _record(line: bytes, member: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        raise PackageIntegrityError("a line is not valid JSON", member=member) from None
    if not isinstance(value, dict):
        raise PackageIntegrityError("a line is not a JSON object", member=member)
    return value


def _load_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = archive.getinfo(_MANIFEST)
    except KeyError:
        raise PackageFormatError("the package has no manifest", member=_MANIFEST) from None
    if info.file_size > _MANIFEST_LIMIT:
        raise PackageFormatError("the manifest is implausibly large", member=_MANIFEST)
    try:
        raw = archive.read(_MANIFEST)
    except _ZIP_ERRORS as exc:
        raise PackageFormatError(
            f"the manifest cannot be decompressed ({type(exc).__name__})", member=_MANIFEST
        ) from None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise PackageFormatError(
            "the manifest is not UTF-8 JSON (or is nested too deeply)", member=_MANIFEST
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise PackageFormatError(f"the manifest's format is not {_FORMAT!r}", member=_MANIFEST)
    if manifest.get("version") not in _VERSIONS:
        raise PackageFormatError(
            f"unsupported package version (this gdprkit reads {sorted(_VERSIONS)})",
            member=_MANIFEST,
        )
    _check_manifest_types(manifest)
    return manifest


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_manifest_types(manifest: Mapping[str, Any]) -> None:
    """Every field the reader and ``verify-package`` use has the type the writer gives it."""

    def bad(what: str) -> PackageFormatError:
        return PackageFormatError(f"the manifest's {what}", member=_MANIFEST)

    for key, kind in (("members", dict), ("datasets", list), ("attachments", list)):
        if not isinstance(manifest.get(key), kind):
            raise bad(f"{key!r} must be a {kind.__name__}")
    for key in ("subject", "generated_at"):
        if not isinstance(manifest.get(key), str):
            raise bad(f"{key!r} must be a string")
    try:
        dt.datetime.fromisoformat(manifest["generated_at"])
    except ValueError:
        raise bad("'generated_at' must be an ISO 8601 date-time") from None
    for name, entry in manifest["members"].items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and _is_int(entry.get("size"))
        ):
            raise PackageFormatError("manifest entry needs sha256 and size", member=_shown(name))
    for dataset in manifest["datasets"]:
        if not isinstance(dataset, dict):
            raise bad("'datasets' entries must be objects")
        for key in ("name", "json", "csv"):
            if not isinstance(dataset.get(key), str):
                raise bad(f"dataset {key!r} must be a string")
        if not _is_int(dataset.get("records")):
            raise bad("dataset 'records' must be a non-negative integer")
    for attachment in manifest["attachments"]:
        if not isinstance(attachment, dict) or not isinstance(attachment.get("name"), str):
            raise bad("'attachments' entries must be objects with a 'name'")


def read_package(
    path: str | os.PathLike[str],
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> PortabilityPackage:
    """Open a portability package, verify it completely, and return it.

    First, before anything is decompressed, every member must be one the writer could have
    produced: a name of ``manifest.json``, ``data/<dataset>.jsonl|csv`` or
    ``files/<relative path>`` (never ``../``, an absolute path or a backslash), a regular file
    (not a symbolic link or directory), unencrypted, stored or deflated; the members' declared
    sizes may add up to at most ``max_size`` bytes, and no member above 1 MiB may expand more
    than ``max_ratio`` times (a decompression bomb).  A package that passes is safe to
    extract with ordinary tools.

    Every member is read once, in chunks, and its SHA-256 and size compared with the manifest;
    the JSON Lines members' line counts must equal the manifest's record counts; members the
    manifest does not list, or lists but the ZIP lacks, are errors.  Memory stays flat however
    large the package.  The records are then read lazily with
    :meth:`PortabilityPackage.records`.

    Raises:
        PackageFormatError: (a :class:`~gdprkit.errors.PackageIntegrityError`) a member or the
            manifest is not what the writer produces, or a limit is exceeded.
        PackageIntegrityError: (an :class:`~gdprkit.errors.IntegrityError`) a checksum, size,
            count or member list does not match; ``.member`` names the member.
        InvalidInput: the file is not a ZIP archive, or a limit is not positive.
        OSError: the file cannot be read.

    Example:
        >>> read_package("missing.zip")  # doctest: +SKIP
        Traceback (most recent call last):
        FileNotFoundError: ...
    """
    target = Path(path)
    if not max_size > 0 or not max_ratio > 0:
        raise InvalidInput("max_size and max_ratio must be positive")
    try:
        archive = zipfile.ZipFile(target)
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise InvalidInput(f"{target.name} is not a ZIP archive") from None
    with archive:
        _check_members(archive, max_size=max_size, max_ratio=max_ratio)
        names = archive.namelist()
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise PackageIntegrityError("the ZIP holds this member twice", member=name)
            seen.add(name)
        manifest = _load_manifest(archive)
        listed = manifest["members"]
        for name in names:
            if name != _MANIFEST and name not in listed:
                raise PackageIntegrityError("member is not listed in the manifest", member=name)
        counts = {d["json"]: d["records"] for d in manifest["datasets"]}
        for name, entry in listed.items():
            if name not in seen:
                raise PackageIntegrityError("member listed in the manifest is missing", member=name)
            sha = hashlib.sha256()
            size = 0
            lines = 0
            for chunk in _verified_chunks(archive, name):
                sha.update(chunk)
                size += len(chunk)
                lines += chunk.count(b"\n")
            if sha.hexdigest() != entry["sha256"]:
                raise PackageIntegrityError("SHA-256 does not match the manifest", member=name)
            if size != entry["size"]:
                raise PackageIntegrityError("size does not match the manifest", member=name)
            if name in counts and counts[name] != lines:
                raise PackageIntegrityError("record count does not match the manifest", member=name)
        for dataset in manifest["datasets"]:
            for key in ("json", "csv"):
                if dataset[key] not in listed:
                    raise PackageIntegrityError(
                        f"dataset {_shown(dataset['name'])!r} has no {key} member",
                        member=_shown(dataset[key]),
                    )
    return PortabilityPackage(path=target, manifest=manifest)
