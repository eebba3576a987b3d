"""gdprkit as an installable Django app: consent store, cookie consent, checks, commands.

Add ``"gdprkit.integrations.django"`` to ``INSTALLED_APPS``, run ``migrate`` and describe the
shop in one ``GDPRKIT = {...}`` settings dict (read lazily, see
:mod:`gdprkit.integrations.django.conf`).  Install with ``pip install "gdprkit[django]"``;
importing this package without Django raises :class:`ImportError` naming that command.

The modules:

- :mod:`~gdprkit.integrations.django.conf`: the ``GDPRKIT`` settings and the register they name;
- :mod:`~gdprkit.integrations.django.store`: :class:`DjangoConsentStore`, a consent store on the
  Django ORM for :class:`gdprkit.consent.ConsentLedger`;
- :mod:`~gdprkit.integrations.django.middleware` and
  :mod:`~gdprkit.integrations.django.decorators`: the signed cookie-consent value on
  ``request.cookie_consent`` and ``@consent_required("marketing")``;
- :mod:`~gdprkit.integrations.django.logging_config`: a ready ``LOGGING`` filter that masks
  client addresses in ``django.request`` and ``django.server`` records.

Example:
    >>> import gdprkit.integrations.django as app
    >>> app.APP_NAME
    'gdprkit.integrations.django'
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

from gdprkit.errors import MissingDependency

try:
    import django  # noqa: TID251, F401 - this package is the django extra
except ImportError as exc:
    raise MissingDependency(
        'the Django integration needs Django: pip install "gdprkit[django]"'
    ) from exc

__all__ = ["APP_NAME"]

#: The dotted name to put in ``INSTALLED_APPS``.
APP_NAME = "gdprkit.integrations.django"
