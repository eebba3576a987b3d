"""The Django application configuration of gdprkit (app label ``gdprkit``)."""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

from django.apps import AppConfig  # noqa: TID251 - the django extra

__all__ = ["GdprkitConfig"]


class GdprkitConfig(AppConfig):
    """The app registered by ``INSTALLED_APPS += ["gdprkit.integrations.django"]``.

    Its models live under the label ``gdprkit`` (tables ``gdprkit_*``).

    Example:
        >>> GdprkitConfig.label
        'gdprkit'
    """

    name = "gdprkit.integrations.django"
    label = "gdprkit"
    verbose_name = "GDPR"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the system checks."""
        from .checks import register_checks  # noqa: PLC0415 - apps must be ready first

        register_checks()
