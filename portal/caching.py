"""Caches kept in each worker's memory, for data that never changes once written: a published
revision's outline, its lessons' rendered HTML. Anything that can change is not kept here (it
would differ between workers); it is read from the database, or kept in Redis, on each request.

Keys must name everything the value depends on: for a lesson's HTML the revision (and its content
hash, so that a row id reused after a test empties the database cannot serve old content), the
lesson key and the language it was rendered in. Values are shared by every user: never cache a
page part that shows who is looking."""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")

_ALL: "list[ProcessCache]" = []


class ProcessCache(Generic[Value]):
    """A least-recently-used map of at most `size` entries, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value kept for `key`, made (outside the lock) and kept when missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        self.put(key, value)
        return value

    def find(self, key: Hashable) -> Value | None:
        """The value kept for `key` (now the most recently used), or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def clear_process_caches() -> None:
    """Forget every cached value (tests empty the database and reuse row ids)."""
    for cache in _ALL:
        cache.clear()
