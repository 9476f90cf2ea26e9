"""The passage vectors of an opened index: in memory for a small index, read from the file row by row for a large one.

A large index (MedQuAD: 87,240 x 384 float32, 134 MB) is searched by Chroma's HNSW index, which holds its own
copy of the vectors; the service itself only reads the rows of a request's candidates (a few hundred). Those
are read from `embeddings.npy` when asked for (one `pread` per row, about 2 microseconds from the page cache),
so the process does not keep a second full copy. The file stays open until `close`, so a version pruned from
disk while it is still served remains readable. A small index (the bundled corpus) is scanned whole by exact
search, so it is read into memory once.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.embedding import Vectors
from ingest.version import read_vectors

__all__ = ["PassageVectors"]

# Rows per read when a whole file is scanned (a matrix product over every row): 4 MB of 384-d vectors.
_SCAN_ROWS = 2730


class PassageVectors:
    """One vector per passage row: `vectors[rows]` (an index or a sequence of them) and `vectors @ vector`."""

    def __init__(self, matrix: Vectors | None = None, path: Path | None = None) -> None:
        """Use `in_memory` or `on_disk`."""
        self._matrix = matrix
        self._fd: int | None = None
        if matrix is not None:
            self.shape: tuple[int, int] = (int(matrix.shape[0]), int(matrix.shape[1]))
            return
        assert path is not None
        mapped = read_vectors(path, mmap=True)  # checks the header, dtype and shape; the mapping is dropped
        self.shape = (int(mapped.shape[0]), int(mapped.shape[1]))
        self._offset = int(mapped.offset)  # type: ignore[attr-defined]  # np.memmap
        del mapped
        self._row_bytes = self.shape[1] * 4
        self._fd = os.open(path, os.O_RDONLY)
        self._closer = weakref.finalize(self, os.close, self._fd)

    @classmethod
    def in_memory(cls, path: Path) -> PassageVectors:
        return cls(matrix=np.ascontiguousarray(read_vectors(path), dtype=np.float32))

    @classmethod
    def on_disk(cls, path: Path) -> PassageVectors:
        return cls(path=path)

    @property
    def resident(self) -> bool:
        """Whether the whole matrix is in memory."""
        return self._matrix is not None

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: int | Sequence[int] | np.ndarray) -> Vectors:
        """The vectors of `rows`, in that order (one vector for an int); a copy for a file."""
        if self._matrix is not None:
            selected: Vectors = self._matrix[rows]
            return selected
        if isinstance(rows, int | np.integer):
            one: Vectors = self._read(np.array([rows]))[0]
            return one
        return self._read(np.asarray(rows, dtype=np.int64).reshape(-1))

    def __matmul__(self, vector: Vectors) -> Vectors:
        """Every row's dot product with `vector` (exact search); a file is read block by block."""
        if self._matrix is not None:
            product: Vectors = self._matrix @ vector
            return product
        parts = [
            self._read(np.arange(start, min(start + _SCAN_ROWS, len(self)))) @ vector
            for start in range(0, len(self), _SCAN_ROWS)
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def close(self) -> None:
        if self._fd is not None:
            self._closer()

    def _read(self, rows: np.ndarray) -> Vectors:
        count = len(self)
        if len(rows) and (rows.min() < -count or rows.max() >= count):
            raise IndexError(f"passage row out of range ({count} rows)")
        indices = np.where(rows < 0, rows + count, rows).tolist()
        out = np.empty((len(indices), self.shape[1]), dtype=np.float32)
        if not indices:
            return out
        buffer = out.data.cast("B")
        size = self._row_bytes
        assert self._fd is not None
        start = 0
        # Consecutive rows (an article's passages, a scan) are read in one call.
        while start < len(indices):
            end = start + 1
            while end < len(indices) and indices[end] == indices[end - 1] + 1:
                end += 1
            wanted = (end - start) * size
            got = os.preadv(self._fd, [buffer[start * size : end * size]], self._offset + indices[start] * size)
            if got != wanted:
                raise OSError(f"embeddings file ended early: read {got} of {wanted} bytes")
            start = end
        return out
