"""The access report as one self-contained HTML page a person can read and print.

No scripts, no external style sheets, fonts or images: everything is in the page, and every piece
of text that comes from the register or the records goes through :func:`html.escape`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from gdprkit.export._report import AccessReport, DatasetCopy, PurposeInformation
from gdprkit.law import Right

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
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9em; }
th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
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
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>\n" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n"


def _purpose_name(info: PurposeInformation) -> str:
    return f"{info.description} ({info.id})"


def _flatten(value: Mapping[str, Any], prefix: str, out: dict[str, object]) -> None:
    for key, item in value.items():
        name = prefix + key
        if isinstance(item, Mapping) and item:
            _flatten(item, name + ".", out)
        elif isinstance(item, (list, dict)):
            out[name] = json.dumps(item, ensure_ascii=False)
        elif item is None:
            out[name] = ""
        elif isinstance(item, bool):
            out[name] = "true" if item else "false"
        else:
            out[name] = item


def _dataset_table(copy: DatasetCopy) -> str:
    rows = []
    columns: dict[str, None] = {}
    for record in copy.records:
        flat: dict[str, object] = {}
        _flatten(record, "", flat)
        columns.update(dict.fromkeys(flat))
        rows.append(flat)
    if not rows:
        return '<p class="note">No records.</p>\n'
    names = list(columns)
    return (
        '<div class="data-wrap">'
        + _table(names, ([row.get(n, "") for n in names] for row in rows))
        + "</div>\n"
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
    rows = [
        (_purpose_name(info), info.source or "Not stated in our register")
        for info in report.purposes
        if not info.collected_from_subject
    ]
    body = (
        _table(["Purpose", "Where the data come from"], rows)
        if rows
        else '<p class="note">All data in this report were collected from you (what you gave '
        "us, or recorded while you used our services).</p>\n"
    )
    return _section("source", "Where your data come from", "Art. 15(1)(g)", body)


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
    for copy in report.datasets:
        title = copy.description or copy.name
        parts.append(
            f'<article id="dataset-{_e(copy.name)}"><h3>{_e(title)}</h3>'
            f'<p class="note">Purpose: {_e(copy.purpose)}. {copy.count} record(s).</p>\n'
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
        f'<p class="note">Answer to your request for access under Article 15 of the General Data '
        f"Protection Regulation, generated {_e(report.generated_at.isoformat())}. "
        f"Reference: {_e(report.subject)}. "
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
    return head + "".join(sections) + "</main>\n</body>\n</html>\n"
