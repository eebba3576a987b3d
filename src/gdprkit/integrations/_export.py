"""Shared by ``manage.py gdpr_export`` and ``flask gdpr export``: is there anything to send?

An export for an identifier nobody holds data about is almost always a typo: writing an empty
package and saying "wrote" would let staff answer an Art. 15 request with nothing.  Both
commands refuse (exit 1) unless ``--allow-empty`` says an empty answer is meant.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import attrs

from gdprkit.export import Dataset

__all__ = ["EMPTY_EXPORT", "peek_datasets"]

#: What both commands say for an unknown subject.
EMPTY_EXPORT = (
    "no data found for this subject, nothing written: check the identifier, or pass "
    "--allow-empty to write an empty package (the subject holds no data here)"
)


def peek_datasets(datasets: Iterable[Dataset]) -> tuple[list[Dataset], bool]:
    """The datasets (one-shot record iterators kept intact) and whether any holds a record.

    Example:
        >>> kept, found = peek_datasets([Dataset("a", "p", iter([]))])
        >>> found, list(kept[0].records)
        (False, [])
        >>> kept, found = peek_datasets([Dataset("a", "p", iter([{"x": 1}]))])
        >>> found, list(kept[0].records)
        (True, [{'x': 1}])
    """
    kept: list[Dataset] = []
    found = False
    for dataset in datasets:
        records = dataset.records
        kept_one = dataset
        if isinstance(records, Iterator):
            first = next(records, None)
            if first is not None:
                found = True
                kept_one = attrs.evolve(dataset, records=itertools.chain([first], records))
        elif not found:
            found = next(iter(records), None) is not None
        kept.append(kept_one)
    return kept, found
