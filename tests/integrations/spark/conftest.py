"""One local Spark for this folder: ``local[2]``, UI off, bound to loopback, logging to a file.

JVM start-up is slow, so every Spark test shares one session-scoped :class:`SparkSession`.
Skips locally when pyspark or Java is missing; under CI (which installs the ``spark`` extra and
Java) a missing piece is a failure, so a broken CI set-up can never pass by skipping.

The JVM's own output (log4j warnings, progress bars) goes to a file in the session's scratch
folder, so it does not mix with pytest's report.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    import pyarrow  # noqa: F401
    import pyspark  # noqa: F401
except ModuleNotFoundError:
    if os.environ.get("CI"):
        raise  # CI installs the spark extra: a missing pyspark must fail, not skip
    pytest.skip("pyspark and pyarrow are not installed", allow_module_level=True)

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    if os.environ.get("CI"):
        raise RuntimeError("CI must provide Java for the Spark tests (.ci/run installs it)")
    pytest.skip("Java is not installed", allow_module_level=True)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _lake_support import KEY_ENV, KEY_TEXT

from gdprkit.integrations.spark import safe_session_options


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Point file descriptor 2 at ``path`` while the JVM starts (it inherits the descriptor)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@pytest.fixture(scope="session")
def spark_dir() -> Iterator[Path]:
    """A folder for the JVM's log and Spark's scratch space, removed at the end."""
    path = Path(tempfile.mkdtemp(prefix="gdprkit-spark-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def spark(spark_dir: Path) -> Iterator[Any]:
    """The session's SparkSession; executors get the test key through spark.executorEnv."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers need this venv's packages
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("gdprkit-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        # small file splits: every test file is read as several partitions
        .config("spark.sql.files.maxPartitionBytes", str(256 << 10))
        .config("spark.sql.files.openCostInBytes", "0")
        .config("spark.local.dir", str(spark_dir))
        .config(f"spark.executorEnv.{KEY_ENV}", KEY_TEXT)
    )
    for name, value in safe_session_options().items():
        builder = builder.config(name, value)
    with _stderr_to(spark_dir / "jvm.log"):
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """The test key as a key file, for the command line."""
    path = tmp_path / "ip.key"
    path.write_text(KEY_TEXT + "\n")
    return path
