"""tests/ip run against whichever engine is selected: ``GDPRKIT_IP_ENGINE=python|native``.

CI runs this folder twice, once per engine; the header of the run says which one it was, and
``GDPRKIT_IP_ENGINE=native`` where the native engine is missing fails the run instead of quietly
testing the Python engine.
"""

from __future__ import annotations

import os

from gdprkit.errors import GdprkitError
from gdprkit.ip import _engine


def pytest_report_header() -> str:
    wanted = os.environ.get(_engine.ENV_VAR, "auto")
    try:
        chosen = _engine.choose(None)
    except GdprkitError as exc:  # the tests then fail one by one, each with this message
        chosen = f"unavailable ({exc})"
    return f"gdprkit IP engine: {chosen} ({_engine.ENV_VAR}={wanted})"
