"""``gdprkit export`` and ``gdprkit verify-package``: answer access and portability requests.

``gdprkit export --register shop.toml --subject TOKEN --dataset orders=order_fulfilment:orders.jsonl
-o package.zip --report report.html`` writes the Art. 20 package (only in-scope datasets) and,
optionally, the Art. 15 access report (HTML or JSON by the file's extension).
``gdprkit verify-package package.zip`` checks every checksum.

Exit codes: 0 done / package verified; 1 the package fails verification; 2 usage or input errors
(a bad register, an unreadable or malformed JSON Lines file, an unknown purpose).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gdprkit._files import atomic_output
from gdprkit._time import utc_now
from gdprkit.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from gdprkit.errors import InvalidInput, PackageFormatError, PackageIntegrityError
from gdprkit.export import (
    Attachment,
    Dataset,
    build_access_report,
    read_package,
    write_package,
)
from gdprkit.register import load_register

__all__ = ["add_parser", "read_jsonl"]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSON Lines file, one per non-blank line, lazily.

    Raises:
        InvalidInput: a line is not a JSON object (the message names the file and line number,
            never the line).
    """
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise InvalidInput(f"{path.name}, line {number}: not valid JSON") from None
            if not isinstance(record, dict):
                raise InvalidInput(f"{path.name}, line {number}: expected a JSON object")
            yield record


def _spec(text: str, what: str) -> tuple[str, str, Path]:
    name, sep, rest = text.partition("=")
    purpose, sep2, path = rest.partition(":")
    if not (sep and sep2 and name and purpose and path):
        raise InvalidInput(f"--{what} must look like NAME=PURPOSE:PATH")
    return name, purpose, Path(path)


def add_parser(subparsers: Any) -> None:
    """Add the ``export`` and ``verify-package`` sub-commands."""
    export: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="write a subject's portability package (Art. 20) and access report (Art. 15)",
        description=(
            "Write the Art. 20 portability package of one data subject from JSON Lines files, "
            "one per dataset, and optionally the Art. 15 access report. Datasets outside the "
            "scope of Art. 20 are listed in the package's manifest with the reason."
        ),
    )
    export.add_argument("--register", required=True, help="the processing register (TOML)")
    export.add_argument(
        "--subject", required=True, help="the subject's pseudonym (a token, not a name or e-mail)"
    )
    export.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="NAME=PURPOSE:FILE.jsonl",
        help="a dataset: its name, the register purpose it belongs to, a JSON Lines file",
    )
    export.add_argument(
        "--attachment",
        action="append",
        default=[],
        metavar="NAME=PURPOSE:FILE",
        help="a file to include under files/NAME",
    )
    export.add_argument("-o", "--output", required=True, help="the package to write (.zip)")
    export.add_argument(
        "--report", help="also write the access report: FILE.html (for people) or FILE.json"
    )
    export.add_argument(
        "--include-observed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=(
            "treat observed data (activity, device data) as provided for Art. 20, as WP242 "
            "rev.01 reads it (the default); --no-include-observed keeps the narrow reading"
        ),
    )
    export.add_argument(
        "--generated-at",
        type=_aware,
        help="the time to record, ISO 8601 with offset (default: now); fixes the bytes",
    )
    export.add_argument(
        "--jobs",
        type=int,
        choices=(0, 1),
        help=(
            "helper processes for the CSV side of large datasets: 0 none, 1 one "
            "(default: one when the machine has a second CPU); the bytes are the same"
        ),
    )
    export.set_defaults(func=run_export)

    verify: argparse.ArgumentParser = subparsers.add_parser(
        "verify-package",
        help="verify a portability package's checksums and manifest",
        description=(
            "Check every member of a portability package against its manifest. Exit status: "
            "0 verified, 1 a member fails verification, 2 the file is missing, not a ZIP, or "
            "not a package gdprkit writes (unsafe member names, links, a malformed manifest, "
            "sizes beyond the limits)."
        ),
    )
    verify.add_argument("package", help="the package (.zip)")
    verify.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    verify.add_argument(
        "--max-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="refuse packages whose members decompress to more than BYTES (default: 8 GiB)",
    )
    verify.add_argument(
        "--max-ratio", type=float, default=None, metavar="N",
        help="refuse members that expand more than N times (default: 200)",
    )  # fmt: skip
    verify.set_defaults(func=run_verify)


def _aware(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected ISO 8601, e.g. 2025-03-14T09:30:00+00:00"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("needs a UTC offset, e.g. 2025-03-14T09:30:00+00:00")
    return value


def run_export(args: argparse.Namespace) -> int:
    """Run ``gdprkit export``; return the exit status."""
    register = load_register(args.register)
    specs = [_spec(text, "dataset") for text in args.dataset]
    files = [_spec(text, "attachment") for text in args.attachment]
    for _name, _purpose, path in [*specs, *files]:
        if not path.is_file():
            raise InvalidInput(f"no such file: {path}")
    generated_at = args.generated_at or utc_now()

    def datasets() -> list[Dataset]:
        return [Dataset(name, purpose, read_jsonl(path)) for name, purpose, path in specs]

    attachments = [Attachment(name, purpose, path) for name, purpose, path in files]
    package = write_package(
        args.output,
        register,
        args.subject,
        datasets(),
        attachments=attachments,
        generated_at=generated_at,
        include_observed=args.include_observed,
        workers=args.jobs,
    )
    manifest = package.manifest
    records = sum(d["records"] for d in manifest["datasets"])
    print(
        f"{args.output}: {len(manifest['datasets'])} dataset(s), {records} record(s), "
        f"{len(manifest['attachments'])} attachment(s)"
    )
    for entry in manifest["excluded"]:
        print(
            f"  left out {entry['kind']} {entry['name']!r}: {entry['reason']} ({entry['article']})"
        )
    if args.report:
        report = build_access_report(
            register,
            args.subject,
            datasets(),
            attachments=attachments,
            generated_at=generated_at,
        )
        target = Path(args.report)
        text = report.to_json() + "\n" if target.suffix.lower() == ".json" else report.to_html()
        with atomic_output(target) as handle:
            handle.write(text.encode("utf-8"))
        print(f"{args.report}: access report")
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    """Run ``gdprkit verify-package``; return the exit status."""
    if not Path(args.package).is_file():
        raise InvalidInput(f"no such file: {args.package}")
    limits: dict[str, Any] = {}
    if args.max_size is not None:
        limits["max_size"] = args.max_size
    if args.max_ratio is not None:
        limits["max_ratio"] = args.max_ratio
    try:
        package = read_package(args.package, **limits)
    except PackageIntegrityError as exc:
        if args.format == "json":
            print(
                json.dumps(
                    {"package": args.package, "ok": False, "member": exc.member, "error": str(exc)}
                )
            )
        else:
            print(f"{args.package}: FAILED: {exc}", file=sys.stderr)
        # Not a package gdprkit writes (input error) versus a package that fails its checks.
        return EXIT_USAGE if isinstance(exc, PackageFormatError) else EXIT_FINDINGS
    manifest = package.manifest
    records = sum(d["records"] for d in manifest["datasets"])
    if args.format == "json":
        print(
            json.dumps(
                {
                    "package": args.package,
                    "ok": True,
                    "datasets": {d["name"]: d["records"] for d in manifest["datasets"]},
                    "attachments": [a["name"] for a in manifest["attachments"]],
                    "members": len(manifest["members"]),
                    "generated_at": manifest["generated_at"],
                }
            )
        )
    else:
        print(
            f"{args.package}: OK ({len(manifest['members'])} member(s) verified, "
            f"{len(manifest['datasets'])} dataset(s), {records} record(s))"
        )
    return EXIT_OK
