"""Signals of the request pages: connect a receiver to be told of a customer's request.

- ``request_received(sender=SubjectRequest, request=row, email=..., message=...)``: a request
  came in through the form; it awaits the e-mail confirmation (its clock is paused);
- ``request_verified(sender=SubjectRequest, request=row)``: the customer confirmed it through
  the link; its deadline runs (``row.deadline``).

Example:
    >>> from gdprkit.integrations.django.signals import request_verified
    >>> def notify_staff(sender, request, **kwargs):
    ...     pass  # e-mail the privacy team: answer by request.deadline
    >>> request_verified.connect(notify_staff)
"""

# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from django.dispatch import Signal  # noqa: TID251 - the django extra

__all__ = ["request_received", "request_verified"]

#: Sent when the form takes a request (arguments ``request``, ``email``, ``message``).
request_received = Signal()
#: Sent once, when the customer confirms a request through the e-mailed link (``request``).
request_verified = Signal()
