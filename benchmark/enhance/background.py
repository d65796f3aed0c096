"""Decode ahead and encode behind on helper threads, so a stream's codec work overlaps the method.

OpenCV releases the GIL while it decodes and encodes, so on a 2-core CPU a 1080p video's MJPG
decode and encode run beside the method instead of after it. Queues are bounded (a few frames),
so nothing ever holds more than `depth` frames on either side: `prefetched` makes the producer
wait, `freshest` (real time) never does and drops the oldest waiting item instead.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()  # end-of-stream marker in the queues


class _Failure:
    """An exception raised on a helper thread, carried to the thread that waits for it."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(items: Iterable[T], depth: int = 4) -> Iterator[T]:
    """`items`, produced on a helper thread at most `depth` ahead of the consumer."""
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(buffer, item, stop):
                    return
            _put(buffer, _DONE, stop)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            _put(buffer, _Failure(exc), stop)

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    return _consumed(buffer.get, worker, stop)


def _consumed(
    take: Callable[[], object], worker: threading.Thread, stop: threading.Event
) -> Iterator[T]:
    """Start the producer, then yield what `take` gives until the end marker or its failure."""
    worker.start()
    try:
        while True:
            item = take()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()  # the consumer stopped early (break, error): let the producer end
        worker.join(timeout=5.0)


def _put(buffer: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    """Put `item` unless the consumer has gone; False when it has."""
    while not stop.is_set():
        try:
            buffer.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def freshest(items: Iterable[T], depth: int, on_drop: Callable[[], None]) -> Iterator[T]:
    """`items` read on a helper thread as fast as they come; the oldest of `depth` waiting drops.

    The producer never waits for the consumer (a camera or a paced file keeps its rate), so an
    item is at most `depth` items old when the consumer takes it; each drop calls `on_drop`.
    """
    waiting: deque[object] = deque()
    ready = threading.Condition()
    stop = threading.Event()

    def push(item: object, droppable: bool = True) -> None:
        with ready:
            if droppable and len(waiting) >= depth:
                waiting.popleft()
                on_drop()
            waiting.append(item)
            ready.notify()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                push(item)
            push(_DONE, droppable=False)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            push(_Failure(exc), droppable=False)

    def take() -> object:
        with ready:
            while not waiting:
                ready.wait()
            return waiting.popleft()

    worker = threading.Thread(target=produce, name="freshest", daemon=True)
    return _consumed(take, worker, stop)


class BackgroundCalls(Generic[T]):
    """Runs `fn(item)` for each submitted item, in order, on one helper thread."""

    def __init__(self, fn: Callable[[T], None], depth: int = 4) -> None:
        self._fn = fn
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None  # the first failure, until raised
        self._failed = False  # after a failure the rest is drained without calls
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="background", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._failed:
                continue
            try:
                self._fn(item)  # type: ignore[arg-type]
            except BaseException as exc:
                self._error, self._failed = exc, True

    def submit(self, item: T) -> None:
        """Queue one call (blocks while `depth` calls wait); raises an earlier call's error."""
        self._raise()
        self._queue.put(item)

    def close(self) -> None:
        """Wait for every queued call, then raise the first error not yet raised (idempotent)."""
        if not self._closed:
            self._closed = True
            self._queue.put(_DONE)
            self._thread.join()
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
