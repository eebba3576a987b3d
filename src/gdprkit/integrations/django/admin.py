"""Admin pages: data-subject requests with deadline, overdue flag and lifecycle actions.

The consent ledger is shown read-only (the chain is append-only: an edit would break it).
"""

# mypy: disable-error-code="import-untyped,untyped-decorator"
# mypy: allow-subclassing-any

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms  # noqa: TID251 - the django extra
from django.contrib import admin, messages  # noqa: TID251 - the django extra
from django.db.models import QuerySet  # noqa: TID251 - the django extra
from django.http import HttpRequest, HttpResponse  # noqa: TID251 - the django extra

from gdprkit._time import utc_now
from gdprkit.errors import GdprkitError
from gdprkit.requests import SubjectRequest as RequestValue

from .conf import controller_zone
from .models import ConsentEventRow, SubjectRequest

__all__ = [
    "ConsentEventAdmin",
    "OverdueFilter",
    "SubjectRequestAdmin",
    "SubjectRequestForm",
    "export_data",
]


class SubjectRequestForm(forms.ModelForm):
    """The fields a new request needs; the lifecycle columns are derived, never typed in."""

    class Meta:
        model = SubjectRequest
        fields = ("reference", "right", "channel", "subject_id", "received")


class OverdueFilter(admin.SimpleListFilter):
    """List filter: open requests past their deadline."""

    title = "deadline"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        """The filter's choices."""
        return [("yes", "overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow to the overdue requests when chosen."""
        if self.value() == "yes":
            return queryset.filter(pk__in=SubjectRequest.overdue().values("pk"))
        return queryset


def _step_action(
    name: str, description: str, take: Callable[[RequestValue], RequestValue]
) -> Callable[[Any, HttpRequest, QuerySet[Any]], None]:
    def action(model_admin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        done, refused = 0, []
        for row in queryset:
            try:
                row.step(take)
            except GdprkitError as exc:
                refused.append(f"{row.reference}: {exc}")
            else:
                done += 1
        if done:
            model_admin.message_user(request, f"{description}: {done} request(s).")
        for line in refused:
            model_admin.message_user(request, line, level=messages.ERROR)

    action.__name__ = name
    return admin.action(description=description)(action)  # type: ignore[no-any-return]


@admin.action(description="Export the subject's data (Art. 20 ZIP)")
def export_data(model_admin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Download the portability package of the one selected request's subject."""
    from .management.commands.gdpr_export import export_subject  # noqa: PLC0415

    rows = list(queryset[:2])
    if len(rows) != 1 or not rows[0].subject_id:
        model_admin.message_user(
            request, "Select exactly one request with a subject id.", level=messages.ERROR
        )
        return None
    row = rows[0]
    with tempfile.TemporaryDirectory(prefix="gdprkit-export-") as tmp:
        path = Path(tmp) / f"{row.reference}.zip"
        try:
            export_subject(row.subject_id, path)
        except GdprkitError as exc:
            model_admin.message_user(request, f"{row.reference}: {exc}", level=messages.ERROR)
            return None
        response = HttpResponse(path.read_bytes(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{row.reference}.zip"'
    return response


_STATE_WORDS = {
    "open": "open: being answered",
    "awaiting_identity": "waiting for proof of identity (clock paused)",
    "fulfilled": "answered",
    "refused": "refused",
}


@admin.register(SubjectRequest)
class SubjectRequestAdmin(admin.ModelAdmin):
    """Requests ordered by deadline, with lifecycle actions that validate each step."""

    form = SubjectRequestForm
    list_display = ("reference", "right", "state_in_words", "received", "deadline", "timeliness")
    list_filter = ("state", "right", OverdueFilter)
    search_fields = ("reference",)
    actions = (
        _step_action("request_identity", "Ask for proof of identity (Art. 12(6))",
                     lambda r: r.request_identity(utc_now())),
        _step_action("identity_received", "Proof of identity received",
                     lambda r: r.identity_received(utc_now())),
        _step_action("fulfil", "Mark answered", lambda r: r.fulfil(utc_now())),
        export_data,
    )  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        """Everything is read-only once created: steps go through the actions."""
        if obj is None:
            return ()
        return (
            *SubjectRequestForm.Meta.fields, "state_in_words", "deadline", "timeliness",
            "closed_at", "history",
        )  # fmt: skip

    @admin.display(description="state", ordering="state")
    def state_in_words(self, obj: SubjectRequest) -> str:
        """The state as staff say it."""
        return _STATE_WORDS.get(str(obj.state), str(obj.state))

    @admin.display(description="answer due")
    def timeliness(self, obj: SubjectRequest) -> str:
        """In words: overdue by N days, due in N days, answered, or paused.

        (A boolean column showed a green tick for an overdue request.)
        """
        if obj.state in {"fulfilled", "refused"}:
            return "answered"
        if obj.state == "awaiting_identity":
            return "paused: waiting for proof of identity"
        today = utc_now().date()
        if obj.is_overdue():
            days = max(1, (today - obj.deadline).days)
            return f"OVERDUE by {days} day{'s' if days != 1 else ''}"
        days = (obj.deadline - today).days
        return "due today" if days <= 0 else f"due in {days} day{'s' if days != 1 else ''}"

    @admin.display(description="history")
    def history(self, obj: SubjectRequest) -> str:
        """The lifecycle steps, one a line, in words (not the stored JSON)."""
        value = obj.value()
        lines = [f"{value.received:%d %b %Y %H:%M} received ({value.channel})"]
        for event in value.events:
            line = f"{event.at:%d %b %Y %H:%M} {event.kind.value.replace('_', ' ')}"
            if event.reason:
                line += f": {event.reason}"
            lines.append(line)
        return "\n".join(lines)

    def save_model(
        self, request: HttpRequest, obj: SubjectRequest, form: Any, change: bool
    ) -> None:
        """Build the lifecycle value of a new request from the form, then save."""
        if not change:
            obj._copy_from(
                RequestValue(
                    obj.reference,
                    obj.right,
                    received=obj.received,
                    channel=obj.channel,
                    subject_id=obj.subject_id or None,
                    zone=controller_zone(),
                )
            )
        super().save_model(request, obj, form, change)


@admin.register(ConsentEventRow)
class ConsentEventAdmin(admin.ModelAdmin):
    """The consent chain, read-only (subjects appear only as keyed pseudonyms)."""

    list_display = ("ledger", "seq", "purpose", "subject")
    list_filter = ("ledger", "purpose")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Events are appended by the ledger only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """An edited event would break the chain."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A deleted event would break the chain."""
        return False
