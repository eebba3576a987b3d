"""``manage.py gdpr_export <subject> -o file.zip``: a subject's Art. 20 portability package.

The datasets come from every model's ``PrivacyMeta`` (rows whose ``subject`` lookup equals the
given identifier, the mapped fields of each purpose); the package is written by
:func:`gdprkit.export.write_package` (atomically, with a manifest of checksums).  With
``--report report.json`` the Art. 15 access report is written too.
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError  # noqa: TID251 - django extra

from gdprkit._files import atomic_output
from gdprkit._time import ensure_aware, utc_now
from gdprkit.errors import GdprkitError, InvalidInput, NotFound
from gdprkit.export import build_access_report, write_package
from gdprkit.integrations._export import EMPTY_EXPORT, peek_datasets
from gdprkit.integrations.django.conf import get_register
from gdprkit.integrations.django.privacy import subject_datasets

__all__ = ["Command", "export_subject"]


def export_subject(
    subject: str,
    path: Path,
    *,
    now: dt.datetime | None = None,
    report: Path | None = None,
    allow_empty: bool = False,
) -> int:
    """Write ``subject``'s package to ``path`` (and the access report to ``report``).

    Returns the number of records written.

    Raises:
        ConfigurationError: no register, or a malformed ``PrivacyMeta``.
        InvalidInput: an empty subject.
        NotFound: no mapped model holds a row of ``subject`` and not ``allow_empty``
            (nothing is written).
    """
    if not subject.strip():
        raise InvalidInput("subject must be a non-empty identifier")
    register = get_register()
    at = utc_now() if now is None else now
    datasets, found = peek_datasets(subject_datasets(subject))
    if not found and not allow_empty:
        raise NotFound(EMPTY_EXPORT)
    package = write_package(path, register, subject, datasets, generated_at=at)
    if report is not None:
        access = build_access_report(register, subject, subject_datasets(subject), generated_at=at)
        text = json.dumps(access.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)
        with atomic_output(report) as out:
            out.write(text.encode("utf-8"))
    return sum(int(d.get("records", 0)) for d in package.manifest.get("datasets", []))


class Command(BaseCommand):
    """Write a data subject's portability package (see the module docstring)."""

    help = "Write a data subject's Art. 20 portability package (ZIP) from the mapped models."

    def add_arguments(self, parser: Any) -> None:
        """``subject``, ``-o``, ``--report``, ``--now``."""
        parser.add_argument(
            "subject", help="the subject's identifier (what PrivacyMeta.subject matches)"
        )
        parser.add_argument("-o", "--output", required=True, help="the ZIP file to write")
        parser.add_argument("--report", help="also write the Art. 15 access report (JSON)")
        parser.add_argument("--now", help="the package's generated_at (ISO 8601 with offset)")
        parser.add_argument(
            "--allow-empty",
            action="store_true",
            help="write an empty package when no data is found (default: refuse, exit 1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Export."""
        try:
            now = None
            if options["now"]:
                now = ensure_aware(dt.datetime.fromisoformat(options["now"]), "--now")
            report = Path(options["report"]) if options["report"] else None
            count = export_subject(
                options["subject"],
                Path(options["output"]),
                now=now,
                report=report,
                allow_empty=options["allow_empty"],
            )
        except NotFound as exc:
            raise CommandError(str(exc), returncode=1) from None
        except (GdprkitError, ValueError, OSError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"wrote {options['output']} ({count} records)")
