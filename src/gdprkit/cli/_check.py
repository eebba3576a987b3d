"""``gdprkit check REGISTER.toml``: lint a processing register, for shops' CI."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gdprkit.cli import EXIT_FINDINGS, EXIT_OK
from gdprkit.register import Severity, load_register


def add_parser(subparsers: Any) -> None:
    """Add the ``check`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="check a processing register (TOML) and print its findings",
        description=(
            "Load a processing register and print every finding. Exit status: 0 when there is "
            "no error (warnings are printed), 1 when there are errors (or warnings with "
            "--strict), 2 when the file cannot be read or is not a valid register."
        ),
    )
    parser.add_argument("register", help="path to the register TOML file")
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 1 on any finding)"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``gdprkit check``; return the exit status."""
    register = load_register(args.register)
    findings = register.lint()
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    if args.format == "json":
        payload = {
            "register": args.register,
            "purposes": len(register),
            "findings": [
                {
                    "severity": f.severity.value,
                    "code": f.code,
                    "purpose": f.purpose,
                    "message": f.message,
                    "article": f.article,
                }
                for f in findings
            ],
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for finding in findings:
            print(f"{args.register}: {finding}")
        print(
            f"{args.register}: {len(register)} purposes, {errors} error(s), {warnings} warning(s)"
        )
    failed = errors > 0 or (args.strict and warnings > 0)
    return EXIT_FINDINGS if failed else EXIT_OK
