"""Drive the example Flask shop end to end with Flask's test client; exit 0 on success.

Every step a shop needs: the cookie banner, a newsletter sign-up with recorded consent, a view
that needs that consent, an order, a data-subject request, ``flask gdpr check``, ``export`` and
``retention``, withdrawal, and a tampered cookie.  Writes only under a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from shop import create_app  # noqa: E402

from gdprkit.export import read_package  # noqa: E402
from gdprkit.pseudonymise import KeyRing  # noqa: E402

FAILURES: list[str] = []


def check(condition: bool, what: str) -> None:
    print(f"  {'ok' if condition else 'FAILED'}: {what}")
    if not condition:
        FAILURES.append(what)


def main() -> int:
    """Run the scenario; return 0 when every check passed."""
    with tempfile.TemporaryDirectory() as work:
        app = create_app(
            {
                "TESTING": True,
                # A real shop loads its key ring from the environment or a secrets file.
                "GDPRKIT_KEYRING": KeyRing.generate(),
                "GDPRKIT_STORE_URL": f"sqlite:///{Path(work) / 'consent.sqlite3'}",
            }
        )
        client = app.test_client()
        visitor = {"REMOTE_ADDR": "203.0.113.77"}

        print("cookie banner")
        page = client.get("/").get_data(as_text=True)
        check(
            'value="reject_all"' in page and 'value="accept_all"' in page, "banner shown at first"
        )
        check("Visits are not counted" in page, "no analytics before a choice")
        check('type="text/plain" data-category="statistics"' in page, "analytics script held back")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        check(token is not None, "the banner's forms carry a CSRF token")
        form = {"action": "save", "category": "statistics", "next": "/"}
        refused = client.post("/gdpr/cookies/", data=form, environ_base=visitor)
        check(refused.status_code == 400, "a form without the token is refused")
        form["csrf_token"] = token.group(1) if token else ""
        answer = client.post("/gdpr/cookies/", data=form, environ_base=visitor)
        check(answer.status_code == 303, "choice saved, back to the page")
        page = client.get("/").get_data(as_text=True)
        check("Visits are counted" in page and "analytics.js" in page, "analytics after opting in")
        check('value="accept_all"' not in page, "and the banner is gone")
        bad = client.post("/gdpr/cookie-consent", json={"granted": ["everything"]})
        check(bad.status_code == 422 and bad.json["field"] == "granted", "bad choice is a 422")

        print("newsletter sign-up")
        check(client.get("/offers").status_code == 401, "offers need a customer")
        signup = client.post(
            "/signup", json={"email": "ana@example.org", "newsletter": True}, environ_base=visitor
        )
        check(signup.status_code == 201, "signed up with the newsletter box ticked")
        check(client.get("/offers").status_code == 200, "offers shown with consent")

        print("order and logs")
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        app.logger.addHandler(handler)
        app.logger.setLevel(logging.INFO)
        order = client.post("/orders", json={"items": ["tea"]}, environ_base=visitor)
        app.logger.removeHandler(handler)
        check(order.status_code == 201, "order placed")
        check("203.0.113.0" in stream.getvalue(), "app log shows the masked address")
        check("203.0.113.77" not in stream.getvalue(), "app log never shows the full address")

        print("data-subject request")
        request = client.post("/gdpr/requests", json={"right": "access", "message": "my data"})
        check(request.status_code == 202, "access request received")
        check(bool(request.json["deadline"]), f"answer due by {request.json['deadline']}")

        print("flask gdpr check / export / retention")
        runner = app.test_cli_runner()
        result = runner.invoke(args=["gdpr", "check"])
        check(result.exit_code == 0, "register and consent ledger check out")
        customer = signup.json["customer"]
        package = Path(work) / "export.zip"
        result = runner.invoke(args=["gdpr", "export", customer, "-o", str(package)])
        check(result.exit_code == 0, "portability package written")
        data = read_package(package).load()
        check(data["orders"][0]["items"] == ["tea"], "the order is in the package")
        later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3 * 366)).isoformat()
        result = runner.invoke(args=["gdpr", "retention", "--dry-run", "--now", later])
        rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
        check(result.exit_code == 0 and len(rows) == 1, "the order is due in three years")
        result = runner.invoke(args=["gdpr", "retention"])
        check(result.exit_code == 0, "nothing is due today")
        check(len(app.extensions["shop"].orders) == 1, "so the order is kept")
        result = runner.invoke(args=["gdpr", "retention", "--now", later])
        check(len(app.extensions["shop"].orders) == 0, "in three years the order is deleted")

        print("withdrawal and a tampered cookie")
        check(client.post("/unsubscribe").status_code == 200, "unsubscribed")
        check(client.get("/offers").status_code == 403, "no offers after withdrawal")
        cookie = client.get_cookie("gdprkit_consent")
        value = cookie.value if cookie is not None else ""
        client.set_cookie("gdprkit_consent", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
        page = client.get("/").get_data(as_text=True)
        check("Visits are not counted" in page, "a tampered cookie means no consent")
        check(client.get("/gdpr/cookie-consent").json["decided"] is False, "and the banner is back")
        app.extensions["gdprkit"].close()

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print("flask shop: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
