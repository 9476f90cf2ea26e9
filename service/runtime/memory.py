"""How a serving process uses the C allocator: at most two malloc arenas, and free memory given back.

glibc gives threads that allocate at the same time arenas of their own (up to eight per core) and keeps the
memory freed in each. A server's request threads (anyio's pool, the query encoder's batcher, Chroma) leave
their arenas behind: with two, the MedQuAD + corpus server held 20 MB less after a bench_service run (605 ->
586 MB). It is the remedy of MALLOC_ARENA_MAX=2, which only works when set before the process starts; an
operator's own MALLOC_ARENA_MAX is left as it is. Without glibc (macOS, musl) nothing changes.

Opening an index parses 120 MB of JSON lines into compact stores; the parse's garbage is freed, but glibc
keeps the freed pages of its heap for reuse. `release_free_memory` (malloc_trim) returns them to the system:
16 MB after opening MedQuAD + corpus (381 -> 365 MB), which stay returned while the server runs.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["ARENAS", "limit_malloc_arenas", "release_free_memory"]

ARENAS = 2
# mallopt's parameter number for the arena limit (glibc malloc.h).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most `arenas` malloc arenas from now on; whether it took the setting."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))


def release_free_memory() -> bool:
    """Give the pages glibc holds free back to the system (malloc_trim); whether any were given back."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    return bool(malloc_trim(0))
