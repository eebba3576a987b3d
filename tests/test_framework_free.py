"""The core is framework-free by rule: it works with every optional dependency unimportable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SMOKE = """
import sys
for name in ("django", "flask", "sqlalchemy", "structlog", "holidays", "psycopg"):
    sys.modules[name] = None  # importing any of them now raises ImportError

import datetime as dt
import io

import gdprkit
from gdprkit.consent import Consent, ConsentLedger, Evidence, MemoryStore, notice_digest
from gdprkit.ip import TruncationMasker, mask_stream
from gdprkit.law import response_deadline
from gdprkit.register import load_register
from gdprkit.retention import Record, RetentionSchedule

register = load_register(sys.argv[1])
assert register.lint() == []
at = dt.datetime(2025, 3, 1, 12, tzinfo=dt.timezone.utc)
ledger = ConsentLedger(MemoryStore(), key=b"k" * 32, register=register)
evidence = Evidence(method="checkbox", notice_version="v1", notice_sha256=notice_digest("Yes"),
                    locale="en", channel="web", collected_by="form")
ledger.record("c-1", Consent("direct_marketing", True, at, evidence), now=at)
assert ledger.allows("c-1", "direct_marketing", now=at)
assert response_deadline(at) == dt.date(2025, 4, 1)
decisions = list(RetentionSchedule.from_register(register).evaluate(
    [Record("cctv", "cam-1", events={"recorded": at})], now=at + dt.timedelta(days=40)))
assert decisions[0].due_now
out = io.BytesIO()
mask_stream(io.BytesIO(b"203.0.113.77 - - [x] \\"GET / HTTP/1.1\\" 200 1\\n"), out,
            masker=TruncationMasker.preset("ga"))
assert b"203.0.113.77" not in out.getvalue()
try:
    import gdprkit.integrations.flask
except ImportError as exc:
    assert 'gdprkit[flask]' in str(exc), exc
else:
    raise SystemExit("flask integration imported without flask")
try:
    from gdprkit.law import PublicHolidays
    PublicHolidays("BG")
except ImportError as exc:
    assert 'gdprkit[holidays]' in str(exc), exc
else:
    raise SystemExit("holiday calendar built without the holidays package")
print("ok")
"""


def test_core_runs_with_every_optional_dependency_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SMOKE, str(REPO / "examples" / "register.toml")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
