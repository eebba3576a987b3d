"""The entry points work as a user meets them: in a fresh interpreter, and from a built wheel."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import time
from importlib.metadata import version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = ("gdprkit_keyring", "gdprkit_now", "gdprkit_register")

# Environment variables that would change what a child interpreter or pytest loads.
_SCRUB = (
    "HYPOTHESIS_NO_PLUGINS",
    "PYTEST_ADDOPTS",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTEST_PLUGINS",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONNOUSERSITE",
    "COVERAGE_PROCESS_START",
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _run(args: list[str], *, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


# The child imports Hypothesis and gdprkit's value modules, never gdprkit.testing: the
# ``hypothesis`` entry point alone must teach st.from_type every gdprkit type.  With the argument
# ``all`` it draws values of every registered gdprkit type; without, only legal bases.
_FROM_TYPE_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import hypothesis
    from hypothesis import given, settings, strategies as st
    from hypothesis.strategies._internal.types import _global_type_lookup
    import gdprkit.law

    registered = [t for t in list(_global_type_lookup)
                  if isinstance(t, type) and t.__module__.startswith("gdprkit.")]
    if sys.argv[1:] != ["all"]:
        registered = [gdprkit.law.LegalBasis]
    report = {}
    for kind in registered:
        drawn = []

        @settings(max_examples=5, database=None, deadline=None)
        @given(st.from_type(kind))
        def draw(value):
            drawn.append(isinstance(value, kind))

        draw()
        report[kind.__module__ + "." + kind.__qualname__] = bool(drawn) and all(drawn)
    print(json.dumps(report))
    """
)


def test_from_type_works_for_every_registered_type_in_a_fresh_interpreter() -> None:
    # In the repository, so the child reuses Hypothesis's cached Unicode tables (.hypothesis/).
    result = _run([sys.executable, "-c", _FROM_TYPE_SCRIPT, "all"], cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    types = json.loads(result.stdout.strip().splitlines()[-1])
    # The types of the layers every install has; other areas add theirs as they land.
    for name in (
        "gdprkit.law.bases.LegalBasis",
        "gdprkit.register._model.Purpose",
        "gdprkit.register._model.Register",
        "gdprkit.pseudonymise.keyring.KeyRing",
    ):
        assert name in types, sorted(types)
    assert [name for name, ok in types.items() if not ok] == []


# Public attrs classes that need no strategy: values gdprkit *produces* (results, reports, rows
# of its own tables), which a shop's tests receive rather than generate.
_RESULT_TYPES = {
    "gdprkit.consent._ledger.ChainReport",
    "gdprkit.consent._ledger.LedgerEntry",
    "gdprkit.consent._ledger.PurposeState",
    "gdprkit.export._reader.PortabilityPackage",
    "gdprkit.export._report.AccessReport",
    "gdprkit.export._report.AttachmentCopy",
    "gdprkit.export._report.DatasetCopy",
    "gdprkit.ip.text.AddressMatch",
    "gdprkit.ip.truncate.TruncationPreset",
    "gdprkit.notice._diff.RegisterChange",
    "gdprkit.notice._render.RenderedNotice",
    "gdprkit.pseudonymise.shredding.WrappedKey",
    "gdprkit.register._lint.Finding",
    "gdprkit.requests.RequestEvent",
    "gdprkit.retention._erasure.ErasureItem",
    "gdprkit.retention._erasure.ErasurePlan",
    "gdprkit.retention._schedule.Decision",
}
# Inputs a shop builds, still without a registered strategy (reported to the maintainers; remove
# an entry when its area registers one, the test insists).
_NOT_YET_REGISTERED: set[str] = set()

_UNREGISTERED_SCRIPT = textwrap.dedent(
    """
    import enum, importlib, json, pkgutil
    import attrs, hypothesis
    from hypothesis.strategies._internal.types import _global_type_lookup
    import gdprkit

    missing = set()
    for info in pkgutil.walk_packages(gdprkit.__path__, "gdprkit."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or parts[1] in ("cli", "integrations", "testing"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            # Enums need no registration: st.from_type samples their members.
            if isinstance(value, type) and attrs.has(value) and value not in _global_type_lookup:
                missing.add(value.__module__ + "." + value.__qualname__)
    print(json.dumps(sorted(missing)))
    """
)


def test_every_public_value_type_has_a_registered_strategy() -> None:
    result = _run([sys.executable, "-c", _UNREGISTERED_SCRIPT], cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    unregistered = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert unregistered - _RESULT_TYPES - _NOT_YET_REGISTERED == set()
    assert _RESULT_TYPES - unregistered == set(), "has a strategy now: drop from the list"
    assert _NOT_YET_REGISTERED - unregistered == set(), "registered now: drop from the list"


def test_importing_the_strategies_module_first_works() -> None:
    # A shop's test file that starts with ``from gdprkit.testing import strategies`` makes that
    # module import Hypothesis, which runs gdprkit's hook while the module is half initialised.
    script = (
        "from gdprkit.testing import strategies as gst\n"
        "from hypothesis import strategies as st\n"
        "import gdprkit.register\n"
        "print(type(st.from_type(gdprkit.register.Purpose).example()).__name__)\n"
    )
    result = _run([sys.executable, "-c", script], cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["Purpose"]


def test_entry_point_targets_exist() -> None:
    from importlib.metadata import entry_points

    (hypothesis_ep,) = [e for e in entry_points(group="hypothesis") if "gdprkit" in e.value]
    assert callable(hypothesis_ep.load())
    (pytest_ep,) = [e for e in entry_points(group="pytest11") if e.name == "gdprkit"]
    assert pytest_ep.load().__name__ == "gdprkit.testing.pytest_plugin"


def _build_wheel(tmp_path: Path) -> Path:
    """Build gdprkit's wheel offline, or skip saying why that is impossible here."""
    if not (REPO / "pyproject.toml").is_file():
        pytest.skip("the source tree (pyproject.toml) is not beside the tests")
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed, so the wheel cannot be built offline")
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not installed in the test environment")
    dist = tmp_path / "dist"
    build = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(dist),
            str(REPO),
        ],
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = dist.glob("gdprkit-*.whl")
    return wheel


@pytest.mark.slow
def test_a_fresh_venv_with_the_wheel_has_the_fixtures_and_strategies(tmp_path: Path) -> None:
    started = time.monotonic()
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    if made.returncode != 0:
        pytest.skip(f"python -m venv is unavailable here: {made.stderr.strip()[-300:]}")
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    venv_site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=tmp_path,
        ).stdout.strip()
    )
    # Install with this environment's pip into the still empty venv (nothing to satisfy there):
    # ``--python`` (pip >= 22.3) installs as into any environment; older pips write the same
    # files straight into the venv's site-packages.
    pip_version = tuple(int(p) for p in version("pip").split(".")[:2] if p.isdigit())
    where_to = ["--python", str(python)] if pip_version >= (22, 3) else []
    into = [] if where_to else ["--target", str(venv_site)]
    command = [sys.executable, "-m", "pip", *where_to, "install", "--no-deps", "--no-index"]
    install = _run([*command, *into, str(wheel)], cwd=tmp_path)
    assert install.returncode == 0, install.stderr[-3000:]
    # Then let the venv see the test environment's packages (pytest, hypothesis, attrs...):
    # plain path lines, appended after the venv's own site-packages, so the wheel's gdprkit and
    # its metadata come first.  (--system-site-packages would expose the base interpreter,
    # not this environment, when the tests themselves run in a venv, as under nox.)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (venv_site / "_test_env.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")

    probe = (
        "import gdprkit, importlib.metadata as m; print(gdprkit.__file__); "
        "print(m.distribution('gdprkit').locate_file(''))"
    )
    where = _run([str(python), "-c", probe], cwd=tmp_path)
    assert where.returncode == 0, where.stderr[-3000:]
    for line in where.stdout.split():
        assert Path(line).resolve().is_relative_to(venv.resolve()), where.stdout

    project = tmp_path / "shop"
    project.mkdir()
    (project / "test_shop.py").write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    fixtures = _run(
        [str(python), "-m", "pytest", "--fixtures", "-p", "no:cacheprovider"], cwd=project
    )
    assert fixtures.returncode == 0, fixtures.stdout[-3000:] + fixtures.stderr[-3000:]
    assert "fixtures defined from gdprkit.testing.pytest_plugin" in fixtures.stdout
    for name in FIXTURES:
        assert name in fixtures.stdout

    strategies = _run([str(python), "-c", _FROM_TYPE_SCRIPT], cwd=project)
    assert strategies.returncode == 0, strategies.stderr[-3000:]
    report = json.loads(strategies.stdout.strip().splitlines()[-1])
    assert report == {"gdprkit.law.bases.LegalBasis": True}
    # Marked slow whatever it takes; report the time so a regression is visible with -rA.
    print(f"fresh-venv check took {time.monotonic() - started:.1f} s")
