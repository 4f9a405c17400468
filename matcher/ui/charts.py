"""Insights as frames and Altair charts, built offline: no map tiles and no map files are fetched.

The alliance map draws the land (Natural Earth's 1:110m outlines, shipped in ``matcher/data/land-110m.json`` and
sent inline with the chart), a graticule that Vega generates itself, the six alliance places and the flows
between them as great circles, in a polar azimuthal projection centred on the North Pole. The alliance circles the
northern hemisphere (Daejeon, the American places and Europe are each crossed by some flow), so any map with an
edge would cut some flows there; seen from above the pole, every flow, trans-Pacific ones included, is whole.
The matrix view counts the same flows city by city.

Titles, tooltips and sector labels are in the session's language (English outside a running app); place names
are the data's own.

Example:
    >>> pairs = pd.DataFrame({"source_city": ["Daejeon", "Málaga"], "target_city": ["Málaga", "Daejeon"]})
    >>> city_flows(pairs)[["source", "target", "count"]].to_dict("records")
    [{'source': 'Daejeon', 'target': 'Málaga', 'count': 2}]
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import altair as alt
import pandas as pd

from ..resources import data_text
from ..vocab import ALLIANCE_CITIES, SECTORS
from .i18n import t
from .localise import sector_label

__all__ = [
    "LAND_FILE",
    "city_flows",
    "city_points",
    "flow_map",
    "flow_matrix",
    "land_outlines",
    "sector_city_counts",
    "sector_heatmap",
]

LAND_FILE = "land-110m.json"
"""Natural Earth 1:110m land as TopoJSON (from the world-atlas package; licence beside it in matcher/data/)."""

ELSEWHERE = "Elsewhere"
"""Where organisations outside the six alliance places are counted."""

_LABEL_LEFT = frozenset({"Seattle"})
"""Places labelled left of their dot: Seattle sits just south-west of Calgary."""

_BAND = {
    "type": "Feature",
    "properties": {},
    "geometry": {"type": "MultiPoint", "coordinates": [[lon, 22] for lon in range(-180, 180, 30)]},
}
"""The map shows the world north of 22° N, where the alliance places are (the southernmost, Málaga, is at 36.7° N)."""
_PROJECTION: dict[str, Any] = {"type": "azimuthalEquidistant", "rotate": [0, -90, 0], "clipAngle": 75}
"""Centred on the North Pole with Greenwich pointing down: Europe at the bottom, Asia right, America left and the
Pacific at the top; nothing south of 15° N is drawn."""


@cache
def land_outlines() -> dict[str, Any]:
    """The land outlines as a TopoJSON object (read once from the package; never fetched)."""
    topology: dict[str, Any] = json.loads(data_text(LAND_FILE))
    return topology


def _place(city: pd.Series) -> pd.Series:
    """Alliance place of each city name (case-insensitive), else :data:`ELSEWHERE`."""
    known = {name.casefold(): name for name in ALLIANCE_CITIES}
    return city.astype(str).str.casefold().map(known).fillna(ELSEWHERE)


def city_points(profiles: pd.DataFrame) -> pd.DataFrame:
    """The alliance places with their coordinates and how many organisations each holds.

    Returns:
        Columns ``city, country, lat, lon, organisations, label``, one row per alliance place (0 organisations
        when it has none); ``label`` says on which side of the dot its name goes, so close places do not collide.
    """
    counts = _place(profiles["city"]).value_counts() if len(profiles) else pd.Series(dtype=int)
    rows = [
        {"city": city, "country": country, "lat": lat, "lon": lon, "organisations": int(counts.get(city, 0)),
         "label": "left" if city in _LABEL_LEFT else "right"}
        for city, (country, lat, lon) in ALLIANCE_CITIES.items()
    ]
    return pd.DataFrame(rows)


def city_flows(pairs: pd.DataFrame) -> pd.DataFrame:
    """Counts pairs between two different alliance places, whichever side asked (a flow has no direction).

    Args:
        pairs: Columns ``source_city`` and ``target_city`` (one row per suggested match or partnership).

    Returns:
        Columns ``source, target, count, lon, lat, lon2, lat2``, one row per pair of places (``source`` first in
        :data:`~matcher.vocab.ALLIANCE_CITIES` order), largest first (then by name).
    """
    columns = ["source", "target", "count", "lon", "lat", "lon2", "lat2"]
    source, target = _place(pairs["source_city"]), _place(pairs["target_city"])
    order = {city: i for i, city in enumerate([*ALLIANCE_CITIES, ELSEWHERE])}
    swap = source.map(order) > target.map(order)
    frame = pd.DataFrame({"source": source.where(~swap, target), "target": target.where(~swap, source)})
    between = (frame["source"] != ELSEWHERE) & (frame["target"] != ELSEWHERE) & (frame["source"] != frame["target"])
    frame = frame[between]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    counted = frame.value_counts(["source", "target"]).rename("count").reset_index()
    coords = {city: (lon, lat) for city, (_, lat, lon) in ALLIANCE_CITIES.items()}
    counted["lon"] = counted["source"].map(lambda c: coords[c][0])
    counted["lat"] = counted["source"].map(lambda c: coords[c][1])
    counted["lon2"] = counted["target"].map(lambda c: coords[c][0])
    counted["lat2"] = counted["target"].map(lambda c: coords[c][1])
    counted = counted.sort_values(["count", "source", "target"], ascending=[False, True, True], kind="stable")
    return counted[columns].reset_index(drop=True)


def flow_map(points: pd.DataFrame, flows: pd.DataFrame, *, what: str = "matches") -> alt.LayerChart:
    """The alliance places and the flows between them on an outline of the globe (no tiles, no map files).

    Args:
        points: From :func:`city_points`.
        flows: From :func:`city_flows`.
        what: What the flows count, for the tooltips.
    """
    sphere = alt.Chart(alt.sphere()).mark_geoshape(fill="#eef3f8", stroke="#9fb3c8", strokeWidth=0.5, clip=True)
    land = (
        alt.Chart(alt.Data(values=land_outlines(), format=alt.DataFormat(type="topojson", feature="land")))
        .mark_geoshape(fill="#dde3d5", stroke="#9aa78c", strokeWidth=0.5, clip=True)
    )
    graticule = alt.Chart(alt.graticule(step=[30, 15])).mark_geoshape(stroke="#c9d4e0", strokeWidth=0.5, clip=True)
    # Flows as GeoJSON lines: the projection draws them as great circles, none crossing the map's edge.
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[r.lon, r.lat], [r.lon2, r.lat2]]},
            "properties": {"source": r.source, "target": r.target, "count": int(r.count)},
        }
        for r in flows.itertuples()
    ]
    lines = (
        alt.Chart(alt.Data(values=features))
        .mark_geoshape(filled=False, stroke="#d9534f", strokeOpacity=0.6, clip=True)
        .encode(
            strokeWidth=alt.StrokeWidth("properties.count:Q", scale=alt.Scale(range=[1, 8]), legend=None),
            tooltip=[
                alt.Tooltip("properties.source:N", title=t("charts.from")),
                alt.Tooltip("properties.target:N", title=t("charts.to")),
                alt.Tooltip("properties.count:Q", title=what[:1].upper() + what[1:]),
            ],
        )
    )
    dots = (
        alt.Chart(points)
        .mark_circle(color="#1f4e79", opacity=0.9)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            size=alt.Size("organisations:Q", scale=alt.Scale(range=[60, 600]), legend=None),
            tooltip=[alt.Tooltip("city:N", title=t("charts.place")),
                     alt.Tooltip("organisations:Q", title=t("charts.organisations"))],
        )
    )
    labels = [
        alt.Chart(points)
        .transform_filter(alt.datum.label == side)
        .mark_text(align="right" if side == "left" else "left", dx=-9 if side == "left" else 9, dy=-7, fontSize=12,
                   fontWeight="bold", color="#1f2d3d")
        .encode(longitude="lon:Q", latitude="lat:Q", text="city:N")
        for side in ("left", "right")
    ]
    return (
        alt.layer(sphere, land, graticule, lines, dots, *labels)
        .project(**_PROJECTION, fit=_BAND)
        .properties(height=520)
        .configure_view(stroke=None)
    )


def flow_matrix(flows: pd.DataFrame, *, what: str = "matches") -> alt.LayerChart:
    """The flows of :func:`city_flows` as a place x place matrix (symmetric: a flow has no direction), the count
    written in each cell.

    Args:
        flows: From :func:`city_flows`.
        what: What the flows count, for the legend and tooltips.
    """
    cities = list(ALLIANCE_CITIES)
    counts = {(r.source, r.target): int(r.count) for r in flows.itertuples()}
    cells = pd.DataFrame(
        [{"from": a, "to": b, "count": counts.get((a, b), counts.get((b, a), 0))} for a in cities for b in cities
         if a != b]
    )
    title = what[:1].upper() + what[1:]
    base = alt.Chart(cells).encode(
        x=alt.X("to:N", title=None, sort=cities, axis=alt.Axis(labelAngle=0, orient="top", labelLimit=220)),
        y=alt.Y("from:N", title=None, sort=cities, axis=alt.Axis(labelLimit=220)),
    )
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="oranges"), title=title),
        tooltip=[alt.Tooltip("from:N", title=t("charts.from")), alt.Tooltip("to:N", title=t("charts.to")),
                 alt.Tooltip("count:Q", title=title)],
    )
    high = max(1, int(cells["count"].max())) / 2
    text = base.mark_text(fontSize=13).encode(
        text="count:Q",
        color=alt.condition(alt.datum["count"] > high, alt.value("white"), alt.value("#1f2d3d")),
    )
    return (rect + text).properties(height=60 * len(cities))


def sector_city_counts(profiles: pd.DataFrame) -> pd.DataFrame:
    """Organisations per taxonomy sector and alliance place (an organisation counts once per sector it lists).

    Returns:
        Columns ``sector, city, organisations`` with sector labels (in the session's language), zero counts
        included, sectors in taxonomy order.
    """
    exploded = pd.DataFrame({"city": _place(profiles["city"]), "sector": profiles["sectors"]}).explode("sector")
    exploded = exploded.dropna(subset=["sector"])
    exploded = exploded[exploded["sector"].isin(SECTORS)]
    counts = exploded.value_counts(["sector", "city"])
    cities = [*ALLIANCE_CITIES, *([ELSEWHERE] if (exploded["city"] == ELSEWHERE).any() else [])]
    index = pd.MultiIndex.from_product([list(SECTORS), cities], names=["sector", "city"])
    frame = counts.reindex(index, fill_value=0).rename("organisations").reset_index()
    frame["sector"] = frame["sector"].map(sector_label)
    return frame


def sector_heatmap(counts: pd.DataFrame) -> alt.Chart:
    """A sector x place heatmap of :func:`sector_city_counts`, with the counts written in the cells."""
    sectors = [sector_label(s) for s in SECTORS]
    base = alt.Chart(counts).encode(
        x=alt.X("city:N", title=None, sort=None, axis=alt.Axis(labelAngle=0, orient="top", labelLimit=220)),
        y=alt.Y("sector:N", title=None, sort=sectors, axis=alt.Axis(labelLimit=220)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("organisations:Q", scale=alt.Scale(scheme="blues"), title=t("charts.organisations")),
        tooltip=[alt.Tooltip("sector:N", title=t("charts.sector")), alt.Tooltip("city:N", title=t("charts.place")),
                 alt.Tooltip("organisations:Q", title=t("charts.organisations"))],
    )
    text = base.mark_text(fontSize=11).encode(
        text="organisations:Q",
        color=alt.condition(alt.datum.organisations > counts["organisations"].max() / 2, alt.value("white"),
                            alt.value("#1f2d3d")),
    )
    return (cells + text).properties(height=34 * len(sectors))
