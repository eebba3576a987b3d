"""Hypothesis settings for the shop's CI: no example database in the working tree."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("shop-ci", max_examples=50, database=None, deadline=None)
settings.load_profile("shop-ci")
