"""Both example shops in headless Chromium, as a customer uses them (issue 16).

Each shop runs in its own process on 127.0.0.1 (``_serve.py``); the browser is Debian's
``/usr/bin/chromium`` driven by Playwright.  Locally the module skips without Chromium or
Playwright; under ``CI=true`` a missing browser fails (``.ci/run`` installs it).  Screenshots at
390 and 1280 px go to ``artifacts/screenshots/`` (gitignored; CI keeps them).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("GDPRKIT_CHROMIUM", "/usr/bin/chromium"))
REPO = Path(__file__).resolve().parents[3]
SHOTS = REPO / "artifacts" / "screenshots"

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ModuleNotFoundError:
    if os.environ.get("CI"):
        raise  # CI installs the browser extra: a missing Playwright must fail, not skip
    pytest.skip("Playwright is not installed", allow_module_level=True)
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

from gdprkit.pseudonymise import KeyRing  # noqa: E402

#: Cookies the shops may set before any choice: strictly necessary (ePrivacy Art. 5(3)).
NECESSARY = {"session", "csrftoken", "gdprkit_consent"}
KEYS = KeyRing.generate()


class Shop:
    def __init__(self, kind: str, url: str, work: Path) -> None:
        self.kind, self.url, self.work = kind, url, work


@pytest.fixture(scope="module", params=["flask", "django"])
def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    work = tmp_path_factory.mktemp(f"shop-{request.param}")
    env = {**os.environ, "GDPRKIT_KEYRING": KEYS.to_secret_json()}
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_serve.py")), request.param, str(work)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=work,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"the {request.param} shop did not start: {process.stderr.read()}")  # type: ignore[union-attr]
    try:
        yield Shop(request.param, f"http://127.0.0.1:{line.split()[1]}", work)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def _cookies(page: Page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}


def _consent_calls(page: Page) -> list[list[Any]]:
    calls = page.evaluate(
        "() => (window.dataLayer || []).map(a => Array.from(a)).filter(a => a[0] === 'consent')"
    )
    return list(calls)


def test_first_visit_banner_and_no_optional_cookie(shop: Shop, page: Page) -> None:
    page.goto(shop.url + "/")
    banner = page.locator("#gk-banner")
    assert banner.is_visible()
    reject, accept = (
        page.get_by_role("button", name="Reject all"),
        page.get_by_role("button", name="Accept all"),
    )
    # As easy and as prominent: the same size and colours.
    assert reject.bounding_box()["height"] == accept.bounding_box()["height"]  # type: ignore[index]
    styles = [
        b.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).fontSize]")
        for b in (reject, accept)
    ]
    assert styles[0] == styles[1]
    assert set(_cookies(page)) <= NECESSARY
    assert page.evaluate("() => window.shopAnalyticsLoaded === undefined")
    calls = _consent_calls(page)
    assert calls[0][1] == "default"
    assert {calls[0][2][k] for k in ("ad_storage", "analytics_storage")} == {"denied"}
    assert len(calls) == 1  # no update before a choice


def test_reject_all_with_javascript(shop: Shop, page: Page) -> None:
    page.goto(shop.url + "/")
    page.evaluate("() => { window.sameDocument = true; }")
    page.get_by_role("button", name="Reject all").click()
    page.locator("#gk-banner").wait_for(state="hidden")
    # The script answered in place: the page was not reloaded (no fallback to a plain POST).
    assert page.evaluate("() => window.sameDocument === true")
    update = _consent_calls(page)[-1]
    assert update[1] == "update"
    assert update[2]["analytics_storage"] == "denied"
    assert "gdprkit_consent" in _cookies(page)
    assert "_shop_stats" not in _cookies(page)
    page.reload()
    assert page.locator("#gk-banner").count() == 0
    assert page.evaluate("() => window.shopAnalyticsLoaded === undefined")
    assert "Visits are not counted" in page.content()


def test_accept_statistics_in_the_settings_loads_the_script(shop: Shop, page: Page) -> None:
    page.goto(shop.url + "/")
    page.get_by_role("link", name="Choose cookies").click()
    page.wait_for_url("**/gdpr/cookies/**")
    box = page.get_by_label("Allow Statistics cookies")
    assert not box.is_checked()  # nothing pre-ticked
    box.check()
    with page.expect_navigation(url=shop.url + "/"):
        page.get_by_role("button", name="Save my choices").click()
    assert page.evaluate("() => window.shopAnalyticsLoaded === true")
    assert "_shop_stats" in _cookies(page)
    calls = _consent_calls(page)
    assert calls[-1][1] == "update"
    assert calls[-1][2]["analytics_storage"] == "granted"
    assert calls[-1][2]["ad_storage"] == "denied"
    if shop.kind == "flask":  # the ledger file is the shop's own: read what it recorded
        from gdprkit.consent import ConsentLedger, SQLiteStore

        ledger = ConsentLedger(SQLiteStore(shop.work / "consent.sqlite3"), key=KEYS)
        value = _cookies(page)["gdprkit_consent"].strip('"')
        subject = "cookie:" + hashlib.sha256(value.encode()).hexdigest()[:32]
        events = ledger.history(subject)
        assert [(e.event.purpose, e.event.kind.value) for e in events] == [
            ("web_analytics", "given")
        ]
        assert events[0].event.evidence.collected_by.endswith("cookie_banner.save")  # type: ignore[union-attr]
    # Withdrawing is as easy: the footer link, one button.
    page.get_by_role("link", name="Cookie settings").click()
    page.wait_for_url("**/gdpr/cookies/**")
    assert page.get_by_label("Allow Statistics cookies").is_checked()
    with page.expect_navigation(url=shop.url + "/"):
        page.get_by_role("button", name="Reject all").click()
    assert "Visits are not counted" in page.content()


def test_without_javascript_the_forms_still_work(shop: Shop, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(shop.url + "/")
        with page.expect_navigation():
            page.get_by_role("button", name="Accept all").click()
        assert page.locator("#gk-banner").count() == 0
        assert "Visits are counted" in page.content()
    finally:
        context.close()


def test_keyboard_only(shop: Shop, page: Page) -> None:
    page.goto(shop.url + "/")
    page.evaluate("() => { window.sameDocument = true; }")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Reject all"  # the banner comes first in the focus order
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Accept all"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.locator("#gk-banner").wait_for(state="hidden")
    # The script moves focus to the reopen link, so a keyboard user is not left at the top.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('[data-gdprkit-reopen]')"
    )
    assert "gdprkit_consent" in _cookies(page)
    assert page.evaluate("() => window.sameDocument === true")


def _mailed_link(shop: Shop) -> str:
    import re

    if shop.kind == "flask":
        text = (shop.work / "outbox.txt").read_text(encoding="utf-8")
    else:
        text = "".join(p.read_text(encoding="utf-8") for p in (shop.work / "mail").iterdir())
    links = re.findall(r"https?://[^\s]+/gdpr/requests/confirm/[^\s]+", text)
    assert links, text
    return str(links[-1])


def test_a_request_submitted_confirmed_and_shown_with_its_deadline(shop: Shop, page: Page) -> None:
    page.goto(shop.url + "/gdpr/requests/new")
    page.get_by_label("Delete my data (Art. 17)").check()
    page.get_by_label("Your e-mail address").fill("ana@example.org")
    page.get_by_role("button", name="Send request").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()  # waits for the answer
    link = _mailed_link(shop)
    page.goto(link)
    page.get_by_role("button", name="Confirm my request").click()
    page.get_by_text("your request is confirmed").wait_for()
    deadline = page.locator("dt:has-text('We answer by') + dd").inner_text()
    assert deadline.split()[0] in {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}
    page.get_by_role("link", name="status of your request").click()
    page.get_by_text("Received: we are working on it").wait_for()
    if shop.kind == "django":  # staff see it in the admin with its deadline
        page.goto(shop.url + "/admin/login/")
        page.get_by_label("Username").fill("staff")
        page.get_by_label("Password").fill("staff-password-1")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(shop.url + "/admin/")
        page.goto(shop.url + "/admin/gdprkit/subjectrequest/")
        row = page.locator("#result_list tbody tr").first
        assert "Erasure (Art. 17)" in row.inner_text()
        assert "due in" in row.inner_text()


def test_no_serious_accessibility_violation_and_screenshots(shop: Shop, browser: Browser) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        try:
            pages = (
                ("home", "/"),
                ("settings", "/gdpr/cookies/"),
                ("request", "/gdpr/requests/new"),
                ("privacy", "/gdpr/privacy/"),
            )
            for name, path in pages:
                page.goto(shop.url + path)
                results = axe.run(page)
                bad = [
                    v["id"]
                    for v in results.response["violations"]
                    if v["impact"] in {"serious", "critical"}
                ]
                assert bad == [], json.dumps(bad)
                assert page.evaluate("() => document.documentElement.lang") == "en"
                overflow = page.evaluate(
                    "() => document.documentElement.scrollWidth > window.innerWidth"
                )
                assert not overflow, f"{name} scrolls sideways at {width} px"
                page.screenshot(path=str(SHOTS / f"{shop.kind}-{name}-{width}.png"), full_page=True)
        finally:
            context.close()


def test_the_access_report_reads_on_a_phone(browser: Browser) -> None:
    # Issue 16: controller details overflowed at 390 px and words broke mid-word.
    sys.path.insert(0, str(REPO / "examples"))
    try:
        import demo_shop
    finally:
        sys.path.pop(0)
    from gdprkit.export import build_access_report
    from gdprkit.register import load_register

    register = load_register(REPO / "examples" / "register.toml")
    when = demo_shop.at(2025, 2, 12, 10, 0)
    html = build_access_report(register, "subject-7f3a", demo_shop.datasets(), generated_at=when)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.set_content(html.to_html())
        assert not page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "access-report-390.png"), full_page=True)
    finally:
        context.close()
