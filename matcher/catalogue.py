"""The catalogue: the profiles a ranking reads, as ids, rows and places, with the rules that say who may meet.

Built once per store version (the habit of lightfm's ``Dataset``) and shared by ranking, the baselines, training
and evaluation, so each rule below is written once:

- the id ↔ row map (:attr:`Catalogue.ids`, :meth:`Catalogue.rows`);
- the cross-city rule (:meth:`Catalogue.allowed_from`, :meth:`Catalogue.pair_allowed`): the alliance's purpose
  is partners in *other* cities, so by default an organisation's own city is never suggested;
- the place key two profiles are compared by (:func:`place_keys`: city names case-folded, with the country);
- the text each facet embeds (:func:`facet_texts`), so evaluation embeds what serving embeds;
- the dismissals read from feedback (:func:`dismissed`): a candidate whose latest label is "not relevant", counted
  per person who gave it.

Example:
    >>> frame = pd.DataFrame({"id": ["a", "b", "c"], "city": ["Daejeon", "daejeon", "Seattle"],
    ...                       "country": ["KR", "KR", "US"]})
    >>> cat = Catalogue.from_profiles(frame)
    >>> cat.allowed_from("Daejeon", "KR", "other_city").tolist()
    [False, False, True]
    >>> cat.rows(["c", "a"]).tolist()
    [2, 0]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

from .errors import InputError, NotFoundError
from .schema import Profile

__all__ = [
    "CROSS_CITY_RULES",
    "Catalogue",
    "CrossCity",
    "check_cross_city",
    "dismissed",
    "facet_texts",
    "place_keys",
]

CrossCity = Literal["other_city", "other_country", "any"]
"""Where partners may come from: another city (the default), another country, or anywhere."""
CROSS_CITY_RULES: tuple[str, ...] = get_args(CrossCity)


def check_cross_city(rule: str) -> CrossCity:
    """Returns ``rule`` if it is one of :data:`CROSS_CITY_RULES`.

    Raises:
        InputError: Any other value.

    Example:
        >>> check_cross_city("any")
        'any'
    """
    if rule not in CROSS_CITY_RULES:
        raise InputError(f"cross_city must be one of {CROSS_CITY_RULES}, got {rule!r}")
    return rule  # type: ignore[return-value]


def place_keys(cities: Iterable[object], countries: Iterable[object] | None = None) -> np.ndarray:
    """The keys cities are compared by: the name case-folded and stripped (imports store canonical names), and with
    ``countries`` the country code too, so that Cambridge (GB) and Cambridge (US) are two places.

    Example:
        >>> place_keys(["Daejeon ", "DAEJEON"]).tolist()
        ['daejeon', 'daejeon']
        >>> place_keys(["Cambridge", "Cambridge"], ["GB", "US"]).tolist()
        ['cambridge|GB', 'cambridge|US']
    """
    keys = [str(city).strip().casefold() for city in cities]
    if countries is None:
        return np.array(keys, dtype=object)
    return np.array(
        [f"{key}|{str(country).strip().upper()}" for key, country in zip(keys, countries, strict=True)], dtype=object
    )


def facet_texts(profiles: pd.DataFrame, facet: str) -> list[str]:
    """The text embedded for ``facet`` of every profile (:meth:`matcher.schema.Profile.text`).

    Example:
        >>> frame = pd.DataFrame({"id": ["a"], "name": ["A"], "org_type": ["startup"], "city": ["Seattle"],
        ...                       "country": ["US"], "offers": ["GaN chips"]})
        >>> facet_texts(frame, "offers"), facet_texts(frame, "profile")
        (['GaN chips'], ['A (startup, Seattle)'])
    """
    if facet in ("offers", "seeks") and facet in profiles.columns:
        return profiles[facet].fillna("").astype(str).tolist()
    return [Profile.from_mapping(row).text(facet) for row in profiles.to_dict("records")]  # type: ignore[arg-type]


def dismissed(feedback: pd.DataFrame, by: str | None = None) -> set[str]:
    """Candidates whose latest feedback (rows oldest first, ``candidate_id``, ``label``, ``user`` and
    ``restored_at``) is "not relevant".

    Feedback belongs to the person who gave it: with ``by``, only that user's rows count, so a startup's dismissal
    hides a suggestion for its own account and an officer's for that officer; None counts everyone's (the command
    line, which acts for no one in particular). A later "relevant" (or any other label) restores a candidate, and
    so does restoring the dismissal itself (a ``restored_at`` time): such rows no longer count.

    Example:
        >>> fb = pd.DataFrame({"candidate_id": ["x", "y", "x", "z"], "user": ["kim", "kim", "kim", "lee"],
        ...                    "label": ["not_relevant", "not_relevant", "relevant", "not_relevant"]})
        >>> sorted(dismissed(fb)), sorted(dismissed(fb, by="kim"))
        (['y', 'z'], ['y'])
    """
    if by is not None and "user" in feedback.columns:
        feedback = feedback[feedback["user"] == by]
    if "restored_at" in feedback.columns:
        feedback = feedback[feedback["restored_at"].isna()]
    if feedback.empty:
        return set()
    latest = feedback.groupby("candidate_id", sort=False)["label"].last()
    return {str(candidate) for candidate in latest.index[latest == "not_relevant"]}


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The organisations a ranking chooses from, in row order, with their places.

    Attributes:
        ids: Profile ids in row order.
        row_of: The row of each id.
        city: Place keys of the cities with their countries (:func:`place_keys`), one per row.
        country: Country codes, one per row.
    """

    ids: tuple[str, ...]
    row_of: Mapping[str, int]
    city: np.ndarray
    country: np.ndarray
    _codes: dict[str, tuple[np.ndarray, dict[str, int]]] = field(default_factory=dict, repr=False)
    _masks: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_profiles(cls, profiles: pd.DataFrame) -> Catalogue:
        """The catalogue of ``profiles`` (columns ``id``, ``city``, ``country``), in their row order.

        Raises:
            InputError: Duplicate ids.
        """
        ids = tuple(profiles["id"].astype(str))
        row_of = {pid: i for i, pid in enumerate(ids)}
        if len(row_of) != len(ids):
            raise InputError("profiles hold duplicate ids")
        catalogue = cls(
            ids=ids,
            row_of=row_of,
            city=place_keys(profiles["city"], profiles["country"]),
            country=profiles["country"].astype(str).to_numpy(dtype=object),
        )
        # Places as integer codes: a cross-city mask over 100,000 profiles is then one integer comparison.
        for name, keys in (("city", catalogue.city), ("country", catalogue.country)):
            codes, uniques = pd.factorize(keys)
            catalogue._codes[name] = (codes, {str(key): i for i, key in enumerate(uniques)})
        return catalogue

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, profile_id: object) -> bool:
        return profile_id in self.row_of

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        """The rows of ``ids``, in their order.

        Raises:
            NotFoundError: An id is not in the catalogue (the message names up to five).
        """
        unknown = [pid for pid in ids if pid not in self.row_of]
        if unknown:
            raise NotFoundError(f"ids not in the catalogue: {unknown[:5]}")
        return np.fromiter((self.row_of[pid] for pid in ids), dtype=np.int64, count=len(ids))

    def allowed_from(self, city: str, country: str, cross_city: CrossCity) -> np.ndarray:
        """Which rows an organisation in ``city``/``country`` may be suggested under ``cross_city``.

        The mask is shared between calls and read-only: combine it (``&``), never change it in place.
        """
        check_cross_city(cross_city)
        if cross_city == "any":
            return self._mask(("any", 0))
        if cross_city == "other_country":
            return self._mask(("country", self._codes["country"][1].get(str(country), -1)))
        return self._mask(("city", self._codes["city"][1].get(str(place_keys([city], [country])[0]), -1)))

    def allowed_for(self, row: int, cross_city: CrossCity) -> np.ndarray:
        """:meth:`allowed_from` for the organisation at ``row``."""
        check_cross_city(cross_city)
        if cross_city == "any":
            return self._mask(("any", 0))
        place = "country" if cross_city == "other_country" else "city"
        return self._mask((place, int(self._codes[place][0][row])))

    def _mask(self, key: tuple[str, int]) -> np.ndarray:
        """The rows whose place code differs from ``key``'s (every row for ``any``), shared and read-only."""
        mask = self._masks.get(key)
        if mask is None:
            mask = np.ones(len(self), dtype=bool) if key[0] == "any" else self._codes[key[0]][0] != key[1]
            mask.setflags(write=False)
            self._masks[key] = mask
        return mask

    def pair_allowed(self, a: np.ndarray, b: np.ndarray, cross_city: CrossCity) -> np.ndarray:
        """Whether the rule allows each pair of rows ``(a[i], b[i])``."""
        check_cross_city(cross_city)
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        if cross_city == "any":
            return np.ones(len(a), dtype=bool)
        codes = self._codes["country" if cross_city == "other_country" else "city"][0]
        return np.asarray(codes[a] != codes[b])
