"""Tools for testing a shop's GDPR integration: Hypothesis strategies and a pytest plugin.

- :mod:`gdprkit.testing.strategies`: a strategy for every public value type and for the hard
  inputs of the field (IP addresses in every textual form, log lines, e-mail addresses).
- :mod:`gdprkit.testing.pytest_plugin`: fixtures and assertions, loaded by pytest through the
  ``pytest11`` entry point (disable with ``-p no:gdprkit``).

Hypothesis is needed only by the strategies module (install ``gdprkit[test]``).
"""
