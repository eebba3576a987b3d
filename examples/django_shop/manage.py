#!/usr/bin/env python
"""The example shop's manage.py (run it from this folder)."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line  # noqa: TID251

    execute_from_command_line(sys.argv)
