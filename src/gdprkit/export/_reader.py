"""Reading a portability package back, verifying every checksum as it streams."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from gdprkit.errors import InvalidInput, NotFound, PackageIntegrityError

__all__ = ["PortabilityPackage", "read_package"]

_FORMAT = "gdprkit-portability-package"
_VERSIONS = frozenset({1})
_MANIFEST = "manifest.json"
_CHUNK = 1 << 20
_MANIFEST_LIMIT = 64 << 20  # a manifest is small; refuse a decompression bomb in its place


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
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
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
        raise PackageIntegrityError("the package has no manifest", member=_MANIFEST) from None
    if info.file_size > _MANIFEST_LIMIT:
        raise PackageIntegrityError("the manifest is implausibly large", member=_MANIFEST)
    try:
        manifest = json.loads(archive.read(_MANIFEST).decode("utf-8"))
    except ValueError:
        raise PackageIntegrityError("the manifest is not UTF-8 JSON", member=_MANIFEST) from None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise PackageIntegrityError(f"the manifest's format is not {_FORMAT!r}", member=_MANIFEST)
    if manifest.get("version") not in _VERSIONS:
        raise PackageIntegrityError(
            f"unsupported package version (this gdprkit reads {sorted(_VERSIONS)})",
            member=_MANIFEST,
        )
    for key, kind in (("members", dict), ("datasets", list), ("attachments", list)):
        if not isinstance(manifest.get(key), kind):
            raise PackageIntegrityError(
                f"the manifest's {key!r} must be a {kind.__name__}", member=_MANIFEST
            )
    for name, entry in manifest["members"].items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("size"), int)
        ):
            raise PackageIntegrityError("manifest entry needs sha256 and size", member=name)
    return manifest


def read_package(path: str | os.PathLike[str]) -> PortabilityPackage:
    """Open a portability package, verify it completely, and return it.

    Every member is read once, in chunks, and its SHA-256 and size compared with the manifest;
    the JSON Lines members' line counts must equal the manifest's record counts; members the
    manifest does not list, or lists but the ZIP lacks, are errors.  Memory stays flat however
    large the package.  The records are then read lazily with
    :meth:`PortabilityPackage.records`.

    Raises:
        PackageIntegrityError: (an :class:`~gdprkit.errors.IntegrityError`) a checksum, size,
            count or member list does not match; ``.member`` names the member.
        InvalidInput: the file is not a ZIP archive.
        OSError: the file cannot be read.

    Example:
        >>> read_package("missing.zip")  # doctest: +SKIP
        Traceback (most recent call last):
        FileNotFoundError: ...
    """
    target = Path(path)
    try:
        archive = zipfile.ZipFile(target)
    except zipfile.BadZipFile:
        raise InvalidInput(f"{target.name} is not a ZIP archive") from None
    with archive:
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
        counts = {d.get("json"): d.get("records") for d in manifest["datasets"]}
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
                if dataset.get(key) not in listed:
                    raise PackageIntegrityError(
                        f"dataset {dataset.get('name')!r} has no {key} member",
                        member=str(dataset.get(key)),
                    )
    return PortabilityPackage(path=target, manifest=manifest)
