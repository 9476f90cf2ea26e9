"""One setting of the C allocator for a serving process: at most two malloc arenas.

glibc gives threads that allocate at the same time arenas of their own (up to eight per core) and keeps the
memory freed in each. A server's request threads (anyio's pool, the query encoder's batcher, Chroma) leave
their arenas behind: with two, the MedQuAD + corpus server held 20 MB less after a bench_service run (605 ->
586 MB). It is the remedy of MALLOC_ARENA_MAX=2, which only works when set before the process starts; an
operator's own MALLOC_ARENA_MAX is left as it is. Without glibc (macOS, musl) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["ARENAS", "limit_malloc_arenas"]

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
