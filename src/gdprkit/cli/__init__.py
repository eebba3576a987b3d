"""The ``gdprkit`` command.

Exit codes (documented, stable): ``0`` everything fine, ``1`` findings or failures (lint errors,
lines that failed closed under ``--strict``, verification failures), ``2`` usage or input errors
(a bad file, an unknown key), always as a one-line message and never a traceback.

Each sub-command lives in its own private module ``gdprkit.cli._<name>`` that exposes
``add_parser(subparsers)``; the parser stores the function to run as ``func``.

Example:
    >>> from gdprkit.cli import main
    >>> main(["--version"])  # doctest: +SKIP
    gdprkit 0.1.0
    0
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

from gdprkit._version import __version__
from gdprkit.errors import GdprkitError

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "entry_point", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


# Which module defines each top-level command, so that running one command imports only its
# module: `gdprkit ip mask` on a log need not load the register, export and retention code
# (about a quarter of a second).  A test checks this against the full parser.
_MODULE_OF_COMMAND: dict[str, str] = {
    "check": "gdprkit.cli._check",
    "export": "gdprkit.cli._export",
    "verify-package": "gdprkit.cli._export",
    "ip": "gdprkit.cli._ip",
    "retention": "gdprkit.cli._retention",
    "notice": "gdprkit.cli._notice",
    "diff": "gdprkit.cli._notice",
}
# The command modules, each adding its parsers; their order is the order of `gdprkit --help`.
_COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(_MODULE_OF_COMMAND.values()))


class _VersionAction(argparse._VersionAction):
    """``--version`` also says which IP masking engine runs (native or Python)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from gdprkit.ip._engine import describe  # noqa: PLC0415 - only when asked

        self.version = f"{self.version} ({describe()})"
        super().__call__(parser, *args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """Return the full argument parser (all sub-commands)."""
    return _build_parser(_COMMAND_MODULES)


def _build_parser(modules: Sequence[str]) -> argparse.ArgumentParser:
    # argparse itself exits with status 2 on usage errors, as the documented exit codes say.
    parser = argparse.ArgumentParser(
        prog="gdprkit",
        description="GDPR primitives for shops: registers, IP masking, consent, retention.",
    )
    parser.add_argument("--version", action=_VersionAction, version=f"gdprkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        module = importlib.import_module(name)
        module.add_parser(subparsers)
    return parser


def _parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser with only the module of the command ``argv`` names, or the full one."""
    module = _MODULE_OF_COMMAND.get(argv[0]) if argv else None
    return build_parser() if module is None else _build_parser((module,))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = _parser_for(arguments)
    args = parser.parse_args(arguments)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return func(args)
    except GdprkitError as exc:
        print(f"gdprkit {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        # File problems are input errors for a command line user: one line, no traceback.
        print(
            f"gdprkit {args.command}: error: {exc.strerror or exc}: {exc.filename or ''}",
            file=sys.stderr,
        )
        return EXIT_USAGE


def entry_point() -> None:  # pragma: no cover - exercised through the installed script
    """Console-script entry point: ``sys.exit(main())``."""
    sys.exit(main())
