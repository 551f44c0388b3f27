"""The GC pause around batch work (rcm/gc_pause.py): survivors go to the oldest generation unscanned, and
garbage cycles made inside are still collected."""

from __future__ import annotations

import gc
import weakref

import pytest

from rcm.gc_pause import gc_paused, without_gc


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_survivors_move_to_the_oldest_generation_and_the_young_count_starts_over() -> None:
    with gc_paused():
        kept = [_Node() for _ in range(5_000)]
    assert gc.isenabled()
    assert gc.get_count()[0] < 700  # no young pass is pending over what the work built
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(node) in oldest for node in kept[:50])


def test_a_cycle_made_inside_is_still_collected() -> None:
    with gc_paused():
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
    assert ref() is not None  # only a cycle holds it: nothing frees it yet
    gc.collect()
    assert ref() is None


def test_the_decorator_pauses_and_resumes_even_on_error() -> None:
    @without_gc
    def work() -> None:
        assert not gc.isenabled()
        raise RuntimeError

    with pytest.raises(RuntimeError):
        work()
    assert gc.isenabled()
