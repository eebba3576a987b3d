"""Integrations with frameworks and logging libraries.

Each module imports its framework itself, so ``import gdprkit`` never does; a missing framework
raises :class:`gdprkit.errors.MissingDependency` naming the extra to install.

- :mod:`gdprkit.integrations.logging`: a :class:`logging.Filter` that masks IP addresses in log
  records (standard library only);
- :mod:`gdprkit.integrations.structlog`: the same as a structlog processor
  (``pip install "gdprkit[structlog]"``).
"""
