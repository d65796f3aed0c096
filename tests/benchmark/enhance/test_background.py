"""Decode-ahead and encode-behind helpers: order, bounded look-ahead, errors, early stop."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from benchmark.enhance.background import BackgroundCalls, prefetched


def test_prefetched_keeps_order_and_stays_a_few_items_ahead() -> None:
    produced: list[int] = []

    def source() -> Iterator[int]:
        for k in range(50):
            produced.append(k)
            yield k

    seen = []
    for item in prefetched(source(), depth=3):
        # the producer may hold one item beyond the full queue of 3 (the one it is putting)
        assert len(produced) - len(seen) <= 3 + 2
        seen.append(item)
    assert seen == list(range(50))


def test_prefetched_hands_the_producers_error_to_the_consumer() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise OSError("disk went away")

    got = []
    with pytest.raises(OSError, match="disk went away"):
        for item in prefetched(source()):
            got.append(item)
    assert got == [1]


def test_prefetched_stops_the_producer_when_the_consumer_stops() -> None:
    def endless() -> Iterator[int]:
        k = 0
        while True:
            yield k
            k += 1

    for item in prefetched(endless(), depth=2):
        if item == 5:
            break
    assert not any(t.name == "prefetch" and t.is_alive() for t in threading.enumerate())


def test_background_calls_run_in_order_and_report_the_first_error_once() -> None:
    done: list[int] = []
    calls = BackgroundCalls(done.append, depth=2)
    for k in range(20):
        calls.submit(k)
    calls.close()
    assert done == list(range(20))

    def fail_on_three(k: int) -> None:
        if k == 3:
            raise ValueError("frame 3 is 640x480, the video is 320x240")
        done.append(k)

    done.clear()
    failing = BackgroundCalls(fail_on_three, depth=2)
    with pytest.raises(ValueError, match="frame 3"):
        for k in range(10):
            failing.submit(k)
        failing.close()
    failing.close()  # the error was raised once; closing again is quiet
    assert done == [0, 1, 2]  # nothing after the failure is called
