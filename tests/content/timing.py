"""How the quiz-file readers' time grows with their input: processor time, not wall time (what the reader
does, however busy the machine is), with the garbage collector held off while timing (its pauses fall at
random), after a warm-up read, the small input at its best of two."""
import gc
import time
from collections.abc import Callable

#: However slow the machine, a megabyte is read within this many seconds (a slow one took 5.3 s).
CEILING_SECONDS = 30


def processor_seconds(read: Callable[[str], object], text: str) -> float:
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        read(text)
        return time.process_time() - started
    finally:
        gc.enable()


def assert_linear(read: Callable[[str], object], make: Callable[[int], str], size: int) -> None:
    """Eight times the input in about eight times the time, where a quadratic reader would take sixty-four
    times; a number of seconds alone would say more about the machine than about the reader."""
    read(make(size // 64))
    small = min(processor_seconds(read, make(size // 8)) for _ in range(2))
    large = processor_seconds(read, make(size))
    assert large < CEILING_SECONDS
    assert large < 24 * small + 0.5, (small, large)
