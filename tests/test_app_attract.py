"""The app's "Attract investment" page (issue #13), driven with AppTest, and who may reach it.

The workspace holds the first five bio profiles of each alliance city (the ``bio_subset`` fixture) and a lead
planted for Daejeon here: Rheinfeld Bioprocessing AG (Basel, a multinational) offers the GMP bioconjugation that
Hanbit Bioworks (``dj-bio-001``) seeks and the CHO cell-line development that Saebyeol Therapeutics
(``dj-bio-002``) seeks, and seeks a site in a Korean research park. Its copy in Boston has a name full of markup,
to show that names are shown as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from matcher.api import Matcher
from matcher.attract import Beneficiary, CityFit, CityFits, Lead
from matcher.auth import AccessDenied, User, add_user, users_path
from matcher.embed import Encoder
from matcher.policy import Access
from matcher.ui.i18n import translate
from matcher.ui.pages.attract import counts_frame, fit_summary, gaps_chart, leads_frame

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "matcher" / "ui" / "entry" / "streamlit_app.py"
PAGES = REPO / "matcher" / "ui" / "pages"
PAGE = str(PAGES / "attract.py")
TIMEOUT = 600
"""Seconds one script run may take: the first loads the model and ranks every pair (slow on a busy machine)."""

OFFICER = User("attract-officer", "officer")
STARTUP = User("attract-startup", "startup", org_id="dj-bio-001")
LEAD = "zz-lead"
PLANTED = {
    "id": LEAD,
    "name": "Rheinfeld Bioprocessing AG",
    "org_type": "multinational",
    "city": "Basel",
    "country": "CH",
    "sectors": "bioprocessing_cdmo;antibody_drug_conjugates;biologics",
    "description": "A Swiss contract development and manufacturing group with sites in Europe and the United States.",
    "offers": "GMP bioconjugation of antibody-drug conjugates in high-potency suites, with sterile vial filling and "
    "lyophilisation; stable high-titre CHO cell line development and upstream fed-batch process development.",
    "seeks": "A site in a Korean research park for an Asian bioprocessing centre, and Korean biotech startups whose "
    "antibodies and conjugates are heading for the clinic.",
}
"""The lead planted for Daejeon: it offers what Hanbit and Saebyeol seek."""
MARKUP_NAME = "**Bold** <img src=x onerror=alert(1)> [Pharma](http://x) :red[Corp]"
"""The name of an outside multinational: shown as text, never as Markdown or HTML."""
WriteCsv = Callable[..., tuple[Path, Path]]


def _with_planted_leads(profiles: pd.DataFrame) -> pd.DataFrame:
    """Adds the planted lead, and its copy in Boston named with markup."""
    copy = {**PLANTED, "id": "zz-markup", "name": MARKUP_NAME, "city": "Boston", "country": "US"}
    return pd.concat([profiles, pd.DataFrame([PLANTED, copy])], ignore_index=True).fillna("")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, bio_subset: WriteCsv, minilm: Encoder) -> Iterator[Path]:
    """A workspace of 32 bio profiles, indexed, with an officer's and a startup's account."""
    root = tmp_path_factory.mktemp("attract-app")
    profiles, edges = bio_subset(root / "data", edit=_with_planted_leads)
    matcher = Matcher(root / "ws", encoder=minilm)
    matcher.import_profiles(profiles)
    matcher.import_partnerships(edges)
    matcher.build()
    matcher.store.close()
    add_user(users_path(root / "ws"), OFFICER.name, "officer", "officer-secret", iterations=1_000)
    add_user(users_path(root / "ws"), STARTUP.name, "startup", "startup-secret", org_id="dj-bio-001", iterations=1_000)
    yield root / "ws"


@pytest.fixture
def app_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(home))
    return home


@pytest.fixture(scope="module")
def officer_access(home: Path) -> Access:
    return Access(Matcher(home), OFFICER)


def page(user: User, *, lang: str | None = None) -> AppTest:
    """The app signed in as ``user``, switched to the Attract investment page and run."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["user"] = user
    if lang is not None:
        at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything written as Markdown, captions, titles and alerts, joined (escapes removed)."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.subheader, *at.info, *at.error,
                              *at.warning, *at.success)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def leads_table(at: AppTest) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if {"Organisation", "Who would gain"} <= set(frame.value.columns))


# ---------------------------------------------------------------------------------------------------- units


def test_counts_are_listed_largest_first_with_their_labels() -> None:
    frame = counts_frame({"energy": 2, "ai": 5, "quantum": 2}, str.upper, "Sector")
    assert frame.to_dict("list") == {"Sector": ["AI", "ENERGY", "QUANTUM"], "Count": [5, 2, 2]}


def test_the_gaps_chart_draws_seeking_and_offering_per_sector() -> None:
    table = pd.DataFrame({"sector": ["Biologics", "AI"], "seeking": [5, 0], "offering": [1, 3],
                          "balance": [0.57, -0.75]})
    spec = gaps_chart(table).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["sort"] == ["Biologics", "AI"]  # sought most over offered first
    assert {row["side"] for row in spec["datasets"][next(iter(spec["datasets"]))]} == {"Seeking", "Offering"}


def test_the_leads_table_names_each_leads_local_beneficiaries() -> None:
    lead = Lead("x", "X Pharma", "Basel", "CH", "multinational", 0.5,
                (Beneficiary("a", "A", 0.4, "r"), Beneficiary("b", "B", 0.3, "s")), ("Fits 2 organisations.",))
    frame = leads_frame([lead])
    assert frame[["Organisation", "City", "Type", "Who would gain", "Why"]].iloc[0].tolist() == [
        "X Pharma", "Basel (CH)", "Multinational", "A, B", "Fits 2 organisations.",
    ]  # fmt: skip


def test_the_leads_table_marks_a_beneficiary_that_is_a_partner_of_the_lead_already() -> None:
    lead = Lead("x", "X Pharma", "Basel", "CH", "multinational", 0.5,
                (Beneficiary("a", "A", 0.4, "r", partner=True), Beneficiary("b", "B", 0.3, "s")), ())
    assert leads_frame([lead]).loc[0, "Who would gain"] == "A (already a partner), B"


# ---------------------------------------------------------------------------------------------------- who


def test_a_startup_is_refused_attraction_by_the_policy(tmp_path: Path) -> None:
    startup = Access(Matcher(tmp_path), STARTUP)  # refused before anything is read
    for call in (lambda: startup.leads("Daejeon"), lambda: startup.gaps("Daejeon"),
                 lambda: startup.cluster("Daejeon"), lambda: startup.strategy("Daejeon"),
                 lambda: startup.fit_cities(LEAD),
                 lambda: startup.set_strategy("Daejeon", sectors=["biologics"], text="")):
        with pytest.raises(AccessDenied):
            call()


@pytest.mark.slow
def test_a_startup_neither_sees_the_page_nor_reaches_it(app_home: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["user"] = STARTUP
    at.run()
    assert not at.exception, at.exception
    with pytest.raises(ValueError):  # not among the startup's pages
        at.switch_page(PAGE)
    direct = AppTest.from_file(PAGE, default_timeout=TIMEOUT)  # the page's script itself refuses too
    direct.session_state["user"] = STARTUP
    direct.run()
    assert [e.value for e in direct.error] == [translate("en", "attract.officers_only")]
    assert not direct.dataframe and not direct.tabs


# ---------------------------------------------------------------------------------------------------- officer


@pytest.mark.slow
def test_an_officer_sees_leads_for_daejeon_with_their_local_beneficiaries(app_home: Path) -> None:
    at = page(OFFICER)
    assert at.selectbox(key="att_city").value == "Daejeon"  # an officer's record names no city
    leads = leads_table(at)
    assert "Rheinfeld Bioprocessing AG" in set(leads["Organisation"])
    assert "Daejeon (KR)" not in set(leads["City"])
    shown = texts(at)
    assert "Who in Daejeon would gain" in shown
    evidence = at.session_state["att_cache"][1]
    planted = next(lead for lead in evidence.results if lead.id == LEAD)
    gainers = {b.id for b in planted.local_beneficiaries}
    assert gainers & {"dj-bio-001", "dj-bio-002"}
    assert all(b.name in shown and b.reason for b in planted.local_beneficiaries)


@pytest.mark.slow
def test_the_evidence_says_whose_words_the_beneficiaries_reasons_are_in(app_home: Path) -> None:
    shown = texts(page(OFFICER))
    assert 'Each reason is worded for the local organisation: "your" is theirs, "their" is the lead\'s.' in shown


@pytest.mark.slow
def test_names_with_markup_are_shown_as_text(app_home: Path) -> None:
    at = page(OFFICER)
    assert MARKUP_NAME in set(leads_table(at)["Organisation"])  # a table cell is text
    raw = "\n".join(str(e.label) for e in at.expander)
    assert "<img" not in raw.replace("\\<img", "") and "\\*\\*Bold\\*\\*" in raw


@pytest.mark.slow
def test_the_cluster_view_counts_the_citys_organisations(app_home: Path, officer_access: Access) -> None:
    at = page(OFFICER)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Organisations"] == str(officer_access.cluster("Daejeon").organisations)
    assert "Gaps" in [tab.label for tab in at.tabs]


@pytest.mark.slow
def test_an_officer_saves_the_citys_strategy(app_home: Path, officer_access: Access) -> None:
    at = page(OFFICER)
    at.selectbox(key="att_city").select("Seattle").run()
    at.multiselect(key="att_sectors_Seattle").select("bioprocessing_cdmo")
    at.text_area(key="att_text_Seattle").input("A **CDMO** site <script>x</script>")
    at.button(key="att_save_Seattle").click().run()
    assert not at.exception, at.exception
    saved = officer_access.strategy("Seattle")
    assert saved.sectors == ("bioprocessing_cdmo",) and saved.updated_by == OFFICER.name
    assert saved.text == "A **CDMO** site <script>x</script>"


@pytest.mark.slow
def test_leads_are_ranked_again_once_the_strategy_names_their_sector(app_home: Path, officer_access: Access) -> None:
    at = page(OFFICER)
    target = "a target of Daejeon's strategy"
    assert target not in texts(at)
    at.multiselect(key="att_sectors_Daejeon").select("bioprocessing_cdmo")
    at.button(key="att_save_Daejeon").click().run()
    try:
        assert not at.exception, at.exception
        assert target in texts(at)  # the planted lead works in bioprocessing
    finally:
        officer_access.set_strategy("Daejeon", sectors=[], text="")


@pytest.mark.slow
def test_a_lead_added_to_the_pipeline_creates_an_investment_list_owned_by_the_officer(
    app_home: Path, officer_access: Access
) -> None:
    at = page(OFFICER)
    at.button(key=f"att_add_{LEAD}").click().run()
    assert not at.exception, at.exception
    lists = officer_access.shortlists()
    created = lists[lists["name"] == "Investment leads: Daejeon"]
    assert created[["purpose", "owner"]].values.tolist() == [["investment", OFFICER.name]]
    entries = officer_access.shortlist_entries(int(created["id"].iloc[0]))
    assert entries[["profile_id", "stage", "owner"]].values.tolist() == [[LEAD, "identified", OFFICER.name]]



@pytest.mark.slow
def test_a_pipeline_entry_moves_through_the_investment_stages_with_its_owner_and_note(
    app_home: Path, officer_access: Access
) -> None:
    pipeline = officer_access.create_shortlist("Calgary visits", purpose="investment")
    officer_access.set_shortlist_entry(pipeline, LEAD, owner=OFFICER.name)
    at = page(OFFICER)
    at.selectbox(key="att_pipeline").select(pipeline).run()
    key = f"{pipeline}_{LEAD}"
    assert at.selectbox(key=f"att_stage_{key}").value == "identified"
    at.selectbox(key=f"att_stage_{key}").select("site_visit").run()
    at.text_input(key=f"att_owner_{key}").input("mina").run()
    at.text_input(key=f"att_note_{key}").input("Visit in <March>").run()
    assert not at.exception, at.exception
    entry = officer_access.shortlist_entries(pipeline).iloc[0]
    assert (entry["stage"], entry["owner"], entry["note"]) == ("site_visit", "mina", "Visit in <March>")
    at.button(key=f"att_remove_{key}").click().run()
    assert officer_access.shortlist_entries(pipeline).empty
    officer_access.delete_shortlist(pipeline)  # other tests start without it


@pytest.mark.slow
def test_compare_cities_shows_the_leads_fit_with_each_city_and_the_honest_summary(
    app_home: Path, officer_access: Access
) -> None:
    at = page(OFFICER)
    at.button(key=f"att_compare_{LEAD}").click().run()
    assert not at.exception, at.exception
    fits = officer_access.fit_cities(LEAD, city="Daejeon")
    best = fits.fits[0]
    assert any(f"fits {best.city} best" in info.value.replace("\\", "") for info in at.info)
    columns = ["City", "Score", "Why"]
    table = next(frame.value for frame in at.dataframe if list(frame.value.columns) == columns)
    assert table["City"].tolist() == [fit.city for fit in fits.fits]


@pytest.mark.parametrize(
    ("lang", "best", "rank"),
    [("en", "Acme fits Seattle best", "Daejeon ranks 2 of 2"), ("ko", "Acme은(는) Seattle에 가장 잘 맞", "2위"),
     ("de", "Acme passt am besten nach Seattle", "Platz 2 von 2"), ("es", "Acme encaja mejor en Seattle", "puesto 2")],
)  # fmt: skip
def test_the_comparison_summary_speaks_the_users_language(lang: str, best: str, rank: str) -> None:
    fits = CityFits("acme", "Acme", "Boston", (CityFit("Seattle", 0.6, (), ()), CityFit("Daejeon", 0.4, (), ())), "")
    summary = fit_summary(fits, "Daejeon", lang)
    assert best in summary and rank in summary


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ko", "de", "es"])
def test_the_page_renders_in_every_language(app_home: Path, lang: str) -> None:
    at = page(OFFICER, lang=lang)
    assert [title.value for title in at.title] == [translate(lang, "nav.attract")]
    assert [tab.label for tab in at.tabs][2] == translate(lang, "attract.tab_leads")
