"""Dask on a real two-process LocalCluster gives the bytes ``gdprkit ip mask`` gives.

The reference is the command line on the same file; the bag is read in small blocks so every
file is split over several partitions, which land on both workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cloudpickle
import dask
import dask.bag as db
import dask.dataframe as dd
import pandas as pd
import pytest
from _lake_support import KEY_ENV, KEY_TEXT, OTHER_KEY_TEXT, benchmark_log, cli_mask, corpus_logs

from gdprkit.errors import KeyMaterialError
from gdprkit.integrations.dask import (
    KeyPlugin,
    TokenSpec,
    mask_ip_column,
    mask_log_bag,
    mask_log_lines,
    pseudonymise_column,
)
from gdprkit.ip.spec import MaskerSpec
from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical

# The driver finds the key in this mapping; the workers get it from the KeyPlugin.
CLIENT_ENV = {KEY_ENV: KEY_TEXT}


def _bag_bytes(bag: Any) -> bytes:
    return "".join(bag.compute()).encode("latin-1")


def _read(path: Path, blocksize: int) -> Any:
    return db.read_text(str(path), encoding="latin-1", linedelimiter="\n", blocksize=blocksize)


def test_corpora_same_bytes_as_cli(
    client: Any, shared_dir: Path, key_file: Path, tmp_path: Path
) -> None:
    logs = corpus_logs(shared_dir)
    assert len(logs) > 30
    for method in ("ga", "cryptopan"):
        spec = MaskerSpec(method, key_env=KEY_ENV) if method == "cryptopan" else MaskerSpec(method)
        bags = [
            mask_log_bag(_read(p, 64 << 10), spec, encoding="latin-1", environ=CLIENT_ENV)
            for p in logs
        ]
        results = dask.compute(*bags)
        for path, lines in zip(logs, results, strict=True):
            expected = cli_mask(
                path, tmp_path / "out", method=method, key_file=key_file if method != "ga" else None
            )
            assert "".join(lines).encode("latin-1") == expected, (method, path.name)


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("ga", ()),
        ("hmac", ()),
        ("ipcrypt-pfx", ("--keep-form", "--skip-reserved")),
    ],
)
def test_benchmark_log_same_bytes_as_cli(
    client: Any, tmp_path: Path, key_file: Path, method: str, options: tuple[str, ...]
) -> None:
    log = benchmark_log(tmp_path / "access.log", 20000)
    keyed = method != "ga"
    spec = MaskerSpec(
        method,
        key_env=KEY_ENV if keyed else None,
        keep_form="--keep-form" in options,
        skip_reserved="--skip-reserved" in options,
    )
    bag = _read(log, 256 << 10)
    assert bag.npartitions > 4
    masked = mask_log_bag(bag, spec, encoding="latin-1", environ=CLIENT_ENV)
    expected = cli_mask(
        log, tmp_path / "out", method=method, key_file=key_file if keyed else None, options=options
    )
    assert _bag_bytes(masked) == expected
    assert b"[unparsed]" in expected  # the edge lines are there
    assert b"\r\n" in expected


def test_dataframe_log_lines_same_as_cli(client: Any, tmp_path: Path, key_file: Path) -> None:
    log = benchmark_log(tmp_path / "access.log", 3000)
    lines = log.read_bytes().decode("latin-1").split("\n")[:-1]
    frame = dd.from_pandas(pd.DataFrame({"value": lines}), npartitions=5)
    spec = MaskerSpec("cryptopan", key_env=KEY_ENV)
    masked = mask_log_lines(frame, spec, environ=CLIENT_ENV).compute()["value"].tolist()
    expected = cli_mask(log, tmp_path / "out", method="cryptopan", key_file=key_file)
    # utf-8 round trip of latin-1 text: the same code points, so the same masking
    assert "\n".join(masked) + "\n" == expected.decode("latin-1")


def test_ip_column_masks_like_a_json_address_field(
    client: Any, tmp_path: Path, key_file: Path
) -> None:
    values = [
        "192.0.2.1",
        "2001:db8::1",
        "-",
        "not an address",
        "198.51.100.4, 10.0.0.1",
        "[2001:db8::2]:443",
        "::ffff:192.0.2.9",
        "192.0.2.1",
    ] * 50
    frame = dd.from_pandas(pd.DataFrame({"ip": values, "n": range(len(values))}), npartitions=7)
    spec = MaskerSpec("hmac", key_env=KEY_ENV)
    out = mask_ip_column(frame, "ip", spec, output="ip_masked", environ=CLIENT_ENV).compute()
    # The reference: the same values as the address field of JSON lines, masked by the CLI.
    log = tmp_path / "ips.jsonl"
    log.write_text("".join(f'{{"ip": "{v}"}}\n' for v in values))
    cli = cli_mask(
        log,
        tmp_path / "out",
        method="hmac",
        key_file=key_file,
        options=("--format", "jsonl", "--fields", "ip"),
    )
    expected = [line[len('{"ip": "') : -2] for line in cli.decode().splitlines()]
    assert out["ip_masked"].tolist() == expected
    assert out["ip"].tolist() == values
    assert out["n"].tolist() == list(range(len(values)))


def test_pseudonyms_are_the_same_wherever_the_row_lands(client: Any) -> None:
    ring = KeyRing([("k2026", bytes(range(32)))])
    env = {"GDPRKIT_TEST_LAKE_RING": ring.to_secret_json()}
    client.register_plugin(KeyPlugin({KEY_ENV: KEY_TEXT, **env}))
    mails = [f"Customer{i % 13}@Shop.Example" for i in range(400)]
    frame = dd.from_pandas(pd.DataFrame({"email": mails}), npartitions=8)
    spec = TokenSpec("email", canonicaliser="email_lower", keyring_env="GDPRKIT_TEST_LAKE_RING")
    tokens = pseudonymise_column(frame, "email", spec, environ=env).compute()["email"].tolist()
    local = Pseudonymiser(ring, domain="email", canonicaliser=canonical.email_lower)
    assert tokens == [local.token(m) for m in mails]
    assert len(set(tokens)) == 13


def test_a_worker_with_another_key_refuses(client: Any, tmp_path: Path) -> None:
    # The client pins the fingerprint of OTHER_KEY_TEXT; the workers hold KEY_TEXT.
    spec = MaskerSpec("cryptopan", key_env=KEY_ENV)
    bag = db.from_sequence(["from 192.0.2.1\n"] * 10, npartitions=2)
    masked = mask_log_bag(bag, spec, format="text", environ={KEY_ENV: OTHER_KEY_TEXT})
    with pytest.raises(KeyMaterialError, match="fingerprint"):
        masked.compute()


def test_no_key_in_the_task_graph(client: Any) -> None:
    spec = MaskerSpec("cryptopan", key_env=KEY_ENV)
    bag = db.from_sequence(["from 192.0.2.1\n"], npartitions=1)
    masked = mask_log_bag(bag, spec, format="text", environ=CLIENT_ENV)
    graph = dict(masked.__dask_graph__())
    secret = KEY_TEXT.removeprefix("hex:")
    assert secret not in repr(graph)
    assert secret.encode() not in cloudpickle.dumps(graph)
    assert bytes.fromhex(secret) not in cloudpickle.dumps(graph)
    assert masked.compute() != ["from 192.0.2.1\n"]


def test_docstring_examples_run() -> None:
    import doctest

    import gdprkit.integrations._lake
    import gdprkit.integrations.dask

    for module in (gdprkit.integrations.dask, gdprkit.integrations._lake):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
        assert result.attempted > 3
        assert result.failed == 0


def test_format_detection_reads_what_the_cli_reads(shared_dir: Path, tmp_path: Path) -> None:
    # detect_from_head fetches lines until it has the 64 KiB the command line looks at.
    from gdprkit.integrations._lake import detect_from_head
    from gdprkit.ip import detect_log_format

    paths = [*corpus_logs(shared_dir), benchmark_log(tmp_path / "access.log", 3000)]
    for path in paths:
        data = path.read_bytes()
        lines = data.split(b"\n")
        if data.endswith(b"\n"):
            lines.pop()
        calls: list[int] = []

        def head(n: int, lines: list[bytes] = lines, calls: list[int] = calls) -> list[bytes]:
            calls.append(n)
            return lines[:n]

        assert detect_from_head(head) == detect_log_format(data[:65536]), path.name
    assert calls[-1] > 64  # the benchmark log needed more than the first 64 lines
