"""The id map of a vector index: profile ids (strings) to the int64 slots FAISS knows them by, and back.

A :class:`matcher.index.VectorIndex` never changes a map it has published to searches: each change works on a
:meth:`IdMap.copy` and publishes the copy, so a search holding the old map sees a consistent one. The map is
saved beside the index, in a file of its own (see :mod:`matcher.index_files`).

Example:
    >>> m = IdMap(["a", "b"])
    >>> m.slots_of(["b"]).tolist(), m.id_at(0)
    ([1], 'a')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["IdMap", "first_duplicate"]


class IdMap:
    """Two-way map between profile ids (strings) and the int64 slots FAISS knows them by.

    Slots are handed out in order and never reused; :meth:`discard` leaves a tombstone (``None``) in place, so
    the slots of the other ids stay valid. :meth:`compacted` renumbers the live ids from zero.

    Args:
        ids: the ids by slot, ``None`` for a tombstone (the form :meth:`to_list` saves).

    Raises:
        ValueError: if an id appears twice or is not a string.

    Example:
        >>> m = IdMap()
        >>> m.append(["a", "b", "c"]).tolist()
        [0, 1, 2]
        >>> m.discard(["b"]).tolist()
        [1]
        >>> m.ids, m.n_slots, m.slots_of(["c"]).tolist()
        (('a', 'c'), 3, [2])
    """

    def __init__(self, ids: Iterable[str | None] = ()) -> None:
        self._ids: list[str | None] = []
        self._slot_of: dict[str, int] = {}
        self._live = np.zeros(0, dtype=bool)
        self._cache: dict[str, Any] = {}
        ids = list(ids)
        duplicated = first_duplicate(pid for pid in ids if pid is not None)
        if duplicated is not None:
            raise ValueError(f"id {duplicated!r} appears more than once")
        self._extend(ids)

    def _extend(self, ids: list[str | None]) -> np.ndarray:
        wrong = next((pid for pid in ids if pid is not None and not isinstance(pid, str)), None)
        if wrong is not None:
            raise ValueError(f"profile ids must be strings, got {wrong!r}")
        start = len(self._ids)
        for offset, pid in enumerate(ids):
            if pid is not None:
                self._slot_of[pid] = start + offset
        self._ids.extend(ids)
        self._live = np.concatenate([self._live, np.array([pid is not None for pid in ids], dtype=bool)])
        self._cache.clear()
        return np.arange(start, len(self._ids), dtype=np.int64)

    def copy(self) -> IdMap:
        """An independent copy: changing it leaves this map as it is.

        Example:
            >>> m = IdMap(["a"])
            >>> changed = m.copy()
            >>> _ = changed.append(["b"])
            >>> m.ids, changed.ids
            (('a',), ('a', 'b'))
        """
        other = IdMap()
        other._ids = list(self._ids)
        other._slot_of = dict(self._slot_of)
        other._live = self._live.copy()
        return other

    def append(self, ids: Sequence[str]) -> np.ndarray:
        """Give new ids the next free slots and return those slots.

        Raises:
            ValueError: if an id is already present (in the map or twice in ``ids``), or is not a string.

        Example:
            >>> IdMap(["a"]).append(["b", "c"]).tolist()
            [1, 2]
        """
        duplicated = first_duplicate(ids)
        if duplicated is not None:
            raise ValueError(f"id {duplicated!r} appears more than once")
        present = [pid for pid in ids if pid in self._slot_of]
        if present:
            raise ValueError(f"ids already in the index (use update): {_preview(present)}")
        return self._extend(list(ids))

    def discard(self, ids: Sequence[str]) -> np.ndarray:
        """Tombstone ``ids`` and return the slots they had.

        Raises:
            KeyError: if an id is not in the map (nothing is changed then).

        Example:
            >>> m = IdMap(["a", "b"])
            >>> m.discard(["a"]).tolist(), m.n_dead
            ([0], 1)
        """
        slots = self.slots_of(ids)
        for pid in ids:
            del self._slot_of[pid]
        for slot in slots.tolist():
            self._ids[slot] = None
        self._live[slots] = False
        self._cache.clear()
        return slots

    def slots_of(self, ids: Iterable[str]) -> np.ndarray:
        """Slots of ``ids`` as int64.

        Raises:
            KeyError: naming the ids that are not in the map.

        Example:
            >>> IdMap(["a", "b"]).slots_of(["b", "a"]).tolist()
            [1, 0]
        """
        ids = list(ids)
        missing = [pid for pid in ids if pid not in self._slot_of]
        if missing:
            raise KeyError(f"ids not in the index: {_preview(missing)}")
        return np.fromiter((self._slot_of[pid] for pid in ids), dtype=np.int64, count=len(ids))

    def id_at(self, slot: int) -> str:
        """The id in ``slot``.

        Raises:
            KeyError: for a tombstone or a slot out of range.

        Example:
            >>> IdMap(["a", None, "c"]).id_at(2)
            'c'
        """
        pid = self._ids[slot] if 0 <= slot < len(self._ids) else None
        if pid is None:
            raise KeyError(f"slot {slot} holds no id")
        return pid

    def ids_at(self, slots: np.ndarray | Sequence[int]) -> list[Any]:
        """Ids of live ``slots``, as (nested) lists shaped like ``slots``; unchecked: callers pass slots that a
        search returned.

        Example:
            >>> m = IdMap(["a", "b", "c"])
            >>> m.ids_at([2, 0]), m.ids_at(np.array([[2], [0]]))
            (['c', 'a'], [['c'], ['a']])
        """
        # One NumPy gather: right after a search has swept the caches, a Python loop over the list of ids took
        # twice as long (4 against 2 microseconds for 10 ids, bench/RESULTS.md "Index overhead").
        return self._cached("id_array", lambda: np.array(self._ids, dtype=object))[slots].tolist()

    def mask(self, ids: Iterable[str]) -> np.ndarray:
        """Boolean mask over :attr:`ids` (live ids in slot order), True for ``ids``; unknown ids are ignored.

        Example:
            >>> IdMap(["a", None, "c"]).mask(["c", "zz"]).tolist()
            [False, True]
        """
        slot_of = self._slot_of
        slots = np.fromiter((slot_of.get(pid, -1) for pid in ids), dtype=np.int64)
        slot_mask = np.zeros(len(self._ids), dtype=bool)
        slot_mask[slots[slots >= 0]] = True
        return slot_mask[self.live_slots] if self.n_dead else slot_mask

    def compacted(self) -> tuple[IdMap, np.ndarray]:
        """A new map of the live ids numbered from zero, and the old slot of each new slot.

        Example:
            >>> new, old_slots = IdMap(["a", None, "c"]).compacted()
            >>> new.ids, old_slots.tolist()
            (('a', 'c'), [0, 2])
        """
        return IdMap(self.ids), self.live_slots.copy()

    def to_list(self) -> list[str | None]:
        """Ids by slot, ``None`` for tombstones (the saved form).

        Example:
            >>> IdMap(["a", None]).to_list()
            ['a', None]
        """
        return list(self._ids)

    def __contains__(self, pid: object) -> bool:
        return pid in self._slot_of

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def n_slots(self) -> int:
        """Number of slots handed out, tombstones included."""
        return len(self._ids)

    @property
    def n_dead(self) -> int:
        """Number of tombstones."""
        return len(self._ids) - len(self._slot_of)

    @property
    def live(self) -> np.ndarray:
        """Boolean array over slots, True where the slot holds an id (read-only)."""
        view = self._live.view()
        view.flags.writeable = False
        return view

    @property
    def ids(self) -> tuple[str, ...]:
        """Live ids in slot order."""
        return self._cached("ids", lambda: tuple(pid for pid in self._ids if pid is not None))

    @property
    def live_slots(self) -> np.ndarray:
        """Slots of the live ids, ascending."""
        return self._cached("live_slots", lambda: np.flatnonzero(self._live))

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        # Concurrent readers may both compute a missing entry; they compute the same value.
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = compute()
        return value


def first_duplicate(ids: Iterable[str]) -> str | None:
    """The first id seen a second time in ``ids``, or None.

    Example:
        >>> first_duplicate(["a", "b", "a", "b"])
        'a'
    """
    seen: set[str] = set()
    for pid in ids:
        if pid in seen:
            return pid
        seen.add(pid)
    return None


def _preview(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
