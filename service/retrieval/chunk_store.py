"""The passages of an opened index, kept by column; a `Chunk` is built only for the rows a request reads.

87,240 `Chunk` objects (MedQuAD + corpus) held about 245 MB: a pydantic object, its dict and a string
object per field, per row, while most fields repeat (an article's title, its section, its specialty) and a
request reads a few hundred rows at most. `ChunkStore` keeps each passage's text as UTF-8 in one buffer, the
repeated fields (article, section, citations, filters...) once per distinct combination with a small integer
per row, and the embedding text as a shared head plus the text it ends with (the chunker writes "question,
context, text"): about 45 MB for the same index. Reading a row validates its fields back into a `Chunk`
(about 5 microseconds), so callers index, iterate and compare chunks as before; `article_id` and `text`
read one field of a row without building it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

from ingest.models import Chunk

__all__ = ["ChunkStore", "RowsById"]

# Fields with a column of their own; every other field goes into the row's shared tuple.
_OWN_COLUMNS = ("id", "text", "embed_text", "position", "content_hash")


class _Shared:
    """A column of repeating values: each distinct value once, a code per row."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._codes: dict[Hashable, int] = {}
        self.rows = array("i")

    def append(self, value: Hashable) -> None:
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self.values)
            self.values.append(value)
        self.rows.append(code)

    def seal(self) -> None:
        """Loading is over: the value-to-code lookup is only needed while appending."""
        self._codes = {}

    def __getitem__(self, row: int) -> Any:
        return self.values[self.rows[row]]


class _Texts(Sequence[str]):
    """A column of distinct strings: UTF-8 bytes in one buffer and where each row's bytes end."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")

    def __len__(self) -> int:
        return len(self._ends)

    def append(self, value: str) -> None:
        self._data += value.encode("utf-8")
        self._ends.append(len(self._data))

    @overload
    def __getitem__(self, row: int) -> str: ...

    @overload
    def __getitem__(self, row: slice) -> list[str]: ...

    def __getitem__(self, row: int | slice) -> str | list[str]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} out of range ({len(self)} rows)")
        start = self._ends[row - 1] if row else 0
        return self._data[start : self._ends[row]].decode("utf-8")


class RowsById(Mapping[str, int]):
    """Passage id -> row without a dict: each id's 64-bit hash, sorted, beside the row it belongs to.

    A dict of 87,240 ids held 6 MB; these two arrays hold 1 MB. A lookup bisects the hashes (about a
    microsecond) and compares the id itself, so ids that share a hash still find their own rows.
    """

    def __init__(self, ids: Sequence[str]) -> None:
        self._ids = ids
        pairs = sorted((hash(passage_id), row) for row, passage_id in enumerate(ids))
        self._hashes = array("q", (h for h, _ in pairs))
        self._rows = array("i", (row for _, row in pairs))

    def __getitem__(self, passage_id: str) -> int:
        row = self.get(passage_id)
        if row is None:
            raise KeyError(passage_id)
        return int(row)

    def get(self, passage_id: object, default: Any = None) -> Any:
        """The row of `passage_id`, else `default` (without raising, which costs a lookup twice as much)."""
        if not isinstance(passage_id, str):
            return default
        wanted = hash(passage_id)
        hashes = self._hashes
        at = bisect_left(hashes, wanted)
        while at < len(hashes) and hashes[at] == wanted:
            row = self._rows[at]
            if self._ids[row] == passage_id:
                return row
            at += 1
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class ChunkStore(Sequence[Chunk]):
    """The passages of one index version in row order, read-only; `store[row]` is that row's `Chunk`."""

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        """Consumes `chunks` one at a time, so a reader can stream them from disk without a list of all."""
        # The other fields, one tuple per row: a single lookup to build a chunk, and the rows of one section
        # of one article share one tuple.
        self._shared_names = tuple(name for name in Chunk.model_fields if name not in _OWN_COLUMNS)
        self._article_id = self._shared_names.index("article_id")
        self._section = self._shared_names.index("section")
        self._specialty, self._reference_types, self._year = (
            self._shared_names.index(name) for name in ("specialty", "reference_types", "year")
        )
        self._shared = _Shared()
        self._ids = _Texts()
        self._texts = _Texts()
        self._hashes = _Texts()
        self._positions = array("q")
        # The embedding text as a shared head and, when it ends with the passage text, that text.
        self._embed_heads = _Shared()
        self._embed_ends_with_text = array("b")
        for chunk in chunks:
            self._shared.append(tuple(getattr(chunk, name) for name in self._shared_names))
            self._ids.append(chunk.id)
            self._texts.append(chunk.text)
            self._hashes.append(chunk.content_hash)
            self._positions.append(chunk.position)
            ends_with_text = bool(chunk.text) and chunk.embed_text.endswith(chunk.text)
            self._embed_heads.append(chunk.embed_text[: -len(chunk.text)] if ends_with_text else chunk.embed_text)
            self._embed_ends_with_text.append(ends_with_text)
        self._shared.seal()
        self._embed_heads.seal()

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, row: int) -> Chunk: ...

    @overload
    def __getitem__(self, row: slice) -> list[Chunk]: ...

    def __getitem__(self, row: int | slice) -> Chunk | list[Chunk]:
        if isinstance(row, slice):
            return [self._chunk(i) for i in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"passage row {row} out of range ({len(self)} rows)")
        return self._chunk(row)

    def __iter__(self) -> Iterator[Chunk]:
        return (self._chunk(row) for row in range(len(self)))

    @property
    def ids(self) -> Sequence[str]:
        """Each row's passage id, without building its chunk."""
        return self._ids

    def article_id(self, row: int) -> str:
        """The article of `row`, without building its chunk."""
        article_id: str = self._shared[row][self._article_id]
        return article_id

    def filter_fields(self, row: int) -> tuple[str, tuple[str, ...], int | None]:
        """(specialty, reference types, year) of `row`: what request filters test, without building its chunk."""
        shared = self._shared[row]
        return shared[self._specialty], shared[self._reference_types], shared[self._year]

    def section(self, row: int) -> str:
        """The section heading of `row`, without building its chunk."""
        section: str = self._shared[row][self._section]
        return section

    def text(self, row: int) -> str:
        """The passage text of `row`, without building its chunk."""
        return self._texts[row]

    def _chunk(self, row: int) -> Chunk:
        fields: dict[str, Any] = dict(zip(self._shared_names, self._shared[row], strict=True))
        text = self._texts[row]
        head = self._embed_heads[row]
        fields["id"] = self._ids[row]
        fields["text"] = text
        fields["embed_text"] = head + text if self._embed_ends_with_text[row] else head
        fields["position"] = self._positions[row]
        fields["content_hash"] = self._hashes[row]
        # Every value came out of a validated Chunk, so validating them again cannot fail.
        return Chunk.model_validate(fields)
