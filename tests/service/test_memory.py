"""The serving process's allocator settings (service.runtime.memory)."""

from __future__ import annotations

import sys

import pytest

from service.runtime.memory import limit_malloc_arenas, release_free_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_glibc_takes_the_arena_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)

    assert limit_malloc_arenas()


def test_an_operators_own_arena_limit_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")

    assert not limit_malloc_arenas()


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_freed_heap_pages_are_given_back_to_the_system() -> None:
    # 1 KB objects come from malloc's heap (not Python's own arenas); the last one alive keeps the heap's top
    # in place, so freeing the rest leaves 100 MB of free pages inside it that only malloc_trim returns.
    blocks = [bytes(1024) + bytes([i % 256]) for i in range(100_000)]
    survivor = bytes(1024) + b"!"
    del blocks
    before = _rss_mb()

    assert release_free_memory()
    assert _rss_mb() < before - 50
    assert survivor.endswith(b"!")
