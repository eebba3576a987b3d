"""Tests of gdprkit.consent (a package, so module names cannot clash with other areas)."""
