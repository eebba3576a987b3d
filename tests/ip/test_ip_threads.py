"""Maskers are shared by the threads of an application's logging: concurrent use must work."""

from __future__ import annotations

import random
import threading

from gdprkit.ip import (
    CryptoPAnMasker,
    IPCryptDeterministic,
    IPCryptNdx,
    IPCryptPfx,
    IPMasker,
    KeyedTokenMasker,
)

KEY = bytes(range(32))


def _maskers() -> list[IPMasker]:
    return [
        CryptoPAnMasker(KEY, cache_size=0),
        IPCryptPfx(KEY, cache_size=0),
        IPCryptDeterministic(KEY[:16], cache_size=0),
        KeyedTokenMasker(KEY, cache_size=0),
    ]


def test_concurrent_use_gives_the_single_threaded_results() -> None:
    rng = random.Random(0)
    addresses = [
        f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(300)
    ]
    addresses += [f"2001:db8:{i + 1:x}::{i + 1:x}" for i in range(60)]  # canonical forms
    expected = [[m.apply(a) for a in addresses] for m in _maskers()]
    shared = _maskers()
    ndx = IPCryptNdx(KEY)
    failures: list[str] = []

    def work(seed: int) -> None:
        order = list(range(len(addresses)))
        random.Random(seed).shuffle(order)
        try:
            for i in order:
                for k, masker in enumerate(shared):
                    if masker.apply(addresses[i]) != expected[k][i]:
                        failures.append(masker.name)
                if ndx.decrypt(ndx.apply(addresses[i])) != addresses[i]:
                    failures.append("ipcrypt-ndx")
        except Exception as exc:  # noqa: BLE001 - any error in a thread is the failure
            failures.append(type(exc).__name__)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
