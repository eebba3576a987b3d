"""``flask gdpr check|retention|export``: the app's GDPR tasks on the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NoReturn

import click
import flask.cli  # noqa: TID251 - the flask extra

from gdprkit._files import atomic_output

from ._state import gdprkit_state

__all__ = ["gdpr_cli"]


#: The ``flask gdpr`` command group, added to ``app.cli`` by :meth:`GdprKit.init_app`.
gdpr_cli = flask.cli.AppGroup("gdpr", help="GDPR tasks of this app (gdprkit).")

_EXIT_FINDINGS = 1
_EXIT_USAGE = 2


def _fail(command: str, message: str) -> NoReturn:
    click.echo(f"flask gdpr {command}: error: {message}", err=True)
    raise click.exceptions.Exit(_EXIT_USAGE)


def _moment(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("expected an ISO 8601 date-time with offset") from None
    if value.tzinfo is None:
        raise click.BadParameter(f"{name} needs a UTC offset (e.g. +00:00)")
    return value


@gdpr_cli.command("check")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any finding).")
def _check_command(*, strict: bool) -> None:
    """Lint the register, load the key ring, open the store and verify the consent ledger.

    Exit status: 0 fine, 1 findings (errors, or warnings with --strict, or a broken ledger),
    2 unusable configuration.
    """
    from gdprkit.errors import ChainBroken, GdprkitError  # noqa: PLC0415
    from gdprkit.register import Severity  # noqa: PLC0415

    try:
        state = gdprkit_state()
        register = state.register
        findings = register.lint()
        for purpose_id in state.cookie_purposes.values():
            if purpose_id not in register or not register.purpose(purpose_id).is_consent_based:
                _fail("check", f"GDPRKIT_COOKIE_PURPOSES: {purpose_id!r} is not a consent purpose")
        ring = state.keyring
        ledger = state.ledger
    except GdprkitError as exc:
        _fail("check", str(exc))
    for finding in findings:
        click.echo(f"register: {finding}")
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    click.echo(f"register: {len(register)} purposes, {errors} error(s), {warnings} warning(s)")
    click.echo(f"key ring: {len(ring)} key(s), active {ring.active_id!r}")
    broken = False
    try:
        report = ledger.verify()
        click.echo(f"consent ledger: {report.events} events, chain verified, head {report.head}")
    except ChainBroken as exc:
        broken = True
        click.echo(f"consent ledger: {exc}")
    if errors or broken or (strict and warnings):
        raise click.exceptions.Exit(_EXIT_FINDINGS)


@gdpr_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Only list the decisions due now; act on nothing.")
@click.option("--now", "now_text", help="Decide as of this ISO 8601 time (default: now).")
def _retention_command(*, dry_run: bool, now_text: str | None) -> None:
    """Apply the register's retention rules to the app's records.

    Records come from the @gdpr.records_loader; each decision due now (delete, anonymise or
    review) is passed to the @gdpr.retention_handler, or with --dry-run printed as a JSON line
    and nothing else happens.  Exit status: 0 done, 2 unusable configuration.
    """
    import json  # noqa: PLC0415

    from gdprkit.errors import GdprkitError  # noqa: PLC0415

    state = gdprkit_state()
    ext = state.extension
    now = _moment(now_text, "--now") if now_text else state.now()
    if ext.records_callback is None:
        _fail("retention", "no records loader: decorate a function with @gdpr.records_loader")
    if not dry_run and ext.retention_callback is None:
        _fail(
            "retention",
            "no retention handler: decorate one with @gdpr.retention_handler, or use --dry-run",
        )
    counts: dict[str, int] = {}
    seen = held = 0
    try:
        for decision in state.schedule.evaluate(ext.records_callback(), now=now):
            seen += 1
            held += decision.held
            if not decision.due_now:
                continue
            counts[decision.action.value] = counts.get(decision.action.value, 0) + 1
            if dry_run:
                row = decision.to_dict()
                row.pop("rule", None)
                row.pop("subject_id", None)
                click.echo(json.dumps(row, ensure_ascii=False))
            elif ext.retention_callback is not None:
                ext.retention_callback(decision)
    except GdprkitError as exc:
        _fail("retention", str(exc))
    due = sum(counts.values())
    parts = ", ".join(f"{action} {n}" for action, n in sorted(counts.items()))
    verb = "would act on" if dry_run else "acted on"
    click.echo(
        f"flask gdpr retention: {seen} records; {verb} {due}"
        f"{' (' + parts + ')' if parts else ''}; held: {held}",
        err=True,
    )


@gdpr_cli.command("export")
@click.argument("subject")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The ZIP to write."
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False),
    help="Also write the Art. 15 access report (.html, else JSON).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Write an empty package when no data is found (default: refuse, exit 1).",
)
def _export_command(subject: str, output: str, report: str | None, *, allow_empty: bool) -> None:
    """Write SUBJECT's Art. 20 portability package (and optionally the Art. 15 report).

    The data come from the @gdpr.datasets_loader.  Exit status: 0 written, 1 no data found
    for SUBJECT (nothing written; --allow-empty writes an empty package), 2 unusable
    configuration or data.
    """
    from gdprkit.errors import GdprkitError  # noqa: PLC0415
    from gdprkit.integrations._export import EMPTY_EXPORT, peek_datasets  # noqa: PLC0415

    state = gdprkit_state()
    try:
        if not allow_empty and not peek_datasets(state._datasets(subject))[1]:
            click.echo(f"flask gdpr export: {EMPTY_EXPORT}", err=True)
            raise click.exceptions.Exit(_EXIT_FINDINGS)
        package = state.write_package(subject, output)
        if report is not None:
            access = state.access_report(subject)
            text = access.to_html() if report.lower().endswith(".html") else access.to_json()
            _write_text(Path(report), text)
    except GdprkitError as exc:
        _fail("export", str(exc))
    except OSError as exc:
        _fail("export", f"{exc.strerror or exc}: {exc.filename or ''}")
    names = package.dataset_names()
    click.echo(f"wrote {output}: {len(names)} dataset(s) ({', '.join(names)})")
    if report is not None:
        click.echo(f"wrote {report}: access report")


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed on success."""
    with atomic_output(path) as handle:
        handle.write(text.encode("utf-8"))
