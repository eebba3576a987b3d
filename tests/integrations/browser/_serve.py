"""Serve one example shop on loopback for the browser tests: ``_serve.py flask|django DIR``.

Prints ``READY <port>`` once listening on an ephemeral port of 127.0.0.1.  Everything the shop
writes (SQLite files) goes under DIR; the key ring comes from ``GDPRKIT_KEYRING``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parents[3]


def flask_app(work: Path) -> object:
    sys.path.insert(0, str(REPO / "examples" / "flask_shop"))
    import shop

    from gdprkit.pseudonymise import KeyRing

    def mail(email: str, link: str, request: object) -> None:
        with (work / "outbox.txt").open("a", encoding="utf-8") as out:
            out.write(f"{email} {link}\n")

    shop.gdpr.verification_mailer(mail)  # the test reads the link from the outbox file
    return shop.create_app(
        {
            "GDPRKIT_KEYRING": KeyRing.from_env("GDPRKIT_KEYRING"),
            "GDPRKIT_STORE_URL": f"sqlite:///{work / 'consent.sqlite3'}",
            "GDPRKIT_COOKIE_SECURE": False,  # plain http on loopback
            "GDPRKIT_RATE_LIMIT": 1000,
        }
    )


def django_app(work: Path) -> object:
    os.environ["SHOP_DB"] = str(work / "shop.sqlite3")
    os.environ["SHOP_MAIL_DIR"] = str(work / "mail")
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    sys.path.insert(0, str(REPO / "examples" / "django_shop"))
    import django  # noqa: TID251 - the example shop is a Django project

    django.setup()
    from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: TID251
    from django.core.management import call_command  # noqa: TID251
    from django.core.wsgi import get_wsgi_application  # noqa: TID251

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User  # noqa: TID251

    User.objects.create_superuser("staff", "staff@dyqani.example", "staff-password-1")
    return StaticFilesHandler(get_wsgi_application())


def main() -> None:
    kind, work = sys.argv[1], Path(sys.argv[2])
    app = flask_app(work) if kind == "flask" else django_app(work)
    server = make_server("127.0.0.1", 0, app, threaded=True)  # type: ignore[arg-type]
    print(f"READY {server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
