"""A real ``dask.distributed.LocalCluster``: two worker processes on loopback, for this folder.

Skips locally when dask is not installed; under CI a missing dask is a failure (CI installs the
``dask`` extra), so a broken CI set-up can never pass by skipping these tests.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    import dask  # noqa: F401
    import distributed
except ModuleNotFoundError:
    if os.environ.get("CI"):
        raise  # CI installs the dask extra: a missing Dask must fail, not skip
    pytest.skip("dask[dataframe,distributed] is not installed", allow_module_level=True)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _lake_support import KEY_ENV, KEY_TEXT

from gdprkit.integrations.dask import KeyPlugin


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    """A client of a two-process cluster whose workers get the test key through a KeyPlugin."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # None means the default :8787, which may be taken
        silence_logs=40,  # logging.ERROR
    )
    with cluster, distributed.Client(cluster) as dask_client:
        dask_client.register_plugin(KeyPlugin({KEY_ENV: KEY_TEXT}))
        yield dask_client


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """The test key as a key file, for the command line."""
    path = tmp_path / "ip.key"
    path.write_text(KEY_TEXT + "\n")
    return path
