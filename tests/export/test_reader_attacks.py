"""Packages that attack their reader (issue 19, items 9-11).

Each crafted package lists its odd member in the manifest with the right SHA-256 and size, so
before the fix ``read_package`` and ``gdprkit verify-package`` said OK; now they refuse it with
one ``PackageFormatError`` line and exit status 2, before anything is decompressed.
"""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from pathlib import Path

import pytest

from gdprkit.cli import main
from gdprkit.errors import PackageFormatError, PackageIntegrityError
from gdprkit.export import Attachment, Dataset, read_package, write_package
from gdprkit.register import Register

MANIFEST = "manifest.json"


@pytest.fixture
def package(tmp_path: Path, shop: Register, when: object) -> Path:
    target = tmp_path / "answer.zip"
    write_package(
        target, shop, "tok-1",
        [Dataset("orders", "order_fulfilment", [{"order": "A-1"}, {"order": "A-2"}])],
        attachments=[Attachment("scans/form.pdf", "order_fulfilment", b"%PDF-1.7 ...")],
        generated_at=when,  # type: ignore[arg-type]
    )  # fmt: skip
    return target


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rebuild(
    path: Path,
    extra: list[tuple[zipfile.ZipInfo, bytes]] = (),  # type: ignore[assignment]
    *,
    manifest: dict[str, object] | None = None,
    manifest_bytes: bytes | None = None,
) -> Path:
    """A copy of ``path`` with ``extra`` members, listed in the manifest with true checksums."""
    members = _members(path)
    data = manifest if manifest is not None else json.loads(members.pop(MANIFEST))
    members.pop(MANIFEST, None)
    for info, content in extra:
        data["members"][info.filename] = {  # type: ignore[index]
            "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
        }  # fmt: skip
    out = path.with_name("crafted.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        for info, content in extra:
            archive.writestr(info, content)
        archive.writestr(MANIFEST, json.dumps(data) if manifest_bytes is None else manifest_bytes)
    return out


def _verify_cli(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["verify-package", str(path)])
    err = capsys.readouterr().err
    return status, err


def _refused(path: Path, capsys: pytest.CaptureFixture[str], match: str) -> None:
    with pytest.raises(PackageFormatError, match=match):
        read_package(path)
    status, err = _verify_cli(path, capsys)
    assert status == 2
    assert err.count("\n") == 1
    assert "FAILED" in err
    assert "Traceback" not in err


def test_the_writer_s_own_package_verifies(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert read_package(package).attachment("scans/form.pdf").startswith(b"%PDF")
    assert _verify_cli(package, capsys)[0] == 0


@pytest.mark.parametrize(
    "name",
    [
        "../evil.sh", "../../etc/cron.d/x", "/etc/passwd", "files/../../x", "files/a/../../b",
        "data/../../x.jsonl", "files\\..\\x", "C:/Windows/x", "files/", "files//x",
        "data/orders.jsonl/", "Files/x", "files/.hidden", "data/x.exe", "data/sub/x.csv",
        "report.html", "files/" + "/".join(["d"] * 9), "files/x\n", "files/\u202ex",
    ],
)  # fmt: skip
def test_member_names_the_writer_cannot_produce_are_refused(
    package: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    crafted = _rebuild(package, [(zipfile.ZipInfo(name), b"#!/bin/sh\nrm -rf ~\n")])
    _refused(crafted, capsys, "member name")


def test_symbolic_links_are_refused(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = zipfile.ZipInfo("files/scans/link.pdf")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    crafted = _rebuild(package, [(link, b"/home/dpo/.ssh/id_ed25519")])
    _refused(crafted, capsys, "not a regular file")


def _manifest(**changes: object) -> bytes:
    """A manifest of an empty package, with ``changes``."""
    base: dict[str, object] = {
        "format": "gdprkit-portability-package", "version": 1, "members": {}, "datasets": [],
        "attachments": [], "subject": "s", "generated_at": "2025-01-01T00:00:00+00:00",
    }  # fmt: skip
    base.update(changes)
    return json.dumps(base).encode()


@pytest.mark.parametrize(
    ("manifest_bytes", "match"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (_manifest(datasets=[1]), "datasets"),
        (_manifest(members={"x": 1}), "sha256 and size"),
        (_manifest(members={"x": {"sha256": "0", "size": True}}), "sha256 and size"),
        (_manifest(subject=5), "subject"),
        (_manifest(datasets=[{"name": "o", "json": 1, "csv": "c", "records": 1}]), "json"),
        (_manifest(datasets=[{"name": "o", "json": "j", "csv": "c", "records": "1"}]), "records"),
        (_manifest(attachments=[{"n": 1}]), "attachments"),
        (_manifest(generated_at="soon"), "generated_at"),
        (_manifest(members=[]), "members"),
        (b"\xff\xfe not utf-8", "UTF-8"),
    ],
)
def test_malformed_manifests_are_one_line_errors(
    package: Path, capsys: pytest.CaptureFixture[str], manifest_bytes: bytes, match: str
) -> None:
    crafted = _rebuild(package, manifest_bytes=manifest_bytes)
    with zipfile.ZipFile(crafted) as archive:  # keep only the manifest: nothing else listed
        keep = archive.read(MANIFEST)
    only = crafted.with_name("only-manifest.zip")
    with zipfile.ZipFile(only, "w") as archive:
        archive.writestr(MANIFEST, keep)
    _refused(only, capsys, match)


def _patch_local_header(path: Path, name: str, *, flag: int | None = None,
                        method: int | None = None, data_xor: bool = False) -> None:  # fmt: skip
    """Edit one member's local and central headers in place, as a hostile tool would."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    local = info.header_offset
    encoded = name.encode()
    positions = [local]  # the local header
    start = 0
    while (found := raw.find(b"PK\x01\x02", start)) >= 0:  # central directory entries
        length = int.from_bytes(raw[found + 28 : found + 30], "little")
        if bytes(raw[found + 46 : found + 46 + length]) == encoded:
            positions.append(found + 2)  # central fields sit 2 bytes later than local ones
        start = found + 4
    for at in positions:
        if flag is not None:
            raw[at + 6 : at + 8] = flag.to_bytes(2, "little")
        if method is not None:
            raw[at + 8 : at + 10] = method.to_bytes(2, "little")
    if data_xor:
        name_len = int.from_bytes(raw[local + 26 : local + 28], "little")
        extra_len = int.from_bytes(raw[local + 28 : local + 30], "little")
        body = local + 30 + name_len + extra_len
        raw[body] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    ("change", "match"),
    [({"flag": 0x1}, "encrypted"), ({"method": 99}, "compression method"),
     ({"data_xor": True}, "manifest")],
)  # fmt: skip
def test_encrypted_unknown_or_corrupt_manifests_are_refused(
    package: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], match: str
) -> None:
    _patch_local_header(package, MANIFEST, **change)  # type: ignore[arg-type]
    _refused(package, capsys, match)


def test_a_corrupt_data_member_is_a_failed_verification_not_a_format_error(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _patch_local_header(package, "data/orders.jsonl", data_xor=True)
    with pytest.raises(PackageIntegrityError) as info:
        read_package(package)
    assert not isinstance(info.value, PackageFormatError)
    status, err = _verify_cli(package, capsys)
    assert status == 1
    assert err.count("\n") == 1


def test_a_decompression_bomb_is_refused_before_it_is_inflated(
    package: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = zipfile.ZipInfo("files/scans/bomb.pdf")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    crafted = _rebuild(package, [(bomb, bytes(64 << 20))])  # 64 MiB of zeros: about 64 KiB
    assert crafted.stat().st_size < 1 << 20
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def watching(self: zipfile.ZipFile, name: object, *args: object, **kw: object) -> object:
        opened.append(getattr(name, "filename", name))  # type: ignore[arg-type]
        return original(self, name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", watching)
    _refused(crafted, capsys, "compression ratio")
    assert "files/scans/bomb.pdf" not in opened
    # The limits are the caller's: a shop that expects such files raises them.
    assert read_package(crafted, max_ratio=2000).attachment("scans/bomb.pdf") == bytes(64 << 20)


def test_the_total_size_is_capped(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(PackageFormatError, match="more than the limit"):
        read_package(package, max_size=100)
    assert main(["verify-package", str(package), "--max-size", "100"]) == 2
    assert main(["verify-package", str(package), "--max-size", str(1 << 20)]) == 0
