"""Widgets shared by the pages: sidebar filters, organisation pickers, result tables and profile cards.

User-written text (profiles, reasons, notes) is only ever shown through :func:`safe` (Markdown with every
special character escaped) or inside ``st.dataframe``: never as HTML, never as live Markdown.

Example:
    >>> safe("**Hi** <b>there</b> [link](http://x)")
    '\\\\*\\\\*Hi\\\\*\\\\* \\\\<b\\\\>there\\\\</b\\\\> \\\\[link\\\\]\\\\(http\\\\://x\\\\)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from ..filters import Filters
from ..rank import Match
from ..schema import Profile
from ..vocab import ORG_TYPES, SECTOR_LABELS, SECTORS, STAGES, normalize_country

__all__ = [
    "FilterChoice",
    "filter_sidebar",
    "headline",
    "label_of",
    "matches_frame",
    "open_organisation",
    "org_picker",
    "profile_card",
    "profile_form",
    "safe",
    "show_matches",
    "type_label",
]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")


def safe(text: Any) -> str:
    """Escapes Markdown, HTML, LaTeX (``$``) and Streamlit directives (``:red[...]``, ``:emoji:``) in ``text``,
    so ``st.markdown(safe(text))`` shows it literally. Line breaks are kept as Markdown line breaks."""
    escaped = _MD_SPECIAL.sub(r"\\\1", str(text))
    return escaped.replace("\n", "  \n")


def type_label(org_type: str) -> str:
    """``research_institute`` -> ``Research institute``."""
    return org_type.replace("_", " ").capitalize() if org_type != "sme" else "SME"


def stage_label(stage: str | None) -> str:
    """``series_a`` -> ``Series A``; empty for None."""
    if not stage:
        return ""
    return " ".join(w.upper() if len(w) == 1 else w.capitalize() for w in stage.split("_"))


@dataclass(frozen=True)
class FilterChoice:
    """What the sidebar filters say.

    Attributes:
        filters: Which organisations may appear.
        other_city_only: Suggest organisations in other cities only.
        k: How many results.
    """

    filters: Filters
    other_city_only: bool
    k: int


def filter_sidebar(catalog: pd.DataFrame, *, other_city: bool = True) -> FilterChoice:
    """Draws the shared filters in the sidebar and returns what they say (defaults: :data:`state.DEFAULTS`).

    Args:
        catalog: Every profile (for the cities and countries on offer).
        other_city: Offer the "other cities only" switch.
    """
    sidebar = st.sidebar
    sidebar.header("Filters")
    cities = sorted(catalog["city"].unique().tolist())
    countries = sorted(catalog["country"].unique().tolist())
    city = sidebar.multiselect("Cities", cities, key="f_city", help="Only organisations in these cities.")
    country = sidebar.multiselect("Countries", countries, key="f_country", help="ISO country codes.")
    org_type = sidebar.multiselect("Organisation types", ORG_TYPES, key="f_type", format_func=type_label)
    sector = sidebar.multiselect(
        "Sectors", SECTORS, key="f_sector", format_func=lambda s: SECTOR_LABELS.get(s, s), help="Any of these."
    )
    stage = sidebar.multiselect("Stage", STAGES, key="f_stage", format_func=stage_label, help="Company stage.")
    other = True
    if other_city:
        other = sidebar.toggle(
            "Other cities only", key="f_other_city",
            help="The alliance connects cities: leave on to hide organisations of the asker's own city.",
        )
    k = sidebar.slider("Results", min_value=5, max_value=50, step=5, key="f_k")
    filters = Filters(
        city=tuple(city), country=tuple(country), org_type=tuple(org_type), sector=tuple(sector), stage=tuple(stage)
    )
    return FilterChoice(filters, other, k)


def label_of(catalog: pd.DataFrame) -> dict[str, str]:
    """Maps each id to ``Name · City (type)`` for pickers."""
    types = catalog["org_type"].map(type_label)
    labels = catalog["name"] + " · " + catalog["city"] + " (" + types + ")"
    return dict(zip(catalog["id"], labels, strict=True))


def org_picker(
    label: str, labels: Mapping[str, str], *, key: str, default: str | None = None, help: str | None = None
) -> str | None:
    """A searchable select box of organisations; returns the chosen id (None when there is none to choose).

    Args:
        label: The widget's label.
        labels: Display label per id, in the order offered (see :func:`matcher.ui.state.labels`).
        key: Widget key.
        default: Id chosen before the user picks one.
        help: Tooltip.
    """
    ids = list(labels)
    if not ids:
        return None
    # The default only seeds an untouched picker: once the session holds a choice, it wins.
    index = ids.index(default) if default is not None and default in labels and key not in st.session_state else None
    return st.selectbox(
        label, ids, index=index, key=key, format_func=labels.__getitem__, help=help,
        placeholder="Type a name to search ...",
    )


def matches_frame(matches: Sequence[Match]) -> pd.DataFrame:
    """One row per match for ``st.dataframe``: rank, organisation, place, type, the score and its band, the two
    fits, the top reason."""
    return pd.DataFrame(
        {
            "#": range(1, len(matches) + 1),
            "Organisation": [m.name for m in matches],
            "City": [f"{m.city} ({m.country})" for m in matches],
            "Type": [type_label(m.org_type) for m in matches],
            "Score": [m.score for m in matches],
            "Match": [str(m.band) for m in matches],
            "Fit for you": [m.fit_for_query for m in matches],
            "Fit for them": [m.fit_for_candidate for m in matches],
            "Why": [headline(m.reasons) for m in matches],
            "id": [m.id for m in matches],
        }
    )


def headline(reasons: Sequence[str]) -> str:
    """The reason to show first in a table: the first that quotes both profiles, else the strongest.

    Example:
        >>> headline(["Startup-investor fit.", 'Their offer "seed rounds" meets your need "a seed round".'])
        'Their offer "seed rounds" meets your need "a seed round".'
    """
    return next((r for r in reasons if '"' in r), reasons[0] if reasons else "")


def _score_column(label: str, help: str) -> Any:
    return st.column_config.ProgressColumn(label, help=help, min_value=0.0, max_value=1.0, format="%.2f", width=110)


def _fit_column(label: str, help: str) -> Any:
    return st.column_config.NumberColumn(label, help=help, format="%.2f", width=85)


def show_matches(matches: Sequence[Match], *, key: str) -> None:
    """The matches as a table with score bars (text is shown as text)."""
    st.dataframe(
        matches_frame(matches),
        key=key,
        hide_index=True,
        width="stretch",
        column_order=("#", "Organisation", "City", "Type", "Score", "Match", "Fit for you", "Fit for them", "Why"),
        column_config={
            "#": st.column_config.NumberColumn("#", width=40),
            "Organisation": st.column_config.TextColumn("Organisation", width=220),
            "City": st.column_config.TextColumn("City", width=145),
            "Type": st.column_config.TextColumn("Type", width=110),
            "Score": _score_column("Score", "Both ways: the harmonic mean of the two fits, so both must be good."),
            "Match": st.column_config.TextColumn(
                "Match", width=80, help="strong / possible / weak: bands measured on the demo's known good pairs."
            ),
            "Fit for you": _fit_column("Fit for you", "How much they offer what you seek (0 to 1)."),
            "Fit for them": _fit_column("Fit for them", "How much you offer what they seek (0 to 1)."),
            "Why": st.column_config.TextColumn("Why", width="large"),
        },
    )


_CARD_FIELDS: tuple[tuple[str, str], ...] = (
    ("description", "About"),
    ("offers", "Offers"),
    ("seeks", "Seeks"),
)


def profile_card(fields: Mapping[str, Any]) -> None:
    """Shows the fields of a profile that the caller may see (see :meth:`matcher.ui.access.Access.profile`)."""
    st.subheader(safe(fields["name"]), anchor=False)
    meta = [type_label(fields["org_type"]), f"{fields['city']} ({fields['country']})"]
    if fields.get("stage"):
        meta.append(stage_label(fields["stage"]))
    if fields.get("employees"):
        meta.append(f"{fields['employees']} people")
    if fields.get("founded"):
        meta.append(f"founded {fields['founded']}")
    st.caption(safe(" · ".join(meta)))
    sectors = [SECTOR_LABELS.get(s, s) for s in fields.get("sectors", ())] + list(fields.get("tags", ()))
    if sectors:
        st.markdown(" ".join(f"`{s.replace('`', '')}`" for s in sectors))
    for name, title in _CARD_FIELDS:
        if fields.get(name):
            st.markdown(f"**{title}**")
            st.markdown(safe(fields[name]))
    if fields.get("technologies"):
        st.markdown("**Technologies:** " + safe(", ".join(fields["technologies"])))
    website = fields.get("website")
    if website and str(website).startswith(("https://", "http://")):
        st.link_button("Website", str(website))


ORGANISATION_PAGE = "matcher/ui/pages/organisation.py"
FIND_PAGE = "matcher/ui/pages/find.py"
MAX_TEXT = 5_000
"""Longest text accepted in a typed-in profile field."""


def open_organisation(profile_id: str) -> None:
    """Switches to the Organisation page, showing ``profile_id``."""
    st.session_state["org_pick"] = profile_id
    st.switch_page(ORGANISATION_PAGE)


def _typed_profile(profile_id: str, values: Mapping[str, Any]) -> tuple[Profile | None, list[str]]:
    """A profile from the form's values, or the problems with them in words."""
    problems = []
    name = values["name"].strip()
    if not name:
        problems.append("Give the organisation's name.")
    country = normalize_country(values["country"]) if values["country"].strip() else None
    if country is None:
        problems.append("Give the country as a name or an ISO code (for example Korea or KR).")
    if not values["city"].strip():
        problems.append("Give the city.")
    if not any(values[f].strip() for f in ("description", "offers", "seeks")):
        problems.append("Describe the organisation, what it offers or what it seeks: matching needs some text.")
    problems += [
        f"{title} is too long ({len(values[f])} characters; at most {MAX_TEXT})."
        for f, title in _CARD_FIELDS
        if len(values[f]) > MAX_TEXT
    ]
    if problems:
        return None, problems
    profile = Profile(
        id=profile_id,
        name=name,
        org_type=values["org_type"],
        city=values["city"].strip(),
        country=str(country),
        sectors=tuple(values["sectors"]),
        description=values["description"].strip(),
        offers=values["offers"].strip(),
        seeks=values["seeks"].strip(),
        stage=values["stage"],
    )
    return profile, []


def profile_form(*, key: str, profile_id: str, base: Profile | None, help: str) -> Profile | None:
    """A form to type or paste a profile; returns the last profile submitted (kept in the session only)."""
    with st.form(key):
        st.caption(help)
        name = st.text_input("Name", value=base.name if base else "", max_chars=200, key=f"{key}_name")
        left, middle, right, last = st.columns(4)
        types = list(ORG_TYPES)
        org_type = left.selectbox(
            "Type", types, index=types.index(base.org_type) if base else 0, format_func=type_label, key=f"{key}_type"
        )
        city = middle.text_input("City", value=base.city if base else "", max_chars=100, key=f"{key}_city")
        country = right.text_input(
            "Country", value=base.country if base else "", max_chars=60, help="A name or ISO code.",
            key=f"{key}_country",
        )
        stages = [None, *STAGES]
        stage = last.selectbox("Stage", stages, index=stages.index(base.stage) if base and base.stage in stages else 0,
                               format_func=lambda s: stage_label(s) or "(not a company)", key=f"{key}_stage")
        sectors = st.multiselect("Sectors", SECTORS, default=[s for s in base.sectors if s in SECTORS] if base else [],
                                 format_func=lambda s: SECTOR_LABELS.get(s, s), key=f"{key}_sectors")
        texts = {
            field: st.text_area(title, value=getattr(base, field) if base else "", height=100, key=f"{key}_{field}")
            for field, title in _CARD_FIELDS
        }
        submitted = st.form_submit_button(
            "Find partners for this profile", type="primary", icon=":material/search:", key=f"{key}_submit"
        )
    if submitted:
        values = {"name": name, "org_type": org_type, "city": city, "country": country, "stage": stage,
                  "sectors": sectors, **texts}
        profile, problems = _typed_profile(profile_id, values)
        if problems:
            st.error("  \n".join(problems))
        st.session_state[f"{key}_profile"] = profile
    return st.session_state.get(f"{key}_profile")
