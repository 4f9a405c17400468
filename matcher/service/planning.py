"""Planning: a delegation's meetings, the pairs scored as the ranking scores them, each meeting with its reason.

Example:
    >>> planning = Planning(matching)                                          # doctest: +SKIP
    >>> plan = planning.plan(["mo-bio-001"], ["dj-bio-003", "dj-bio-004"], ["Tue 10:00", "Tue 11:00"])
    ...                                                                           # doctest: +SKIP
    >>> [(m.host_id, m.slot) for m in plan.meetings]                           # doctest: +SKIP
    [('dj-bio-003', 'Tue 10:00')]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ..schedule import Availability, Capacity, Schedule, plan_meetings
from .matching import Matching

__all__ = ["Planning"]

logger = logging.getLogger(__name__)


class Planning:
    """Plans delegation visits over one workspace's ranking.

    Args:
        matching: Scores the pairs and writes their reasons.
    """

    def __init__(self, matching: Matching) -> None:
        self.matching = matching

    def plan(
        self,
        visitors: Sequence[str],
        hosts: Sequence[str],
        slots: Sequence[str],
        *,
        visitor_availability: Availability | None = None,
        host_availability: Availability | None = None,
        visitor_capacity: Capacity = 4,
        host_capacity: Capacity = 2,
        min_score: float | None = None,
        explain: bool = True,
    ) -> Schedule:
        """The meetings of ``visitors`` with ``hosts`` in ``slots`` that maximise the total reciprocal score.

        Pairs a visitor dismissed score 0 and never meet; pairs below ``min_score`` (default: the floor of the
        possible band of the encoder's ranking scale) do not meet either (:attr:`Schedule.without_good_match` names
        who had none).

        Args:
            visitors: Visiting organisation ids.
            hosts: Host organisation ids.
            slots: Slot labels in calendar order.
            visitor_availability: When each visitor is free (see :data:`matcher.schedule.Availability`); default
                every slot.
            host_availability: When each host is free; default every slot.
            visitor_capacity: Most meetings per visitor.
            host_capacity: Most meetings per host.
            min_score: The lowest score worth a meeting; None for the floor of the possible band of the encoder
                the index was built with (:attr:`Matching.calibration`).
            explain: Give each meeting its first reason (costs a ranking pass per visitor).

        Raises:
            NotFoundError: An id is not in the store.
            InputError: Bad slots, capacities or ``min_score`` (see :func:`matcher.schedule.plan_meetings`).
        """
        scores = self.matching.pair_scores(visitors, hosts).score
        every_slot = [list(slots)]
        plan = plan_meetings(
            scores,
            visitors,
            hosts,
            slots,
            visitor_availability if visitor_availability is not None else every_slot * len(visitors),
            host_availability if host_availability is not None else every_slot * len(hosts),
            visitor_capacity,
            host_capacity,
            min_score=min_score,
            bands=self.matching.calibration.ranking,
        )
        logger.info("planned %d meetings for %d visitors and %d hosts", len(plan.meetings), len(visitors), len(hosts))
        return plan.with_reasons(self.reasons(plan)) if explain else plan

    def reasons(self, plan: Schedule) -> dict[tuple[str, str], str]:
        """The first reason of each planned pair, as the visitor's own suggestions would give it
        (:meth:`Matching.explain_pairs`).

        Returns:
            A reason per ``(visitor_id, host_id)`` meeting that has one (:meth:`matcher.schedule.Schedule.with_reasons`
            states the band and score of the others).
        """
        met: dict[str, list[str]] = {}
        for meeting in plan.meetings:
            met.setdefault(meeting.visitor_id, []).append(meeting.host_id)
        reasons: dict[tuple[str, str], str] = {}
        for visitor, hosts in met.items():
            for host, given in self.matching.explain_pairs(visitor, hosts).items():
                if given:
                    reasons[(visitor, host)] = given[0]
        return reasons
