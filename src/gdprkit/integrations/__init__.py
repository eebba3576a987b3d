"""Integrations with web frameworks, logging libraries and data-processing clusters.

Each module imports its framework itself, so ``import gdprkit`` never does; a missing framework
raises :class:`gdprkit.errors.MissingDependency` naming the extra to install.

- :mod:`gdprkit.integrations.django`: an installable Django app -- consent store, cookie banner,
  preferences, request and notice pages, admin, checks and commands (``pip install
  "gdprkit[django]"``);
- :mod:`gdprkit.integrations.flask`: the Flask extension package with the same pages, settings
  and ``flask gdpr`` commands (``pip install "gdprkit[flask]"``);
- :mod:`gdprkit.integrations.logging`: a :class:`logging.Filter` that masks IP addresses in log
  records (standard library only);
- :mod:`gdprkit.integrations.structlog`: the same as a structlog processor
  (``pip install "gdprkit[structlog]"``);
- :mod:`gdprkit.integrations.spark` and :mod:`gdprkit.integrations.dask`: masking,
  pseudonymising and retention decisions on Apache Spark and Dask (``pip install
  "gdprkit[spark]"`` / ``"gdprkit[dask]"``).
"""
