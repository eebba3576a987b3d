"""The pytest plugin, run inside pytest with ``pytester``: fixtures, ini option, inertness."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gdprkit.testing.pytest_plugin as plugin
from gdprkit.register import register_from_dict

REPO = Path(__file__).resolve().parents[2]
FIXTURES = ("gdprkit_keyring", "gdprkit_ledger", "gdprkit_now", "gdprkit_register")


def test_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    assert result.ret == 0
    out = result.stdout.str()
    for name in FIXTURES:
        assert name in out
    assert "gdprkit_register [session scope]" in out


def test_no_gdprkit_disables_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_now(gdprkit_now):\n    pass\n")
    result = pytester.runpytest("-p", "no:gdprkit")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'gdprkit_now' not found*"])


def test_no_fixture_is_autouse(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_fixtures(request):
            assert not [n for n in request.fixturenames if n.startswith("gdprkit")]
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_plugin_imports_no_gdprkit_module_at_import_time() -> None:
    # Inert by rule (STYLE.md): gdprkit is imported inside the fixtures only, so a shop's
    # pytest start-up does not pay for modules its tests never use.
    tree = ast.parse(Path(plugin.__file__).read_text(encoding="utf-8"))
    top_level = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            top_level.append(node.module)
        elif isinstance(node, ast.Import):
            top_level += [alias.name for alias in node.names]
    assert top_level
    assert not [name for name in top_level if name.startswith("gdprkit")]


def test_fixtures_give_usable_values(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical
        from gdprkit.register import Register

        def test_values(gdprkit_now, gdprkit_register, gdprkit_keyring):
            assert gdprkit_now.utcoffset() is not None
            assert isinstance(gdprkit_register, Register)
            assert gdprkit_register.purpose("direct_marketing").is_consent_based
            assert not gdprkit_register.purpose("order_fulfilment").is_consent_based
            assert isinstance(gdprkit_keyring, KeyRing)
            p = Pseudonymiser(gdprkit_keyring, domain="email", canonicaliser=canonical.exact)
            assert p.matches("ann@shop.example", p.token("ann@shop.example"))

        seen = []

        def test_fresh_ring_a(gdprkit_keyring):
            seen.append(gdprkit_keyring)

        def test_fresh_ring_b(gdprkit_keyring):
            token = lambda ring: Pseudonymiser(
                ring, domain="x", canonicaliser=canonical.exact).token("v")
            assert token(seen[0]) != token(gdprkit_keyring)
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_ledger_is_empty_fresh_and_follows_the_register(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import datetime as dt
        import pytest
        from gdprkit.consent import Consent, Evidence, notice_digest
        from gdprkit.errors import InvalidConsent

        def consent(purpose, now):
            ev = Evidence(method="checkbox", notice_version="v1",
                          notice_sha256=notice_digest("Send me offers"), locale="en",
                          channel="web", collected_by="checkout")
            return Consent(purpose, True, now, ev)

        def test_grant_then_expiry(gdprkit_ledger, gdprkit_now):
            assert gdprkit_ledger.verify().events == 0
            gdprkit_ledger.record("c-1", consent("direct_marketing", gdprkit_now),
                                  now=gdprkit_now)
            assert gdprkit_ledger.allows("c-1", "direct_marketing", now=gdprkit_now)
            # consent_max_age of the demo register's direct_marketing: 24 months.
            later = gdprkit_now + dt.timedelta(days=2 * 366)
            assert not gdprkit_ledger.allows("c-1", "direct_marketing", now=later)

        def test_fresh_ledger(gdprkit_ledger):
            assert gdprkit_ledger.verify().events == 0

        def test_contract_purpose_takes_no_consent(gdprkit_ledger, gdprkit_now):
            with pytest.raises(InvalidConsent, match="not consent"):
                gdprkit_ledger.record("c-1", consent("order_fulfilment", gdprkit_now),
                                      now=gdprkit_now)
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_demo_register_lints_clean() -> None:
    register = register_from_dict(plugin._DEMO_REGISTER)
    assert register.lint() == []


def test_register_is_read_from_the_ini_option(pytester: pytest.Pytester) -> None:
    (pytester.path / "privacy").mkdir()
    (pytester.path / "privacy" / "register.toml").write_text(
        (REPO / "examples" / "register.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    pytester.makeini("[pytest]\ngdprkit_register = privacy/register.toml\n")
    pytester.mkdir("sub")
    (pytester.path / "sub" / "test_reg.py").write_text(
        "def test_reg(gdprkit_register):\n"
        "    assert 'cctv' in gdprkit_register\n"
        "    assert len(gdprkit_register) == 11\n",
        encoding="utf-8",
    )
    # Relative to the ini file, wherever pytest is started from.
    pytester.runpytest("sub").assert_outcomes(passed=1)
    pytester.chdir()
    result = pytester.runpytest("-o", "gdprkit_register=privacy/missing.toml", "sub")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*gdprkit_register = *missing.toml: no such file*"])


def test_invalid_register_file_names_file_and_key(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        register="version = 1\n[controller]\nname = 'Shop'\ncontact = 'privacy@shop.example'\n"
        "[[purposes]]\nid = 'ads'\ndescription = 'Ads'\nbasis = 'no_such_basis'\n",
    )
    pytester.makeini("[pytest]\ngdprkit_register = register.toml\n")
    pytester.makepyfile("def test_reg(gdprkit_register):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*gdprkit_register: *register.toml: purpose 'ads': key 'basis'*"])


def test_unknown_ini_keys_stay_strict(pytester: pytest.Pytester) -> None:
    # The option is declared, so shops can keep --strict-config.
    pytester.makeini("[pytest]\ngdprkit_register =\n")
    pytester.makepyfile("def test_ok(gdprkit_register):\n    assert len(gdprkit_register) == 5\n")
    pytester.runpytest("--strict-config").assert_outcomes(passed=1)


def test_assertion_failures_read_well_and_do_not_disclose(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import logging
        from gdprkit.testing.assertions import assert_no_personal_data, assert_no_raw_ips

        def test_log(caplog):
            caplog.set_level(logging.INFO)
            logging.getLogger("shop").info("welcome %s", "Ann.Smith@Shop.Example")
            assert_no_personal_data(caplog.text, ["ann.smith@shop.example"])

        def test_ips():
            assert_no_raw_ips("GET / from " + "203.0.113." + "77")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "E *personal data found in the text (values are masked here):",
            "E *value #1 (a…e, 22 chars), 1 occurrence: line 1, column *(as written)",
            "E *found 1 raw IP address in the text (first group shown):",
            "E *line 1, column 12: IPv4 203.x.x.x",
        ]
    )
    error_lines = [line for line in out.splitlines() if line.startswith("E ")]
    assert not [line for line in error_lines if "Ann.Smith" in line or "113.77" in line]
    # __tracebackhide__: the failure points at the test, not into gdprkit.
    assert "gdprkit/testing/assertions.py" not in out
