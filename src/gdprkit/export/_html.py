"""The access report as one self-contained HTML page a person can read and print.

No scripts, no external style sheets, fonts or images: everything is in the page, and every piece
of text that comes from the register or the records goes through :func:`html.escape`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from html import escape

from gdprkit.export._report import AccessReport, DatasetCopy, PurposeInformation
from gdprkit.law import Right
from gdprkit.register import Provenance

__all__ = ["render_html"]

_CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
       margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #1b1b1b; padding-bottom: .2rem;
     margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
.article { color: #555; font-weight: normal; font-size: .85em; }
dl { display: grid; grid-template-columns: minmax(7rem, max-content) minmax(0, 1fr);
     gap: .2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; min-width: 0; }
/* Long addresses and URLs wrap at any point only when nothing else fits; words stay whole. */
dd, td { overflow-wrap: break-word; hyphens: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9em; }
th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: left; vertical-align: top; }
td ul { margin: 0; padding-left: 1.1rem; }
.reference { color: #555; font-size: .85em; margin-top: 2rem; }
@media (max-width: 36rem) {
  body { padding: 1rem; }
  dl { display: block; } dt { margin-top: .5rem; }
  /* A phone shows each row as a small card instead of a table wider than the screen. */
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { display: block; border: 1px solid #bbb; margin: 0 0 .75rem; }
  td { display: block; border: 0; }
  td::before { content: attr(data-label) ": "; font-weight: 600; }
}
th { background: #eee; }
.note { color: #444; }
.data-wrap { overflow-x: auto; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; } tr, article { break-inside: avoid; }
  .data-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _section(section_id: str, title: str, article: str, body: str) -> str:
    return (
        f'<section id="{section_id}"><h2>{_e(title)} '
        f'<span class="article">({_e(article)})</span></h2>\n{body}</section>\n'
    )


def _table(headers: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    names = list(headers)
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in names)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{_e(h)}">{_e(cell)}</td>' for h, cell in zip(names, row, strict=True)
        )
        + "</tr>\n"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n"


def _purpose_name(info: PurposeInformation) -> str:
    # The customer reads the description; the register's id is an internal name.
    return info.description


_ISO_MOMENT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})"
)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _moment_text(value: dt.datetime) -> str:
    """A time as a letter writes it: 1 March 2025, 14:05 UTC (no seconds, no microseconds)."""
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    zone = "UTC"
    if minutes:
        sign = "+" if minutes > 0 else "-"
        zone += f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{value.day} {value:%B %Y, %H:%M} {zone}"


def _readable(value: object) -> str:
    """A record value as text: times and dates in words, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(text):
        try:
            return _moment_text(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            return text
    if isinstance(value, str) and _ISO_DAY.fullmatch(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return text
        return f"{day.day} {day:%B %Y}"
    return text


def _label(key: str) -> str:
    """A field name as a heading: ``deliver_to`` -> ``Deliver to``."""
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else key


def _cell(value: object) -> str:
    """Escaped HTML for one value: nested objects and lists as lists, never raw JSON."""
    if isinstance(value, Mapping):
        if not value:
            return ""
        items = "".join(f"<li>{_e(_label(str(k)))}: {_cell(v)}</li>" for k, v in value.items())
        return f"<ul>{items}</ul>"
    if isinstance(value, (list, tuple)):
        if not value:
            return ""
        if all(not isinstance(v, (Mapping, list, tuple)) for v in value):
            return _e(", ".join(_readable(v) for v in value))
        return "<ul>" + "".join(f"<li>{_cell(v)}</li>" for v in value) + "</ul>"
    return _e(_readable(value))


def _dataset_table(copy: DatasetCopy) -> str:
    records = list(copy.records)
    if not records:
        return '<p class="note">No records.</p>\n'
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(str(k) for k in record))
    names = list(columns)
    head = "".join(f'<th scope="col">{_e(_label(n))}</th>' for n in names)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{_e(_label(n))}">{_cell(record.get(n, ""))}</td>' for n in names
        )
        + "</tr>\n"
        for record in records
    )
    return (
        '<div class="data-wrap"><table class="records">'
        f"<thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table></div>\n"
    )


def _controller(report: AccessReport) -> str:
    c = report.controller
    items = [("Name", c.name), ("Contact", c.contact)]
    if c.dpo:
        items.append(("Data protection officer", c.dpo))
    if c.representative:
        items.append(("Representative in the EU", c.representative))
    if c.country:
        items.append(("Country", c.country))
    body = "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items) + "</dl>\n"
    return _section("controller", "Who is responsible for your data", "Art. 13(1)(a)-(b)", body)


def _purposes(report: AccessReport) -> str:
    parts = []
    for info in report.purposes:
        rows = [("Legal basis", f"{info.basis.label}, {info.basis.article}")]
        if info.special_condition is not None:
            sc = info.special_condition
            rows.append(("Special categories", f"{sc.label}, {sc.article}"))
        if info.legitimate_interest:
            rows.append(("Legitimate interest", info.legitimate_interest))
        dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
        parts.append(
            f'<article id="purpose-{_e(info.id)}"><h3>{_e(_purpose_name(info))}</h3>'
            f"<dl>{dl}</dl></article>\n"
        )
    body = "".join(parts) or '<p class="note">We do not process personal data about you.</p>\n'
    return _section("purposes", "Why we process your data", "Art. 15(1)(a)", body)


def _categories(report: AccessReport) -> str:
    rows = [
        (
            _purpose_name(info),
            ", ".join(
                c.label + (" (special category)" if c.special else "") for c in info.categories
            )
            or "—",
        )
        for info in report.purposes
    ]
    body = _table(["Purpose", "Categories of personal data"], rows)
    return _section("categories", "Which kinds of data we process", "Art. 15(1)(b)", body)


def _recipients(report: AccessReport) -> str:
    rows = [
        (
            _purpose_name(info),
            r.name,
            r.role.value.replace("_", " "),
            r.country or "",
            r.description or "",
        )
        for info in report.purposes
        for r in info.recipients
    ]
    body = (
        _table(["Purpose", "Recipient", "Role", "Country", "What they do"], rows)
        if rows
        else '<p class="note">We do not disclose your data to anyone outside our company.</p>\n'
    )
    return _section("recipients", "Who receives your data", "Art. 15(1)(c)", body)


def _retention(report: AccessReport) -> str:
    rows = []
    for info in report.purposes:
        retention = info.retention
        if retention is None:
            rows.append((_purpose_name(info), "Not stated in our register", ""))
            continue
        how = []
        if retention.period is not None:
            trigger = (retention.trigger or "").replace("_", " ")
            how.append(f"{retention.period} from {trigger}")
        if retention.criterion:
            how.append(retention.criterion)
        rows.append((_purpose_name(info), retention.description, "; ".join(how)))
    body = _table(["Purpose", "How long we keep the data", "Period or criteria"], rows)
    return _section("retention", "How long we keep your data", "Art. 15(1)(d)", body)


def _rights(report: AccessReport) -> str:
    rows = []
    for info in report.purposes:
        rights = [r for r in info.rights if r is not Right.COMPLAIN]
        text = "; ".join(f"{r.label} ({r.article})" for r in rights)
        if Right.WITHDRAW_CONSENT in info.rights and info.withdrawal:
            text += f". To withdraw your consent: {info.withdrawal}"
        rows.append((_purpose_name(info), text))
    body = _table(["Purpose", "Your rights"], rows) + (
        '<p class="note">Withdrawing consent does not affect processing before the withdrawal '
        "(Art. 7(3)). You may object to direct marketing at any time (Art. 21(2)).</p>\n"
    )
    return _section("rights", "Your rights", "Art. 15(1)(e)", body)


def _complaint(report: AccessReport) -> str:
    authority = (
        report.controller.supervisory_authority or "the supervisory authority of your country"
    )
    body = (
        "<p>You have the right to lodge a complaint with a supervisory authority, in particular "
        "in the country where you live, work or where you think your rights were infringed: "
        f"<strong>{_e(authority)}</strong>.</p>\n"
    )
    return _section("complaint", "Your right to complain", "Art. 15(1)(f), Art. 77", body)


def _sources(report: AccessReport) -> str:
    others = [
        (_purpose_name(info), info.source or "Not stated in our register")
        for info in report.purposes
        if not info.collected_from_subject
    ]
    derived = [
        _purpose_name(info)
        for info in report.purposes
        if info.collected_from_subject and Provenance.DERIVED in info.provenance
    ]
    parts = []
    if others:
        parts.append(_table(["Purpose", "Where the data come from"], others))
    if derived:
        parts.append(
            "<p>Some data we worked out ourselves from other data we hold about you: "
            + _e("; ".join(derived))
            + ".</p>\n"
        )
    if not parts:
        parts.append(
            '<p class="note">All data in this report were collected from you (what you gave '
            "us, or recorded while you used our services).</p>\n"
        )
    elif not others:
        parts.insert(
            0,
            '<p class="note">Everything else in this report was collected from you (what you '
            "gave us, or recorded while you used our services).</p>\n",
        )
    return _section("source", "Where your data come from", "Art. 15(1)(g)", "".join(parts))


def _automated(report: AccessReport) -> str:
    rows = [
        (_purpose_name(info), info.automated_decisions)
        for info in report.purposes
        if info.automated_decisions
    ]
    body = (
        _table(["Purpose", "Logic, significance and envisaged consequences"], rows)
        if rows
        else '<p class="note">We make no decisions about you based solely on automated '
        "processing, including profiling (Art. 22(1) and (4)).</p>\n"
    )
    return _section(
        "automated-decisions", "Automated decision-making and profiling", "Art. 15(1)(h)", body
    )


def _transfers(report: AccessReport) -> str:
    rows = [
        (
            _purpose_name(info),
            t.recipient,
            t.country or t.destination or "",  # an unnamed third country (issue 14)
            "outside the EEA" if t.outside_eea else "inside the EEA",
            t.safeguard.value.replace("_", " "),
            t.reference or "",
        )
        for info in report.purposes
        for t in info.transfers
    ]
    body = (
        _table(["Purpose", "Recipient", "Country", "Where", "Safeguard", "Reference"], rows)
        if rows
        else '<p class="note">We do not transfer your data to countries outside the EEA or to '
        "international organisations.</p>\n"
    )
    return _section("transfers", "Transfers to other countries", "Art. 15(2)", body)


def _data(report: AccessReport) -> str:
    parts = []
    described = {info.id: info.description for info in report.purposes}
    for copy in report.datasets:
        title = copy.description or _label(copy.name)
        count = f"{copy.count} record" + ("" if copy.count == 1 else "s")
        parts.append(
            f'<article id="dataset-{_e(copy.name)}"><h3>{_e(title)}</h3>'
            f'<p class="note">Why we hold it: {_e(described.get(copy.purpose, copy.purpose))}. '
            f"{count}.</p>\n"
            f"{_dataset_table(copy)}</article>\n"
        )
    body = "".join(parts) or '<p class="note">No records are held about you.</p>\n'
    return _section("data", "A copy of your data", "Art. 15(3)", body)


def _attachments(report: AccessReport) -> str:
    rows = [(a.name, a.purpose, f"{a.size} bytes", a.sha256) for a in report.attachments]
    body = (
        _table(["File", "Purpose", "Size", "SHA-256"], rows)
        if rows
        else '<p class="note">No files.</p>\n'
    )
    return _section("attachments", "Files", "Art. 15(3)", body)


def render_html(report: AccessReport) -> str:
    """Render the access report as a self-contained, printable HTML page.

    One section per item of Art. 15 (ids ``controller``, ``purposes``, ``categories``,
    ``recipients``, ``retention``, ``rights``, ``complaint``, ``source``,
    ``automated-decisions``, ``transfers``, ``data``, ``attachments``), all text escaped.

    Example:
        >>> import datetime as dt
        >>> from gdprkit.export import Dataset, build_access_report
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> reg = Register(Controller(name="Shop <&>", contact="privacy@shop.example"),
        ...                [Purpose(id="orders", description="Orders", basis="contract")])
        >>> page = render_html(build_access_report(reg, "tok-1",
        ...     [Dataset("orders", "orders", [{"note": "<script>"}])],
        ...     generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)))
        >>> "<script>" in page, "&lt;script&gt;" in page, 'id="transfers"' in page
        (False, True, True)
    """
    controller = report.controller.name
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Your personal data held by {_e(controller)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>Your personal data held by {_e(controller)}</h1>\n"
        f'<p class="note">Our answer to your request for access under Article 15 of the General '
        f"Data Protection Regulation, written on {_e(_day_text(report.generated_at))}. "
        + (
            "We process personal data about you; the details follow."
            if report.processing
            else "We do not process personal data about you."
        )
        + "</p>\n"
    )
    sections = [
        _controller(report),
        _purposes(report),
        _categories(report),
        _recipients(report),
        _retention(report),
        _rights(report),
        _complaint(report),
        _sources(report),
        _automated(report),
        _transfers(report),
        _data(report),
        _attachments(report),
    ]
    footer = (
        f'<p class="reference">Our reference for this answer (quote it if you write to us): '
        f"{_e(report.subject)}</p>\n"
    )
    return head + "".join(sections) + footer + "</main>\n</body>\n</html>\n"


def _day_text(value: dt.datetime) -> str:
    return f"{value.day} {value:%B %Y}"
