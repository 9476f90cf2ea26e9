"""The request's filters (specialty, reference type, minimum year) as conditions on a passage.

The same conditions three ways: a predicate on a `Chunk`, one on a passage's filtered fields (read from the
passage store without building the chunk), and Chroma metadata conditions evaluated inside the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingest.models import Chunk
from ingest.store import reference_flag
from service.schema import Filters

__all__ = ["chroma_where", "chunk_passes", "passes"]


def chunk_passes(chunk: Chunk, filters: Filters) -> bool:
    """The filters as a predicate on one passage: the same conditions as `chroma_where`."""
    return passes(chunk.specialty, chunk.reference_types, chunk.year, filters)


def passes(specialty: str, reference_types: Sequence[str], year: int | None, filters: Filters) -> bool:
    """`chunk_passes` over a passage's filtered fields."""
    if filters.specialty and specialty != filters.specialty:
        return False
    if filters.reference_type and filters.reference_type not in reference_types:
        return False
    return not (filters.min_year and (year or 0) < filters.min_year)


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    """The same filters as Chroma metadata conditions, evaluated inside the store."""
    conditions: list[dict[str, Any]] = []
    if filters.specialty:
        conditions.append({"specialty": filters.specialty})
    if filters.reference_type:
        conditions.append({reference_flag(filters.reference_type): True})
    if filters.min_year:
        conditions.append({"year": {"$gte": filters.min_year}})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}
