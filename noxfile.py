"""Task runner: ``nox -s tests``, ``lint``, ``typecheck``, ``docs``, ``bench``, ``examples``.

Sessions run on the current interpreter only, so they work on a machine that has just one Python
(CI sets ``CI=true``, where nox would error on a missing interpreter).
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.error_on_missing_interpreters = bool(os.environ.get("CI"))

# spark,dask (issue 21): pyspark is large (~500 MB installed) but installs in about a minute
ALL_EXTRAS = "test,holidays,sqlalchemy,postgresql,structlog,django,flask,spark,dask"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against the built (not editable) package, with coverage."""
    session.install(f".[{ALL_EXTRAS}]")
    # coverage run (not pytest-cov): gdprkit's pytest11 plugin imports gdprkit before pytest-cov
    # would start measuring, which would hide every module-level line.
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "report")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    session.install("mypy>=1.10", "types-python-dateutil", f".[{ALL_EXTRAS}]")
    session.run("mypy", "--strict", "src/gdprkit")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs site with warnings as errors."""
    session.install(".[docs,holidays,sqlalchemy,structlog,test]")
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks in benchmarks/ (results go to benchmarks/RESULTS.md by hand)."""
    # yacryptopan: the baseline issue 3 names for Crypto-PAn (benchmarks only, never a dependency).
    session.install(f".[{ALL_EXTRAS}]", "yacryptopan")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def examples(session: nox.Session) -> None:
    """Run every example end to end."""
    session.install(f".[{ALL_EXTRAS}]")
    session.run("python", "examples/run_all.py", *session.posargs)


# --- native IP engine (issue 18) ---------------------------------------------------------------
@nox.session
def native(session: nox.Session) -> None:
    """Build the optional native IP engine (native/, needs Rust) and run tests/ip with it.

    ``nox -s tests`` never builds it, so it keeps working on a machine without a Rust toolchain.
    """
    session.install(f".[{ALL_EXTRAS}]")
    session.install("./native")  # maturin builds a release wheel from native/ (abi3)
    session.run("cargo", "test", "--manifest-path", "native/Cargo.toml", external=True)
    # Every test of gdprkit.ip (conformance corpora included) with the native engine forced:
    # a missing or broken build fails here instead of quietly testing the Python engine.
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/ip",
        "-q",
        *session.posargs,
        env={"GDPRKIT_IP_ENGINE": "native"},
    )
