"""``gdprkit notice REGISTER`` renders the privacy notice; ``gdprkit diff OLD NEW`` compares.

``notice`` writes the notice (Art. 13/14) to ``-o FILE`` (atomically) or standard output and
warns on standard error when the register leaves a mandatory element out (the notice shows
the gap); with ``--strict`` such a gap exits 1.  ``diff`` lists what changed between two
registers in the customer's terms and exits 1 when a change needs fresh consent or a notice
to customers, 0 when none does.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gdprkit.cli import EXIT_FINDINGS, EXIT_OK


def add_parser(subparsers: Any) -> None:
    """Add the ``notice`` and ``diff`` sub-commands."""
    from gdprkit.notice import FORMATS, LAYERS  # noqa: PLC0415 - loaded with the command only

    notice: argparse.ArgumentParser = subparsers.add_parser(
        "notice",
        help="render the privacy notice (Art. 13/14) of a register",
        description=(
            "Render the privacy notice of a register as HTML, Markdown, text or JSON. Exit "
            "status: 0 written, 1 with --strict when the register leaves a mandatory element "
            "out, 2 when the register cannot be read."
        ),
    )
    notice.add_argument("register", help="path to the register TOML file")
    notice.add_argument("--lang", default="en", help="catalog language (default: en)")
    notice.add_argument("--format", choices=FORMATS, default="html", help="default: html")
    notice.add_argument("--layer", choices=LAYERS, default="full", help="default: full")
    notice.add_argument(
        "--fragment", action="store_true", help="HTML only: an <article> to embed in a page"
    )
    notice.add_argument("-o", "--output", help="write to this file (default: standard output)")
    notice.add_argument("--template-dir", help="a folder of templates overriding the shipped ones")
    notice.add_argument("--locale-dir", help="a folder of <language>.po catalogs")
    notice.add_argument("--full-notice-url", help="where the short layer links to")
    notice.add_argument("--strict", action="store_true", help="exit 1 when the notice shows a gap")
    notice.set_defaults(func=run_notice)

    diff: argparse.ArgumentParser = subparsers.add_parser(
        "diff",
        help="what changed between two registers, and what customers must be told or asked",
        description=(
            "Compare two registers. Exit status: 0 when no change needs fresh consent or a "
            "notice to customers, 1 when one does, 2 when a register cannot be read."
        ),
    )
    diff.add_argument("old", help="the register in force")
    diff.add_argument("new", help="the register to deploy")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="default: text")
    diff.set_defaults(func=run_diff)


def run_notice(args: argparse.Namespace) -> int:
    """Run ``gdprkit notice``; return the exit status."""
    from gdprkit.notice import render_notice  # noqa: PLC0415
    from gdprkit.register import load_register  # noqa: PLC0415

    register = load_register(args.register)
    rendered = render_notice(
        register,
        language=args.lang,
        format=args.format,
        layer=args.layer,
        standalone=not args.fragment,
        template_dir=args.template_dir,
        locale_dir=args.locale_dir,
        full_notice_url=args.full_notice_url,
    )
    if args.output:
        rendered.write(args.output)
    else:
        sys.stdout.write(rendered.content)
    if rendered.has_gaps:
        print(
            f"gdprkit notice: warning: {args.register}: the register leaves mandatory "
            "information out; the notice shows the gaps (run `gdprkit check`)",
            file=sys.stderr,
        )
    if rendered.is_draft:
        print(
            f"gdprkit notice: warning: the {rendered.language!r} catalog is a draft",
            file=sys.stderr,
        )
    return EXIT_FINDINGS if args.strict and rendered.has_gaps else EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    """Run ``gdprkit diff``; return the exit status."""
    from gdprkit.notice import ChangeAction, diff_registers  # noqa: PLC0415
    from gdprkit.register import load_register  # noqa: PLC0415

    changes = diff_registers(load_register(args.old), load_register(args.new))
    needs = [c for c in changes if c.action is not ChangeAction.NONE]
    if args.format == "json":
        payload = {
            "old": args.old,
            "new": args.new,
            "changes": [c.to_dict() for c in changes],
            "fresh_consent": sorted(
                {c.purpose or "" for c in changes if c.action is ChangeAction.FRESH_CONSENT}
            ),
            "notify": any(c.action is ChangeAction.NOTIFY for c in changes),
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        labels = {
            ChangeAction.FRESH_CONSENT: "ask for fresh consent",
            ChangeAction.NOTIFY: "tell customers before it applies",
            ChangeAction.NONE: "no action",
        }
        for change in changes:
            where = f"[{change.purpose}] " if change.purpose else ""
            print(f"{where}{change.message} -> {labels[change.action]} [{change.kind}]")
        fresh = sum(1 for c in changes if c.action is ChangeAction.FRESH_CONSENT)
        notify = sum(1 for c in changes if c.action is ChangeAction.NOTIFY)
        print(
            f"{len(changes)} change(s): {fresh} need fresh consent, {notify} need a notice "
            "to customers"
        )
    return EXIT_FINDINGS if needs else EXIT_OK
