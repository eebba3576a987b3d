"""``python -m gdprkit`` runs the ``gdprkit`` command."""

from gdprkit.cli import entry_point

entry_point()
