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
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ..export import readable
from ..filters import Filters
from ..rank import Match
from ..schema import Profile
from ..vocab import ORG_TYPES, SECTORS, STAGES, normalize_city, normalize_country
from .i18n import language, t, vocab_label
from .localise import band_label, localise_reasons, sector_label

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


def type_label(org_type: str, lang: str | None = None) -> str:
    """``research_institute`` -> ``Research institute`` (``연구기관`` in Korean; default: the session's language)."""
    return vocab_label("type", org_type, readable, lang)  # English words as exports write them


def _english_stage(stage: str) -> str:
    return " ".join(w.upper() if len(w) == 1 else w.capitalize() for w in stage.split("_"))


def stage_label(stage: str | None, lang: str | None = None) -> str:
    """``series_a`` -> ``Series A`` (``시리즈 A`` in Korean); empty for None."""
    if not stage:
        return ""
    return vocab_label("stage", stage, _english_stage, lang)


def pipeline_label(stage: str) -> str:
    """A shortlist stage: ``contacted`` -> ``Contacted`` (``연락함`` in Korean)."""
    return vocab_label("pipeline", stage, _english_stage)


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
    sidebar.header(t("filters.title"))
    cities = sorted(catalog["city"].unique().tolist())
    countries = sorted(catalog["country"].unique().tolist())
    choose = t("filters.choose")
    city = sidebar.multiselect(
        t("filters.cities"), cities, key="f_city", help=t("filters.cities_help"), placeholder=choose
    )
    country = sidebar.multiselect(
        t("filters.countries"), countries, key="f_country", help=t("filters.countries_help"), placeholder=choose
    )
    org_type = sidebar.multiselect(
        t("filters.types"), ORG_TYPES, key="f_type", format_func=type_label, placeholder=choose
    )
    sector = sidebar.multiselect(
        t("filters.sectors"), SECTORS, key="f_sector", format_func=sector_label, help=t("filters.sectors_help"),
        placeholder=choose,
    )
    stage = sidebar.multiselect(
        t("filters.stage"), STAGES, key="f_stage", format_func=stage_label, help=t("filters.stage_help"),
        placeholder=choose,
    )
    other = True
    if other_city:
        other = sidebar.toggle(t("filters.other_city"), key="f_other_city", help=t("filters.other_city_help"))
    k = sidebar.slider(t("filters.results"), min_value=5, max_value=50, step=5, key="f_k")
    filters = Filters(
        city=tuple(city), country=tuple(country), org_type=tuple(org_type), sector=tuple(sector), stage=tuple(stage)
    )
    return FilterChoice(filters, other, k)


def label_of(catalog: pd.DataFrame, lang: str | None = None) -> dict[str, str]:
    """Maps each id to ``Name · City (type)`` for pickers (the type in ``lang``, default the session's)."""
    lang = language() if lang is None else lang
    types = catalog["org_type"].map(lambda org_type: type_label(org_type, lang))
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
        placeholder=t("filters.picker_placeholder"),
    )


def matches_frame(matches: Sequence[Match]) -> pd.DataFrame:
    """One row per match for ``st.dataframe``: rank, organisation, place, type, the score and its band, the two
    fits, the top reason. Columns are named in English (the table's headings are translated where it is shown);
    the type, band and reason are in the session's language, the reason quoting the profiles as written."""
    lang = language()
    return pd.DataFrame(
        {
            "#": range(1, len(matches) + 1),
            "Organisation": [m.name for m in matches],
            "City": [f"{m.city} ({m.country})" for m in matches],
            "Type": [type_label(m.org_type, lang) for m in matches],
            "Score": [m.score for m in matches],
            "Match": [band_label(m.band, lang) for m in matches],
            "Fit for you": [m.fit_for_query for m in matches],
            "Fit for them": [m.fit_for_candidate for m in matches],
            "Why": localise_reasons([headline(m.reasons) for m in matches], lang),
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


ROW_HEIGHT = 72
"""Pixels per row of the results table: three lines, so a long "Why" wraps instead of being cut off (Streamlit's
table wraps text only in rows taller than 4rem, 64 px)."""


def show_matches(matches: Sequence[Match], *, key: str) -> None:
    """The matches as a table with score bars (text is shown as text; the reason wraps over three lines)."""
    st.dataframe(
        matches_frame(matches),
        key=key,
        hide_index=True,
        width="stretch",
        row_height=ROW_HEIGHT,
        column_order=("#", "Organisation", "City", "Type", "Score", "Match", "Fit for you", "Fit for them", "Why"),
        column_config={
            "#": st.column_config.NumberColumn(t("table.rank"), width=40),
            "Organisation": st.column_config.TextColumn(t("table.organisation"), width=220),
            "City": st.column_config.TextColumn(t("table.city"), width=145),
            "Type": st.column_config.TextColumn(t("table.type"), width=110),
            "Score": _score_column(t("table.score"), t("table.score_help")),
            "Match": st.column_config.TextColumn(t("table.match"), width=80, help=t("table.match_help")),
            "Fit for you": _fit_column(t("table.fit_you"), t("table.fit_you_help")),
            "Fit for them": _fit_column(t("table.fit_them"), t("table.fit_them_help")),
            "Why": st.column_config.TextColumn(t("table.why"), width="large"),
        },
    )


_CARD_FIELDS: tuple[tuple[str, str], ...] = (
    ("description", "card.about"),
    ("offers", "card.offers"),
    ("seeks", "card.seeks"),
)
"""The text fields of a profile and the message that titles each."""


def profile_card(fields: Mapping[str, Any]) -> None:
    """Shows the fields of a profile that the caller may see (see :meth:`matcher.policy.Access.profile`)."""
    st.subheader(safe(fields["name"]), anchor=False)
    meta = [type_label(fields["org_type"]), f"{fields['city']} ({fields['country']})"]
    if fields.get("stage"):
        meta.append(stage_label(fields["stage"]))
    if fields.get("employees"):
        meta.append(t("card.people", n=fields["employees"]))
    if fields.get("founded"):
        meta.append(t("card.founded", year=str(fields["founded"])))  # a year, not a count: no digit grouping
    st.caption(safe(" · ".join(meta)))
    sectors = [sector_label(s) for s in fields.get("sectors", ())] + list(fields.get("tags", ()))
    if sectors:
        st.markdown(" ".join(f"`{s.replace('`', '')}`" for s in sectors))
    for name, title in _CARD_FIELDS:
        if fields.get(name):
            st.markdown(f"**{t(title)}**")
            st.markdown(safe(fields[name]))
    if fields.get("technologies"):
        st.markdown(f"**{t('card.technologies')}** " + safe(", ".join(fields["technologies"])))
    website = fields.get("website")
    if website and str(website).startswith(("https://", "http://")):
        st.link_button(t("card.website"), str(website))


# Absolute: st.switch_page resolves a page relative to the script Streamlit runs, which is
# matcher/ui/entry/streamlit_app.py under `matcher app` and the checkout's app_streamlit.py under `streamlit run`.
ORGANISATION_PAGE = str(Path(__file__).resolve().parent / "pages" / "organisation.py")
FIND_PAGE = str(Path(__file__).resolve().parent / "pages" / "find.py")
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
        problems.append(t("form.name_missing"))
    country = normalize_country(values["country"]) if values["country"].strip() else None
    if country is None:
        problems.append(t("form.country_missing"))
    if not values["city"].strip():
        problems.append(t("form.city_missing"))
    if not any(values[f].strip() for f in ("description", "offers", "seeks")):
        problems.append(t("form.text_missing"))
    problems += [
        t("form.too_long", field=t(title), length=len(values[f]), limit=MAX_TEXT)
        for f, title in _CARD_FIELDS
        if len(values[f]) > MAX_TEXT
    ]
    if problems:
        return None, problems
    profile = Profile(
        id=profile_id,
        name=name,
        org_type=values["org_type"],
        city=normalize_city(values["city"], str(country)),  # 대전 is Daejeon: the other-city rule holds
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
        name = st.text_input(t("form.name"), value=base.name if base else "", max_chars=200, key=f"{key}_name")
        left, middle, right, last = st.columns(4)
        types = list(ORG_TYPES)
        org_type = left.selectbox(
            t("form.type"), types, index=types.index(base.org_type) if base else 0, format_func=type_label,
            key=f"{key}_type",
        )
        city = middle.text_input(t("form.city"), value=base.city if base else "", max_chars=100, key=f"{key}_city")
        country = right.text_input(
            t("form.country"), value=base.country if base else "", max_chars=60, help=t("form.country_help"),
            key=f"{key}_country",
        )
        stages = [None, *STAGES]
        stage = last.selectbox(
            t("form.stage"), stages, index=stages.index(base.stage) if base and base.stage in stages else 0,
            format_func=lambda s: stage_label(s) or t("form.not_company"), key=f"{key}_stage",
        )
        sectors = st.multiselect(
            t("form.sectors"), SECTORS, default=[s for s in base.sectors if s in SECTORS] if base else [],
            format_func=sector_label, key=f"{key}_sectors", placeholder=t("filters.choose"),
        )
        texts = {
            field: st.text_area(t(title), value=getattr(base, field) if base else "", height=100, key=f"{key}_{field}")
            for field, title in _CARD_FIELDS
        }
        submitted = st.form_submit_button(
            t("form.submit"), type="primary", icon=":material/search:", key=f"{key}_submit"
        )
    if submitted:
        values = {"name": name, "org_type": org_type, "city": city, "country": country, "stage": stage,
                  "sectors": sectors, **texts}
        profile, problems = _typed_profile(profile_id, values)
        if problems:
            st.error("  \n".join(problems))
        st.session_state[f"{key}_profile"] = profile
    return st.session_state.get(f"{key}_profile")
