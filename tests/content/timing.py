"""How the quiz-file readers' time grows with their input: processor time, not wall time (what the reader
does, however busy the machine is), with the garbage collector held off while timing (its pauses fall at
random), after a warm-up read, each input at its best of two."""
import gc
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: However slow the machine, a megabyte is read within this many seconds (a slow one took 5.3 s).
CEILING_SECONDS = 30


def processor_seconds(read: Callable[[str], T], text: str) -> tuple[float, T]:
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        result = read(text)
        return time.process_time() - started, result
    finally:
        gc.enable()


def best_of_two(read: Callable[[str], T], text: str) -> tuple[float, T]:
    """The shorter of two reads' processor times, and what the reader made of `text`."""
    (first, result), (second, _) = processor_seconds(read, text), processor_seconds(read, text)
    return min(first, second), result


def assert_linear(read: Callable[[str], T], make: Callable[[int], str], size: int) -> T:
    """Eight times the input in about eight times the time, where a quadratic reader would take sixty-four
    times; a number of seconds alone would say more about the machine than about the reader. Returns what
    the reader made of the large input."""
    read(make(size // 64))
    small, _ = best_of_two(read, make(size // 8))
    large, result = best_of_two(read, make(size))
    assert large < CEILING_SECONDS
    assert large < 24 * small + 0.5, (small, large)
    return result
