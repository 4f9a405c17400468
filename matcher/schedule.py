"""Delegation meeting planner: which visiting and host organisations meet, and when.

A visiting delegation meets host organisations in a few time slots. Each pair has a reciprocal score (from the
ranking module); only pairs at or above the "possible" band of the ranking score (the encoder's, see
:func:`matcher.bands.calibration_for`) may meet by default, so a delegation gets fewer meetings rather than weak
ones, and :attr:`Schedule.without_good_match` names who had no good match at all. The planner picks meetings that
maximise the total score subject to: a pair meets at most once, an organisation has at most one meeting per slot, a
meeting only happens in a slot both sides are available, and no organisation has more meetings than its capacity.

This is an integer programme (one 0/1 variable per pair and shared free slot), solved exactly with HiGHS through
:func:`scipy.optimize.milp`. When the programme is too large or the solver runs out of time without a better
answer, a greedy plan is used instead (see :func:`plan_meetings`); :attr:`Schedule.method` says which.

Example:
    >>> scores = np.array([[10.0, 9.0], [9.0, 0.0]])
    >>> plan = plan_meetings(scores, ["a", "b"], ["x", "y"], ["Tue 10:00"], np.ones((2, 1), bool),
    ...                      np.ones((2, 1), bool), 1, 1)
    >>> [(m.visitor_id, m.host_id) for m in plan.meetings], plan.total_score, plan.method
    ([('a', 'y'), ('b', 'x')], 18.0, 'optimal')
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
import pandas as pd

from .bands import RANKING_BANDS, Band, BandScale
from .errors import InputError

if TYPE_CHECKING:  # scipy is imported where a plan is solved: it costs every command a fraction of a second
    from scipy.optimize import LinearConstraint

__all__ = [
    "MAX_VARIABLES",
    "Availability",
    "Capacity",
    "Meeting",
    "Method",
    "Schedule",
    "plan_meetings",
]

logger = logging.getLogger(__name__)

Method = Literal["optimal", "time-limited", "greedy"]

Availability: TypeAlias = np.ndarray | pd.DataFrame | Sequence[Collection[str]] | Mapping[str, Collection[str]]
"""Who is free when: a boolean ``(n_orgs, n_slots)`` array or frame, one collection of slot labels per
organisation (in order), or a mapping from organisation id to its slot labels."""

Capacity: TypeAlias = int | Sequence[int] | np.ndarray
"""Most meetings an organisation takes in total: one number for all, or one per organisation (in order)."""

MAX_VARIABLES = 100_000
"""Above this many (pair, slot) variables the planner goes straight to the greedy plan: measured on random
delegations, the solver's plan at a 10 s limit is then worse than the greedy one (which lands within 1-2 % of
the solver's bound), so trying would only make the user wait."""

_MIP_REL_GAP = 1e-6
"""HiGHS stops when its answer is provably within this fraction of the best (its default, 1e-4, is looser)."""


@dataclass(frozen=True)
class Meeting:
    """One meeting of the plan.

    Attributes:
        visitor_id: The visiting organisation.
        host_id: The host organisation.
        slot: The slot label.
        score: The pair's reciprocal score.
        reason: Why the two should meet, in plain words (see :meth:`Schedule.with_reasons`).
        scale: The bands of the ranking score the plan was made on (the encoder's; default MiniLM's).
    """

    visitor_id: str
    host_id: str
    slot: str
    score: float
    reason: str = ""
    scale: BandScale = field(default=RANKING_BANDS, repr=False, compare=False)

    @property
    def band(self) -> Band:
        """The pair's band on :attr:`scale`."""
        return self.scale.band(self.score) or Band.WEAK


@dataclass(frozen=True)
class Schedule:
    """A meeting plan.

    Attributes:
        meetings: The meetings, by slot (in the order slots were given), then by visitor.
        total_score: Sum of the meetings' scores (the objective).
        method: ``"optimal"`` (proved best, within a relative gap of 1e-6), ``"time-limited"`` (the solver's
            best plan when the time limit struck) or ``"greedy"`` (the fallback).
        upper_bound: The solver's proven bound on the best total (``None`` when the solver was not run or proved
            nothing); no plan scores more, so ``upper_bound - total_score`` bounds what is left on the table.
        visitors: Visiting organisation ids, in the order given.
        hosts: Host organisation ids, in the order given.
        slots: Slot labels, in the order given.
        min_score: The floor the plan was made with: pairs scoring lower could not meet.
        without_good_match: Organisations (visitors, then hosts, in the order given) with no pair at or above
            ``min_score`` among the other side: not enough good matches for them, so they get no meeting rather
            than a weak one.
        scale: The bands of the ranking score (the encoder's; default MiniLM's), to name ``min_score``'s band.
    """

    meetings: list[Meeting]
    total_score: float
    method: Method
    upper_bound: float | None
    visitors: tuple[str, ...]
    hosts: tuple[str, ...]
    slots: tuple[str, ...]
    min_score: float = 0.0
    without_good_match: tuple[str, ...] = ()
    scale: BandScale = field(default=RANKING_BANDS, repr=False, compare=False)

    def with_reasons(self, reasons: Mapping[tuple[str, str], str]) -> Schedule:
        """The same plan with a reason on every meeting.

        Args:
            reasons: A reason per ``(visitor_id, host_id)`` pair, e.g. the first of the pair's
                :attr:`matcher.rank.Match.reasons`. A meeting without one (or with blank text) is given its band and
                score in words, so no meeting goes without a reason.

        Example:
            >>> plan = plan_meetings(np.array([[0.5, 0.3]]), ["a"], ["x", "y"], ["10:00", "11:00"],
            ...                      [["10:00", "11:00"]], [["10:00"], ["11:00"]], 2, 1)
            >>> [m.reason for m in plan.with_reasons({("a", "x"): "Their offer meets your need"}).meetings]
            ['Their offer meets your need', 'A possible match both ways (score 0.30)']
        """
        meetings = [
            replace(m, reason=(reasons.get((m.visitor_id, m.host_id)) or "").strip() or _fallback_reason(m))
            for m in self.meetings
        ]
        return replace(self, meetings=meetings)

    @property
    def unmatched_visitors(self) -> tuple[str, ...]:
        """Visitors with no meeting, in the order given."""
        met = {m.visitor_id for m in self.meetings}
        return tuple(v for v in self.visitors if v not in met)

    @property
    def unmatched_hosts(self) -> tuple[str, ...]:
        """Hosts with no meeting, in the order given."""
        met = {m.host_id for m in self.meetings}
        return tuple(h for h in self.hosts if h not in met)

    def to_frame(self) -> pd.DataFrame:
        """The meetings as a table with columns ``slot``, ``visitor_id``, ``host_id``, ``score``.

        Example:
            >>> plan = plan_meetings(np.ones((1, 1)), ["a"], ["x"], ["Tue 10:00"], [["Tue 10:00"]],
            ...                      [["Tue 10:00"]], 1, 1)
            >>> plan.to_frame().to_dict("records")
            [{'slot': 'Tue 10:00', 'visitor_id': 'a', 'host_id': 'x', 'score': 1.0}]
        """
        return pd.DataFrame(
            [(m.slot, m.visitor_id, m.host_id, m.score) for m in self.meetings],
            columns=["slot", "visitor_id", "host_id", "score"],
        )

    def to_grid(self, side: Literal["visitor", "host"] = "visitor") -> pd.DataFrame:
        """Each organisation's agenda: one row per organisation of ``side``, one column per slot, holding the
        id of the organisation it meets then (empty text when free).

        Example:
            >>> plan = plan_meetings(np.ones((1, 1)), ["a"], ["x"], ["10:00", "11:00"], [["11:00"]],
            ...                      [["10:00", "11:00"]], 1, 1)
            >>> plan.to_grid().loc["a"].tolist()
            ['', 'x']
        """
        if side not in ("visitor", "host"):
            raise InputError(f"side must be 'visitor' or 'host', got {side!r}")
        rows = self.visitors if side == "visitor" else self.hosts
        grid = pd.DataFrame("", index=pd.Index(rows, name=f"{side}_id"), columns=list(self.slots), dtype=object)
        for m in self.meetings:
            if side == "visitor":
                grid.loc[m.visitor_id, m.slot] = m.host_id
            else:
                grid.loc[m.host_id, m.slot] = m.visitor_id
        return grid


def _fallback_reason(meeting: Meeting) -> str:
    return f"A {meeting.band} match both ways (score {meeting.score:.2f})"


def _ids(values: Sequence[str], what: str) -> tuple[str, ...]:
    ids = tuple(str(v) for v in values)
    repeated = sorted(i for i, count in Counter(ids).items() if count > 1)
    if repeated:
        raise InputError(f"{what} must be unique; repeated: {', '.join(repeated)}")
    return ids


def _availability(value: Availability, ids: tuple[str, ...], slots: tuple[str, ...], what: str) -> np.ndarray:
    """Turns any accepted availability form into a boolean ``(len(ids), len(slots))`` array."""
    slot_index = {s: k for k, s in enumerate(slots)}

    def row_of(labels: Collection[str], who: str) -> np.ndarray:
        unknown = sorted({str(s) for s in labels} - slot_index.keys())
        if unknown:
            raise InputError(f"{what} of {who!r} names unknown slots: {', '.join(unknown)}")
        row = np.zeros(len(slots), dtype=bool)
        row[[slot_index[str(s)] for s in labels]] = True
        return row

    if isinstance(value, Mapping):
        missing = [i for i in ids if i not in value]
        if missing:
            raise InputError(f"{what} has no entry for: {', '.join(missing)}")
        rows = [row_of(value[i], i) for i in ids]
        return np.array(rows, dtype=bool).reshape(len(ids), len(slots))
    if isinstance(value, (np.ndarray, pd.DataFrame)):
        array = np.asarray(value, dtype=bool)
    else:
        items = list(value)
        if any(isinstance(item, str) for item in items):
            raise InputError(f"{what} must give each organisation a collection of slot labels, not a single label")
        if len(items) != len(ids):
            raise InputError(f"{what} has {len(items)} entries for {len(ids)} organisations")
        if items and all(isinstance(s, str) for item in items for s in item):
            array = np.array([row_of(item, i) for item, i in zip(items, ids, strict=True)], dtype=bool)
            array = array.reshape(len(ids), len(slots))
        else:
            array = np.asarray(items, dtype=bool)
    if array.shape != (len(ids), len(slots)):
        raise InputError(f"{what} must have shape ({len(ids)}, {len(slots)}) (organisations, slots), got {array.shape}")
    return array


def _capacity(value: Capacity, n: int, what: str) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim == 0:
        array = np.full(n, array)
    if array.shape != (n,):
        raise InputError(f"{what} must be one number or {n} numbers, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.any(array != np.round(array)):
        raise InputError(f"{what} must hold whole numbers of meetings")
    if np.any(array < 0):
        raise InputError(f"{what} must not be negative, got {array.min()}")
    return array.astype(np.int64)


def _pair_weights(scores: np.ndarray, n_visitors: int, n_hosts: int, min_score: float) -> np.ndarray:
    """Scores with the pairs not worth meeting set to 0."""
    scores = np.asarray(scores, dtype=float)
    if scores.shape != (n_visitors, n_hosts):
        raise InputError(f"scores must have shape ({n_visitors}, {n_hosts}) (visitors, hosts), got {scores.shape}")
    if np.isinf(scores).any():
        raise InputError("scores must be finite (NaN marks a pair not worth meeting)")
    weights = np.nan_to_num(scores, nan=0.0)
    if (weights < 0).any():
        raise InputError(f"scores must be >= 0, got {weights.min()}")
    weights[weights < min_score] = 0.0
    return weights


def _lowest(mask: int) -> int:
    """Index of the lowest set bit (the earliest slot in a bit mask of slots)."""
    return (mask & -mask).bit_length() - 1


def _slots(mask: int) -> list[int]:
    return [t for t in range(mask.bit_length()) if mask >> t & 1]


def _greedy(
    weights: np.ndarray,
    visitor_free: np.ndarray,
    host_free: np.ndarray,
    visitor_capacity: np.ndarray,
    host_capacity: np.ndarray,
) -> list[tuple[int, int, int]]:
    """Best pair first, each in the earliest slot both sides still have free; when they share no free slot,
    one meeting already placed may move to another slot to free one for them.

    Fast and never breaks a constraint, but not optimal: a high-scoring meeting can take the last unit of
    capacity, or the last shared slot, that two slightly lower meetings needed.
    """
    # Slots as bits of Python integers: a pair's common free slots are one AND away.
    weights_of_slots = [1 << t for t in range(visitor_free.shape[1])]
    v_avail = [sum(b for b, ok in zip(weights_of_slots, row, strict=True) if ok) for row in visitor_free.tolist()]
    h_avail = [sum(b for b, ok in zip(weights_of_slots, row, strict=True) if ok) for row in host_free.tolist()]
    v_open, h_open = list(v_avail), list(h_avail)
    v_at: list[dict[int, int]] = [{} for _ in v_avail]  # visitor -> {slot: host}
    h_at: list[dict[int, int]] = [{} for _ in h_avail]  # host -> {slot: visitor}
    v_cap, h_cap = visitor_capacity.tolist(), host_capacity.tolist()

    def book(i: int, j: int, t: int) -> None:
        v_open[i] &= ~(1 << t)
        h_open[j] &= ~(1 << t)
        v_at[i][t], h_at[j][t] = j, i

    def free(i: int, j: int, t: int) -> None:
        v_open[i] |= 1 << t
        h_open[j] |= 1 << t
        del v_at[i][t], h_at[j][t]

    def slot_for(i: int, j: int) -> int | None:
        common = v_open[i] & h_open[j]
        if common:
            return _lowest(common)
        for t in _slots(v_avail[i] & h_avail[j]):
            visitor_busy, host_busy = t in v_at[i], t in h_at[j]
            if visitor_busy and host_busy:
                continue
            # One side is busy at t: move that meeting to a slot free for both of its sides.
            a, b = (i, v_at[i][t]) if visitor_busy else (h_at[j][t], j)
            other = v_open[a] & h_open[b]
            if other:
                free(a, b, t)
                book(a, b, _lowest(other))
                return t
        return None

    i_idx, j_idx = np.nonzero(weights > 0)
    order = np.lexsort((j_idx, i_idx, -weights[i_idx, j_idx]))
    for i, j in zip(i_idx[order].tolist(), j_idx[order].tolist(), strict=True):
        if v_cap[i] <= 0 or h_cap[j] <= 0:
            continue
        t = slot_for(i, j)
        if t is not None:
            book(i, j, t)
            v_cap[i] -= 1
            h_cap[j] -= 1
    return [(i, j, t) for i, at in enumerate(v_at) for t, j in at.items()]


def _model(
    i: np.ndarray,
    j: np.ndarray,
    t: np.ndarray,
    n_hosts: int,
    n_slots: int,
    visitor_capacity: np.ndarray,
    host_capacity: np.ndarray,
) -> LinearConstraint:
    """The constraint rows over variables ``x[i[k], j[k], t[k]]``: each row sums a group of variables."""
    import scipy.sparse as sp
    from scipy.optimize import LinearConstraint

    groups = [
        (i * n_hosts + j, None),  # a pair meets at most once
        (i * n_slots + t, None),  # a visitor is in one meeting per slot
        (j * n_slots + t, None),  # a host is in one meeting per slot
        (i, visitor_capacity),
        (j, host_capacity),
    ]
    rows, upper, offset = [], [], 0
    for keys, capacity in groups:
        unique, row = np.unique(keys, return_inverse=True)
        rows.append(row + offset)
        upper.append(np.ones(len(unique)) if capacity is None else capacity[unique].astype(float))
        offset += len(unique)
    n = len(i)
    matrix = sp.csr_matrix((np.ones(5 * n), (np.concatenate(rows), np.tile(np.arange(n), 5))), shape=(offset, n))
    return LinearConstraint(matrix, -np.inf, np.concatenate(upper))


def plan_meetings(
    scores: np.ndarray,
    visitors: Sequence[str],
    hosts: Sequence[str],
    slots: Sequence[str],
    visitor_availability: Availability,
    host_availability: Availability,
    visitor_capacity: Capacity,
    host_capacity: Capacity,
    *,
    min_score: float | None = None,
    bands: BandScale = RANKING_BANDS,
    time_limit: float = 10.0,
    max_variables: int = MAX_VARIABLES,
) -> Schedule:
    """Plans the meetings that maximise the total reciprocal score.

    Every pair with a positive score of at least ``min_score`` may meet once, in a slot both sides are
    available, within both sides' capacities, and nobody is in two meetings at once. HiGHS solves the integer
    programme exactly. The greedy plan (best pair first, earliest common free slot) is used instead when there
    are more than ``max_variables`` (pair, slot) variables, or when the solver stops at ``time_limit`` with no
    plan or a plan worse than the greedy one; ``method`` reports which plan was returned.

    Args:
        scores: ``(n_visitors, n_hosts)`` reciprocal scores, >= 0; 0 or NaN marks a pair not worth meeting.
        visitors: Visiting organisation ids (unique).
        hosts: Host organisation ids (unique, none also a visitor).
        slots: Slot labels (unique), e.g. ``"Tue 10:00"``, in calendar order: the greedy plan fills early
            slots first and meetings are listed in this order.
        visitor_availability: When each visitor is free (see :data:`Availability`).
        host_availability: When each host is free.
        visitor_capacity: Most meetings per visitor (see :data:`Capacity`).
        host_capacity: Most meetings per host.
        min_score: Pairs scoring below this do not meet; None (default) for the floor of the "possible" band of
            ``bands``. Pass 0 to plan on any positive score (other scales, tests).
        bands: The bands of the ranking score, measured for the encoder behind ``scores``
            (:attr:`matcher.bands.Calibration.ranking`); default MiniLM's.
        time_limit: Seconds the solver may run.
        max_variables: Above this many variables the solver is not tried.

    Returns:
        The schedule, its total score and the method used, and who had no pair at or above ``min_score``
        (:attr:`Schedule.without_good_match`). Meetings have no reason yet: see :meth:`Schedule.with_reasons`.

    Raises:
        ValueError: Mismatched shapes, repeated or shared ids, unknown slot labels, negative or infinite
            scores, negative or fractional capacities, or a negative ``min_score`` or ``time_limit``.

    Example:
        >>> plan = plan_meetings(np.array([[0.9, 0.8]]), ["a"], ["x", "y"], ["10:00", "11:00"],
        ...                      [["10:00", "11:00"]], [["10:00", "11:00"], ["10:00"]], 2, 1)
        >>> [(m.host_id, m.slot) for m in plan.meetings]
        [('y', '10:00'), ('x', '11:00')]
    """
    visitor_ids, host_ids = _ids(visitors, "visitor ids"), _ids(hosts, "host ids")
    slot_labels = _ids(slots, "slot labels")
    both = sorted(set(visitor_ids) & set(host_ids))
    if both:
        raise InputError(f"an organisation cannot be both visitor and host: {', '.join(both)}")
    min_score = bands.possible if min_score is None else min_score
    if not (math.isfinite(min_score) and min_score >= 0):
        raise InputError(f"min_score must be a finite number >= 0, got {min_score!r}")
    if not time_limit > 0:
        raise InputError(f"time_limit must be positive, got {time_limit!r}")
    weights = _pair_weights(scores, len(visitor_ids), len(host_ids), min_score)
    v_free = _availability(visitor_availability, visitor_ids, slot_labels, "visitor_availability")
    h_free = _availability(host_availability, host_ids, slot_labels, "host_availability")
    v_cap = _capacity(visitor_capacity, len(visitor_ids), "visitor_capacity")
    h_cap = _capacity(host_capacity, len(host_ids), "host_capacity")
    good = weights > 0
    without_good_match = tuple(
        [visitor_ids[i] for i in np.flatnonzero(~good.any(axis=1)).tolist()]
        + [host_ids[j] for j in np.flatnonzero(~good.any(axis=0)).tolist()]
    )

    feasible = (weights > 0)[:, :, None] & v_free[:, None, :] & h_free[None, :, :]
    feasible &= (v_cap > 0)[:, None, None] & (h_cap > 0)[None, :, None]
    i, j, t = np.nonzero(feasible)
    n = len(i)

    def result(chosen: list[tuple[int, int, int]], method: Method, bound: float | None) -> Schedule:
        chosen = sorted(chosen, key=lambda m: (m[2], m[0], m[1]))
        meetings = [
            Meeting(visitor_ids[a], host_ids[b], slot_labels[c], float(weights[a, b]), scale=bands)
            for a, b, c in chosen
        ]
        total = float(sum(m.score for m in meetings))
        logger.info("planned %d meetings (%s), total score %.4f, %d variables", len(meetings), method, total, n)
        return Schedule(
            meetings,
            total,
            method,
            bound,
            visitor_ids,
            host_ids,
            slot_labels,
            float(min_score),
            without_good_match,
            scale=bands,
        )

    if n == 0:
        return result([], "optimal", 0.0)

    def greedy() -> list[tuple[int, int, int]]:
        return _greedy(weights, v_free, h_free, v_cap, h_cap)

    if n > max_variables:
        logger.warning("%d (pair, slot) variables exceed max_variables=%d: using the greedy plan", n, max_variables)
        return result(greedy(), "greedy", None)

    from scipy.optimize import Bounds, milp

    w = weights[i, j]
    started = time.perf_counter()
    answer = milp(
        c=-w,
        constraints=_model(i, j, t, len(host_ids), len(slot_labels), v_cap, h_cap),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        # HiGHS's presolve spends minutes on these many overlapping set-packing rows, deaf to the time limit
        # (98 s past a 10 s limit at 79k variables); without it a 23k-variable plan is proved optimal in 2 s.
        options={"time_limit": float(time_limit), "mip_rel_gap": _MIP_REL_GAP, "presolve": False},
    )
    logger.debug("HiGHS status %d (%s) after %.2f s", answer.status, answer.message, time.perf_counter() - started)
    bound = getattr(answer, "mip_dual_bound", None)
    bound = None if bound is None or not math.isfinite(bound) else -float(bound)
    if answer.x is not None:
        picked = np.nonzero(answer.x > 0.5)[0]
        chosen = list(zip(i[picked].tolist(), j[picked].tolist(), t[picked].tolist(), strict=True))
        if answer.status == 0:
            return result(chosen, "optimal", bound)
        fallback = greedy()
        if w[picked].sum() >= sum(weights[a, b] for a, b, _ in fallback):
            return result(chosen, "time-limited", bound)
        logger.warning("the solver's plan at the time limit is worse than the greedy one: using the greedy plan")
        return result(fallback, "greedy", bound)
    logger.warning("the solver found no plan (%s): using the greedy plan", answer.message)
    return result(greedy(), "greedy", bound)
