"""The testing kit's own tests run pytest inside pytest (``pytester``) to test the plugin."""

from __future__ import annotations

pytest_plugins = ["pytester"]
