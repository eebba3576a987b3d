"""Strategies for the exports: JSON-representable records and datasets tied to purposes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from gdprkit.export import Attachment, Dataset, ExclusionReason, PurposeInformation
from gdprkit.testing._st_register import purposes

__all__ = [
    "attachments",
    "dataset_names",
    "datasets",
    "exclusion_reasons",
    "json_records",
    "json_values",
    "purpose_information",
]


def json_values(*, max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value: null, booleans, integers, finite floats, text, arrays and objects."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text()
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def json_records(*, max_leaves: int = 12) -> st.SearchStrategy[dict[str, Any]]:
    """Records as a host application might export them: JSON objects with any keys."""
    return st.dictionaries(st.text(max_size=10), json_values(max_leaves=max_leaves), max_size=6)


def dataset_names() -> st.SearchStrategy[str]:
    """Names usable as dataset (and file) names."""
    return st.from_regex(r"[a-z0-9][a-z0-9_\-]{0,20}", fullmatch=True)


def datasets(
    purpose_ids: Sequence[str] | st.SearchStrategy[str],
    *,
    max_records: int = 8,
) -> st.SearchStrategy[Dataset]:
    """Datasets of up to ``max_records`` JSON records, each tied to one of ``purpose_ids``."""
    purposes = (
        purpose_ids if isinstance(purpose_ids, st.SearchStrategy) else st.sampled_from(purpose_ids)
    )
    return st.builds(
        Dataset,
        name=dataset_names(),
        purpose=purposes,
        records=st.lists(json_records(), max_size=max_records),
    )


def exclusion_reasons() -> st.SearchStrategy[ExclusionReason]:
    """Any reason a dataset falls outside Art. 20."""
    return st.sampled_from(ExclusionReason)


def purpose_information() -> st.SearchStrategy[PurposeInformation]:
    """The Art. 15 information of generated register purposes."""
    return purposes().map(PurposeInformation.from_purpose)


def attachments(
    purpose_ids: Sequence[str] | st.SearchStrategy[str] = ("account",),
    *,
    max_size: int = 256,
) -> st.SearchStrategy[Attachment]:
    """In-memory attachments (``files/...`` names, arbitrary bytes) tied to ``purpose_ids``."""
    purposes_ = (
        purpose_ids if isinstance(purpose_ids, st.SearchStrategy) else st.sampled_from(purpose_ids)
    )
    part = st.from_regex(r"\A[a-z0-9][a-z0-9_\-]{0,11}\Z")
    names = st.builds(
        lambda folders, stem, ext: "/".join([*folders, f"{stem}.{ext}"]),
        st.lists(part, max_size=2),
        part,
        st.sampled_from(["jpg", "pdf", "txt", "png"]),
    )
    return st.builds(
        Attachment, name=names, purpose=purposes_, content=st.binary(max_size=max_size)
    )
