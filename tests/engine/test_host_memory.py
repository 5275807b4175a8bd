"""Heap trimming while a run settles: when it trims, and that a trim gives pages back."""

from __future__ import annotations

import ctypes
import os
import sys

import pytest

from ppocr_lite.engine.host_memory import SETTLE_STEPS, HeapTrimmer, libc_trim


class Calls:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, pad: int) -> int:
        assert pad == 0
        self.n += 1
        return 1


def test_trims_after_the_first_steps_only_and_again_after_rearm():
    calls = Calls()
    heap = HeapTrimmer(steps=3, trim=calls)
    for _ in range(10):
        heap.after_step()
    assert calls.n == 3
    heap.rearm()
    for _ in range(10):
        heap.after_step()
    assert calls.n == 6


def test_zero_steps_never_trims():
    calls = Calls()
    heap = HeapTrimmer(steps=0, trim=calls)
    heap.rearm()
    for _ in range(5):
        heap.after_step()
    assert calls.n == 0


def test_default_settles_over_a_few_steps():
    assert 1 <= SETTLE_STEPS <= 20
    assert HeapTrimmer().steps == SETTLE_STEPS


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="utf-8") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(libc_trim() is None, reason="no glibc malloc_trim on this platform")
def test_trim_returns_freed_pages_held_in_the_middle_of_the_heap():
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    size, count = 64 * 1024, 3000  # below the mmap threshold: these live on the heap
    blocks = [libc.malloc(size) for _ in range(count)]
    for b in blocks:
        libc.memset(b, 1, size)
    kept = blocks[::10]  # every 10th block stays, pinning the heap around the freed ones
    for i, b in enumerate(blocks):
        if i % 10:
            libc.free(b)
    before = _rss_mb()
    HeapTrimmer(steps=1).after_step()
    after = _rss_mb()
    for b in kept:
        libc.free(b)
    freed_mb = size * (count - len(kept)) / 2**20  # about 169 MB
    assert before - after > 0.5 * freed_mb, (sys.platform, before, after)
