"""The Streamlit app: sign-in and roles, every page, and the main interactions, driven with AppTest.

The app runs against a small workspace built once per session: 30 bio profiles of the demo data (five per
alliance place) with the planted pairs among them, e.g. Hanbit Bioworks (dj-bio-001) seeks GMP manufacturing of
its ADC, which Biomédica Costa del Sol (ma-bio-001) and Bow River Biomanufacturing (ca-bio-002) offer.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from matcher.api import Matcher
from matcher.auth import (
    DEMO_STARTUP_ORG,
    AccessDenied,
    User,
    UsersFileError,
    add_user,
    ensure_demo_users,
    load_users,
    require_officer,
    set_language,
    users_path,
    verify,
)
from matcher.embed import Encoder
from matcher.filters import Filters
from matcher.policy import Access, redact_reasons
from matcher.rank import Match
from matcher.schema import Profile
from matcher.ui.charts import city_flows, city_points, flow_map, sector_city_counts
from matcher.ui.i18n import translate
from matcher.ui.launch import streamlit_command
from matcher.ui.widgets import matches_frame, safe

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "matcher" / "ui" / "entry" / "streamlit_app.py"
"""The script `matcher app` serves (app_streamlit.py, for `streamlit run` in a checkout, runs it too)."""
PAGES = str(REPO / "matcher" / "ui" / "pages")
TIMEOUT = 600
"""Seconds one script run may take: the first loads the model and fits the ranking (slow on a busy machine)."""

OFFICER = User("olga", "officer")
STARTUP = User("hanbit", "startup", org_id="dj-bio-001")
PASSWORD = "olga-secret-1"
WriteCsv = Callable[..., tuple[Path, Path]]
"""The ``bio_subset`` fixture (tests/conftest.py)."""
FAST = 1_000
"""PBKDF2 rounds for test accounts: sign-in is tested, not key stretching."""


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory, bio_subset: WriteCsv, default_encoder: Encoder) -> Iterator[Path]:
    """A workspace with 30 demo bio profiles, indexed with the default encoder (the app's), and an officer and a
    startup account."""
    root = tmp_path_factory.mktemp("app-ws")
    profiles, edges = bio_subset(root / "data")
    matcher = Matcher(root / "ws", encoder=default_encoder)
    matcher.import_profiles(profiles)
    matcher.import_partnerships(edges)
    matcher.build()
    matcher.store.close()
    add_user(users_path(root / "ws"), OFFICER.name, "officer", PASSWORD, iterations=FAST)
    add_user(users_path(root / "ws"), STARTUP.name, "startup", "hanbit-secret", org_id="dj-bio-001", iterations=FAST)
    yield root / "ws"


@pytest.fixture
def app_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The session workspace, as the app sees it (MATCHER_HOME)."""
    monkeypatch.setenv("MATCHER_HOME", str(home))
    return home


def app(user: User | None = None, page: str | None = None, *, lang: str | None = None) -> AppTest:
    """The app, run once, signed in as ``user``, on ``page`` (a file under matcher/ui/pages), in ``lang`` (the
    language menu's choice; English when None)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if user is not None:
        at.session_state["user"] = user
    if lang is not None:
        at.session_state["lang"] = lang
    at.run()
    if page is not None:
        at.switch_page(f"{PAGES}/{page}").run()
    assert not at.exception, at.exception
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [element.value for element in at.dataframe]


def texts(at: AppTest) -> str:
    """Everything written as Markdown, captions, titles and alerts, joined (escapes removed)."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.subheader, *at.info, *at.error,
                              *at.warning, *at.success)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def pick_organisation(at: AppTest, profile_id: str) -> AppTest:
    at.selectbox(key="find_org").select(profile_id).run()
    assert not at.exception, at.exception
    return at


# ---------------------------------------------------------------------------------------------------- sign-in


def test_a_user_added_to_the_file_signs_in_with_the_password(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user(path, "mina", "officer", "correct horse", iterations=FAST)
    assert verify(load_users(path), "mina", "correct horse") == User("mina", "officer")


def test_a_wrong_password_or_unknown_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user(path, "mina", "officer", "correct horse", iterations=FAST)
    assert verify(load_users(path), "mina", "correct hors") is None
    assert verify(load_users(path), "nobody", "correct horse") is None


def test_the_users_file_holds_no_password(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user(path, "mina", "officer", "correct horse", iterations=FAST)
    assert "correct horse" not in path.read_text()
    assert "pbkdf2_sha256$1000$" in path.read_text()


def test_adding_a_user_again_resets_the_password(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user(path, "mina", "officer", "correct horse", iterations=FAST)
    add_user(path, "mina", "officer", "battery staple", iterations=FAST)
    assert verify(load_users(path), "mina", "correct horse") is None
    assert verify(load_users(path), "mina", "battery staple") is not None


def test_a_startup_user_needs_its_organisation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="org_id"):
        add_user(tmp_path / "users.toml", "hanbit", "startup", "long enough", iterations=FAST)


@pytest.mark.parametrize("name", ["", " ", 'quote"d', "new\nline", "x" * 65])
def test_user_names_that_cannot_be_shown_safely_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="user name"):
        add_user(tmp_path / "users.toml", name, "officer", "long enough", iterations=FAST)


def test_a_malformed_users_file_is_reported_in_words(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text('[[users]]\nname = "x"\nrole = "admin"\npassword_hash = "y"\n')
    with pytest.raises(UsersFileError, match="role 'admin'"):
        load_users(path)


def test_demo_users_get_fresh_passwords_that_work(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    first = ensure_demo_users(path)
    second = ensure_demo_users(path)
    users = load_users(path)
    assert [role for _, _, role in second] == ["officer", "startup"]
    assert users["startup"].org_id == DEMO_STARTUP_ORG
    assert all(verify(users, name, password) for name, password, _ in second)
    assert not any(verify(users, name, password) for name, password, _ in first)


def test_require_officer_refuses_a_startup_user() -> None:
    with pytest.raises(AccessDenied, match="officers only"):
        require_officer(STARTUP, "notes")


# ---------------------------------------------------------------------------------------------------- units


def test_the_results_table_says_each_matchs_band() -> None:
    matches = [Match(i, i, "Seattle", "US", "startup", score, score, score) for i, score in (("a", 0.4), ("b", 0.1))]
    assert matches_frame(matches)["Match"].tolist() == ["strong", "weak"]


def test_safe_escapes_every_markup_character() -> None:
    escaped = safe("**bold** <img src=x> [a](http://b) :red[c] $x$ `code` # title")
    assert not re.search(r"(?<!\\)[*<>\[\]()$:`#]", escaped)
    assert escaped.replace("\\", "") == "**bold** <img src=x> [a](http://b) :red[c] $x$ `code` # title"


def test_redacted_reasons_never_quote_a_hidden_field() -> None:
    profile = Profile(id="x", name="X", org_type="company", city="Seattle", country="US",
                      offers="Confidential pilot line", seeks="Public need", public_fields=("name", "seeks"))
    reasons = ('Their offer "Confidential pilot line" meets your need "a fab".',
               'Your offer "a fab" meets their need "Public need".')
    visible = Access(None, STARTUP).visible_fields(profile)  # type: ignore[arg-type]
    assert redact_reasons(reasons, profile, visible) == (reasons[1],)


def test_flows_count_pairs_between_alliance_places_only() -> None:
    pairs = pd.DataFrame({"source_city": ["Daejeon", "Daejeon", "Daejeon", "Lyon"],
                          "target_city": ["Málaga", "málaga", "Daejeon", "Málaga"]})
    flows = city_flows(pairs)
    assert flows[["source", "target", "count"]].to_dict("records") == [
        {"source": "Daejeon", "target": "Málaga", "count": 2}
    ]


def test_city_points_count_organisations_per_alliance_place() -> None:
    profiles = pd.DataFrame({"city": ["Dortmund", "dortmund", "Lyon"]})
    points = city_points(profiles).set_index("city")["organisations"]
    assert points["Dortmund"] == 2 and points["Seattle"] == 0 and len(points) == 6


def test_sector_counts_count_each_listed_sector() -> None:
    profiles = pd.DataFrame({"city": ["Calgary", "Calgary"], "sectors": [("energy", "ai"), ("energy",)]})
    counts = sector_city_counts(profiles).set_index(["sector", "city"])["organisations"]
    assert counts[("Energy", "Calgary")] == 2 and counts[("Artificial intelligence", "Calgary")] == 1
    assert counts[("Energy", "Seattle")] == 0


def test_the_map_is_a_valid_chart_without_tiles_or_map_files() -> None:
    profiles = pd.DataFrame({"city": ["Daejeon", "Seattle"], "sectors": [("ai",), ("energy",)]})
    pairs = pd.DataFrame({"source_city": ["Daejeon"], "target_city": ["Seattle"]})
    spec = json.dumps(flow_map(city_points(profiles), city_flows(pairs)).to_dict())
    assert '"sphere": true' in spec and "url" not in spec


def test_the_server_listens_on_loopback_and_sends_no_usage_statistics() -> None:
    command = streamlit_command("127.0.0.1", 8765)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"


# ---------------------------------------------------------------------------------------------------- access


@pytest.fixture(scope="session")
def officer_access(home: Path) -> Access:
    return Access(Matcher(home), OFFICER)


@pytest.fixture(scope="session")
def startup_access(home: Path) -> Access:
    return Access(Matcher(home), STARTUP)


@pytest.mark.slow
@pytest.mark.parametrize(
    "read",
    [
        lambda a: a.shortlists(),
        lambda a: a.shortlist_entries(1),
        lambda a: a.create_shortlist("mine"),
        lambda a: a.notes("dj-bio-001"),
        lambda a: a.add_note("dj-bio-001", "hello"),
        lambda a: a.imports(),
        lambda a: a.pair_scores(["dj-bio-001"], ["ma-bio-001"]),
    ],
    ids=["shortlists", "entries", "create-shortlist", "notes", "add-note", "imports", "planner"],
)
def test_a_startup_cannot_reach_officers_data(startup_access: Access, read: object) -> None:
    with pytest.raises(AccessDenied):
        read(startup_access)  # type: ignore[operator]


@pytest.mark.slow
def test_a_startup_asks_for_its_own_organisation_only(startup_access: Access) -> None:
    with pytest.raises(AccessDenied, match="own organisation"):
        startup_access.recommend("ma-bio-001")
    with pytest.raises(AccessDenied):
        startup_access.add_feedback("ma-bio-001", "dj-bio-001", "relevant")


@pytest.mark.slow
def test_a_startup_sees_public_fields_of_others_and_all_of_its_own(startup_access: Access) -> None:
    assert "employees" not in startup_access.profile("ma-bio-001")
    assert "employees" in startup_access.profile("dj-bio-001")


# ---------------------------------------------------------------------------------------------------- pages


@pytest.mark.slow
def test_sign_in_page_signs_an_officer_in_and_shows_the_officer_pages(app_home: Path) -> None:
    at = app()
    at.text_input(key="signin_name").input(OFFICER.name)
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["user"] == OFFICER
    assert "signin_password" not in at.session_state
    assert "Find partners" in [t.value for t in at.title]


@pytest.mark.slow
def test_sign_in_with_a_wrong_password_says_so(app_home: Path) -> None:
    at = app()
    at.text_input(key="signin_name").input(OFFICER.name)
    at.text_input(key="signin_password").input("wrong")
    at.button[0].click().run()
    assert "user" not in at.session_state
    assert [e.value for e in at.error] == ["Unknown name or wrong password."]


def test_sign_in_without_any_account_explains_how_to_create_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path))
    at = app()
    assert "No accounts yet" in at.info[0].value


@pytest.mark.slow
def test_find_partners_ranks_the_planted_provider_with_reasons(app_home: Path) -> None:
    at = pick_organisation(app(OFFICER), "dj-bio-001")
    results = frames(at)[0]
    assert {"ma-bio-001", "ca-bio-002"} & set(results["id"].head(3))
    assert (results["Score"].between(0, 1)).all() and results["Why"].str.len().gt(0).all()
    assert "meets your need" in texts(at)


@pytest.mark.slow
def test_find_partners_shows_existing_partners_apart(app_home: Path, officer_access: Access) -> None:
    edges = officer_access.matcher.partnerships()
    asker = edges["source_id"].iloc[0]
    partners = set(edges.loc[edges["source_id"] == asker, "target_id"]) | set(
        edges.loc[edges["target_id"] == asker, "source_id"]
    )
    at = pick_organisation(app(OFFICER), asker)
    shown = frames(at)
    assert not partners & set(shown[0]["id"])
    assert "Already partners" in [s.value for s in at.subheader][-1]


@pytest.mark.slow
def test_the_city_filter_keeps_suggestions_in_that_city(app_home: Path) -> None:
    at = pick_organisation(app(OFFICER), "dj-bio-001")
    at.multiselect(key="f_city").set_value(["Dortmund"]).run()
    cities = frames(at)[0]["City"]
    assert len(cities) and cities.eq("Dortmund (DE)").all()


@pytest.mark.slow
def test_same_city_suggestions_appear_only_when_allowed(app_home: Path) -> None:
    at = pick_organisation(app(OFFICER), "dj-bio-002")
    assert not frames(at)[0]["City"].str.startswith("Daejeon").any()
    at.multiselect(key="f_city").set_value(["Daejeon"]).run()
    assert "No organisation passes these filters" in texts(at)
    at.toggle(key="f_other_city").set_value(False).run()
    assert frames(at)[0]["City"].str.startswith("Daejeon").all()


def city_without_a_strong_match(home: Path, asker: str) -> str:
    """A city where ``asker``'s list holds possible and weak matches but no strong one (which city depends on the
    encoder's scores, not on what this test asks)."""
    matcher = Matcher(home)
    try:
        for city in sorted(set(matcher.profiles()["city"])):
            bands = {match.band for match in matcher.recommend(asker, k=10, filters=Filters(city=(city,))).results}
            if "strong" not in bands and {"possible", "weak"} <= bands:
                return city
    finally:
        matcher.store.close()
    pytest.fail(f"no city gives {asker} possible and weak matches only")


@pytest.mark.slow
def test_a_list_without_a_strong_match_says_so_and_can_hide_the_weak_ones(app_home: Path) -> None:
    city = city_without_a_strong_match(app_home, "dj-bio-001")
    at = pick_organisation(app(OFFICER), "dj-bio-001")
    at.multiselect(key="f_city").set_value([city]).run()
    assert f"No strong match in {city};" in texts(at)
    every = len(frames(at)[0])
    at.toggle(key="find_hide_weak").set_value(True).run()
    assert 0 < len(frames(at)[0]) < every


@pytest.mark.slow
def test_not_relevant_hides_the_suggestion_on_the_next_run(app_home: Path, officer_access: Access) -> None:
    at = pick_organisation(app(OFFICER), "mc-bio-002")
    first = frames(at)[0]["id"].iloc[0]
    at.selectbox(key=f"reason_{first}").select("competitor")
    at.button(key=f"nrel_{first}").click().run()
    assert first not in set(frames(at)[0]["id"])
    said = officer_access.matcher.store.feedback("mc-bio-002").iloc[-1]
    assert (said["candidate_id"], said["label"], said["reason"], said["user"]) == (
        first, "not_relevant", "competitor", OFFICER.name,
    )


@pytest.mark.slow
def test_relevant_and_contacted_are_stored_and_shown(app_home: Path, officer_access: Access) -> None:
    at = pick_organisation(app(OFFICER), "mc-bio-003")
    first = frames(at)[0]["id"].iloc[0]
    at.button(key=f"con_{first}").click().run()
    assert officer_access.matcher.store.feedback("mc-bio-003")["label"].tolist() == ["contacted"]
    assert first in set(frames(at)[0]["id"])
    assert "contacted" in at.expander[0].label


@pytest.mark.slow
def test_a_typed_in_profile_gets_partners_without_being_imported(app_home: Path, officer_access: Access) -> None:
    before = officer_access.matcher.stats()["profiles"]
    at = app(OFFICER)
    at.segmented_control(key="find_mode").set_value("A profile typed in").run()
    at.text_input(key="find_profile_name").input("Conjugate Start")
    at.text_input(key="find_profile_city").input("Daejeon")
    at.text_input(key="find_profile_country").input("Korea")
    at.text_area(key="find_profile_seeks").input(
        "A contract manufacturer for GMP conjugation, sterile fill-finish and lyophilisation of our ADC."
    )
    at.button(key="find_profile_submit").click().run()
    assert not at.exception
    assert {"ma-bio-001", "ca-bio-002"} & set(frames(at)[0]["id"].head(3))
    assert officer_access.matcher.stats()["profiles"] == before


@pytest.mark.slow
def test_a_typed_in_profile_without_text_is_explained(app_home: Path) -> None:
    at = app(OFFICER)
    at.segmented_control(key="find_mode").set_value("A profile typed in").run()
    at.text_input(key="find_profile_name").input("Empty")
    at.button(key="find_profile_submit").click().run()
    problems = at.error[0].value
    assert "country" in problems and "matching needs some text" in problems


@pytest.mark.slow
def test_a_startup_sees_suggestions_for_its_own_organisation_only(app_home: Path) -> None:
    at = app(STARTUP)
    assert "find_org" not in [w.key for w in at.selectbox]
    assert {"ma-bio-001", "ca-bio-002"} & set(frames(at)[0]["id"].head(3))
    assert not any(b.key.startswith("add_") for b in at.button)  # no shortlists for startups


@pytest.mark.slow
def test_a_startup_ranks_its_edited_profile_as_its_own_organisation(app_home: Path) -> None:
    at = app(STARTUP)
    at.segmented_control(key="find_mode").set_value("My profile, edited").run()
    assert at.text_input(key="find_profile_name").value == "Hanbit Bioworks"  # starts from its stored profile
    at.text_area(key="find_profile_seeks").input("Aseptic fill-finish and freeze-drying of our ADC in vials.")
    at.button(key="find_profile_submit").click().run()
    suggested = set(frames(at)[0]["id"])
    assert suggested and "dj-bio-001" not in suggested and not any(i.startswith("dj-") for i in suggested)


@pytest.mark.slow
def test_a_startup_cannot_open_officer_pages(app_home: Path) -> None:
    at = app(STARTUP)
    with pytest.raises(ValueError):
        at.switch_page(f"{PAGES}/shortlists.py")


@pytest.mark.slow
def test_search_finds_the_provider_of_a_capability(app_home: Path) -> None:
    at = app(OFFICER, "search.py")
    at.text_input(key="search_text").input("GMP manufacturing of antibody-drug conjugates").run()
    assert "Biomédica Costa del Sol S.L." in set(frames(at)[0]["Organisation"].head(5))


@pytest.mark.slow
def test_a_korean_search_finds_the_adc_makers_and_says_how_it_was_read(app_home: Path) -> None:
    at = app(OFFICER, "search.py")
    at.text_input(key="search_text").input("항체 약물 접합체 GMP 위탁생산").run()
    assert {"Biomédica Costa del Sol S.L.", "Bow River Biomanufacturing"} & set(frames(at)[0]["Organisation"].head(5))
    assert any("Read in English as: antibody" in caption.value for caption in at.caption)


@pytest.mark.slow
def test_a_search_for_a_kind_lists_it_first_and_a_switch_ranks_by_score(app_home: Path) -> None:
    at = app(OFFICER, "search.py")
    at.text_input(key="search_text").input("a hospital to evaluate our home rehabilitation app").run()
    assert list(frames(at)[0]["Type"].head(3)) == ["Hospital"] * 3
    assert any("Those that match your words are listed first" in caption.value for caption in at.caption)
    at.toggle[0].set_value(False).run()  # the user's correction when a kind word was misread
    assert list(frames(at)[0]["Type"].head(3)) != ["Hospital"] * 3  # a rehabilitation startup scores second
    assert any("Listed by score with the others" in caption.value for caption in at.caption)


@pytest.mark.slow
def test_search_with_an_empty_text_asks_for_one(app_home: Path) -> None:
    at = app(OFFICER, "search.py")
    assert "Type what you are looking for" in at.info[0].value


@pytest.mark.slow
def test_organisation_page_shows_profile_partners_and_peers(app_home: Path) -> None:
    at = app(OFFICER, "organisation.py")
    at.selectbox(key="org_pick").select("ma-bio-001").run()
    assert "Biomédica Costa del Sol S.L." in texts(at)
    peers = next(f for f in frames(at) if "Similarity" in f.columns)
    assert len(peers) and not peers["City"].str.startswith("Málaga").any()


@pytest.mark.slow
def test_an_officer_note_is_kept_and_shown_as_text(app_home: Path, officer_access: Access) -> None:
    at = app(OFFICER, "organisation.py")
    at.selectbox(key="org_pick").select("se-bio-003").run()
    at.text_area(key="note_text").input("Met at **BIO** <b>2026</b>").run()
    at.button(key="note_add").click().run()
    notes = officer_access.notes("se-bio-003")
    assert notes["text"].tolist() == ["Met at **BIO** <b>2026</b>"] and notes["author"].tolist() == [OFFICER.name]
    assert safe("Met at **BIO** <b>2026</b>") in [m.value for m in at.markdown]


@pytest.mark.slow
def test_a_startup_sees_no_notes_on_the_organisation_page(app_home: Path, officer_access: Access) -> None:
    officer_access.add_note("se-bio-004", "Officers only: budget is tight")
    at = app(STARTUP, "organisation.py")
    at.selectbox(key="org_pick").select("se-bio-004").run()
    assert "budget is tight" not in texts(at)
    assert "note_text" not in [w.key for w in at.text_area]


@pytest.mark.slow
def test_shortlist_create_add_and_change_stage(app_home: Path, officer_access: Access) -> None:
    at = app(OFFICER, "shortlists.py")
    at.text_input(key="sl_new_name").input("Málaga mission")
    at.button(key="sl_create").click().run()
    shortlist = int(at.session_state["sl_current"])
    at.selectbox(key="sl_add_pick").select("ma-bio-001")
    at.button(key="sl_add").click().run()
    at.selectbox(key=f"sl_stage_{shortlist}_ma-bio-001").select("meeting").run()
    entries = officer_access.shortlist_entries(shortlist)
    assert entries[["profile_id", "stage"]].values.tolist() == [["ma-bio-001", "meeting"]]


@pytest.fixture(scope="session")
def exported(officer_access: Access) -> int:
    """A shortlist with one entry whose note would be a formula and whose text would be HTML."""
    shortlist = officer_access.create_shortlist("Export <check>")
    officer_access.set_shortlist_entry(shortlist, "ca-bio-002", stage="contacted", note='=HYPERLINK("http://x")')
    return shortlist


@pytest.mark.slow
def test_shortlist_page_offers_csv_xlsx_and_brief(app_home: Path, exported: int) -> None:
    at = app(OFFICER, "shortlists.py")
    at.selectbox(key="sl_current").select(exported).run()
    assert {"sl_csv", "sl_xlsx", "sl_brief"} <= {b.key for b in at.get("download_button")}


@pytest.mark.slow
def test_shortlist_csv_neutralises_formulas(officer_access: Access, exported: int) -> None:
    table = pd.read_csv(io.BytesIO(officer_access.shortlist_csv(exported)), encoding="utf-8-sig")
    assert table[["id", "stage", "note"]].values.tolist() == [["ca-bio-002", "contacted", "'=HYPERLINK(\"http://x\")"]]


@pytest.mark.slow
def test_shortlist_xlsx_holds_no_formula(officer_access: Access, exported: int) -> None:
    sheet = load_workbook(io.BytesIO(officer_access.shortlist_xlsx(exported))).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.slow
def test_shortlist_brief_escapes_text_and_lists_each_organisation(officer_access: Access, exported: int) -> None:
    page = officer_access.shortlist_brief(exported)
    assert "Export &lt;check&gt;" in page and "<check>" not in page
    assert "Bow River Biomanufacturing" in page and "contacted" in page


@pytest.mark.slow
def test_delegation_planner_proposes_meetings_within_capacity(app_home: Path) -> None:
    at = app(OFFICER, "planner.py")
    at.selectbox(key="plan_from").select("Daejeon").run()
    at.selectbox(key="plan_to").select("Málaga").run()
    at.multiselect(key="plan_visitors").set_value(["dj-bio-001", "dj-bio-002", "dj-bio-003"])
    at.multiselect(key="plan_hosts").set_value(["ma-bio-001", "ma-bio-002", "ma-bio-004"])
    at.number_input(key="plan_cap_v").set_value(2)
    at.slider(key="plan_min").set_value(0.0).run()
    at.button(key="plan_go").click().run()
    assert not at.exception
    table = next(f for f in frames(at) if "Visitor" in f.columns)
    assert len(table) and table.groupby("Visitor").size().max() <= 2
    assert not table.duplicated(["Visitor", "Slot"]).any() and not table.duplicated(["Host", "Slot"]).any()
    assert "meetings, total score" in at.success[0].value
    assert {"plan_csv", "plan_xlsx", "plan_brief"} <= {b.key for b in at.get("download_button")}


@pytest.mark.slow
def test_insights_draw_the_map_and_the_heatmap(app_home: Path) -> None:
    at = app(OFFICER, "insights.py")
    assert len(at.get("vega_lite_chart")) == 2
    assert {m.label: m.value for m in at.metric}["Organisations"] == "30"


@pytest.mark.slow
def test_insights_draw_the_flows_of_suggested_matches(app_home: Path) -> None:
    at = app(OFFICER, "insights.py")
    at.segmented_control(key="ins_flows").set_value("Suggested matches").run()
    flows = next(f for f in frames(at) if "From" in f.columns)
    assert len(flows) and (flows["From"] != flows["To"]).all() and flows["Suggested matches"].gt(0).all()


@pytest.mark.slow
def test_data_page_reports_rejected_rows_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "ws"))
    at = app(OFFICER, "data.py")
    upload = (
        "id,name,org_type,city,country,offers\n"
        "t-1,Good One,startup,Daejeon,KR,Linker chemistry\n"
        "t-2,Nowhere Labs,startup,Atlantis,Atlantis,Nothing\n"
    )
    at.file_uploader(key="upload_file").set_value(("profiles.csv", upload.encode(), "text/csv"))
    at.button(key="upload_go").click().run()
    rejected = next(f for f in frames(at) if "Reason" in f.columns)
    assert rejected["Row"].tolist() == [3] and "Atlantis" in rejected["Reason"].iloc[0]
    report = {m.label: m.value for m in at.metric}
    assert (report["Rows read"], report["Imported"], report["Rejected"]) == ("2", "1", "1")
    at.button(key="build_go").click().run()
    assert at.status[0].label.startswith("Index ready: 1 organisations")


# ---------------------------------------------------------------------------------------------------- languages


def test_the_sign_in_page_speaks_korean_once_chosen_and_stays_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path))
    add_user(users_path(tmp_path), OFFICER.name, "officer", PASSWORD, iterations=FAST)
    at = app()
    assert [w.label for w in at.text_input] == ["Name", "Password"]
    at.selectbox(key="lang").select("ko").run()
    for _ in range(2):  # the choice is the session's: later runs keep it
        assert [w.label for w in at.text_input] == ["이름", "비밀번호"]
        assert at.selectbox(key="lang").label.endswith("언어") and at.session_state["lang"] == "ko"
        at.run()


def test_a_wrong_password_is_refused_in_the_language_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path))
    add_user(users_path(tmp_path), OFFICER.name, "officer", PASSWORD, iterations=FAST)
    at = app(lang="de")
    at.text_input(key="signin_name").input(OFFICER.name)
    at.text_input(key="signin_password").input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Unbekannter Name oder falsches Passwort."]


def test_a_user_signs_in_to_the_language_they_chose_last_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path))
    add_user(users_path(tmp_path), OFFICER.name, "officer", PASSWORD, iterations=FAST)
    set_language(users_path(tmp_path), OFFICER.name, "ko")
    at = app()  # a new session: English until the user is known
    at.text_input(key="signin_name").input(OFFICER.name)
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["lang"] == "ko"


def test_a_signed_in_users_language_choice_is_kept_for_their_next_sign_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path))
    add_user(users_path(tmp_path), OFFICER.name, "officer", PASSWORD, iterations=FAST)
    at = app(OFFICER, "shortlists.py")
    at.selectbox(key="lang").select("es").run()
    assert not at.exception, at.exception
    assert load_users(users_path(tmp_path))[OFFICER.name].language == "es"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ko", "de", "es"])
@pytest.mark.parametrize(
    "page", ["find.py", "search.py", "organisation.py", "shortlists.py", "planner.py", "insights.py", "data.py"]
)
def test_every_page_renders_in_every_language(app_home: Path, page: str, lang: str) -> None:
    at = app(OFFICER, page, lang=lang)  # no exception: every message formats
    assert [t.value for t in at.title] == [translate(lang, f"nav.{page.removesuffix('.py')}")]
    assert at.sidebar.selectbox(key="lang").value == lang


@pytest.mark.slow
def test_find_partners_in_korean_translates_the_page_but_quotes_the_profiles_as_written(app_home: Path) -> None:
    at = pick_organisation(app(OFFICER, lang="ko"), "dj-bio-001")
    assert [t.value for t in at.title] == ["파트너 찾기"]
    assert at.subheader[0].value.startswith("추천 파트너 (")
    assert {w.label for w in at.multiselect} >= {"도시", "국가", "기관 유형", "분야"}
    results = frames(at)[0]
    assert set(results["Match"]) <= {"강함", "가능", "약함"} and results["Type"].str.contains("[가-힣]").all()
    reasons = texts(at)
    assert "meets your need" not in reasons
    assert re.search(r'귀사의 수요 "[A-Za-z][^"]*"에 부합', reasons)  # the English need, quoted as written


@pytest.fixture
def users_file_kept(app_home: Path) -> Iterator[Path]:
    """The shared workspace's users file, put back after the test: a signed-in user's language choice is stored
    there, and later tests sign in expecting English."""
    path = users_path(app_home)
    saved = path.read_bytes()
    yield path
    path.write_bytes(saved)


@pytest.mark.slow
def test_the_language_choice_persists_across_pages_reruns_and_sign_out(app_home: Path, users_file_kept: Path) -> None:
    at = app(OFFICER)
    at.selectbox(key="lang").select("es").run()
    assert [t.value for t in at.title] == ["Buscar socios"]
    at.switch_page(f"{PAGES}/search.py").run()
    at.run()
    assert [t.value for t in at.title] == ["Búsqueda"] and at.session_state["lang"] == "es"
    at.button(key="sign_out").click().run()
    assert "user" not in at.session_state
    assert [w.label for w in at.text_input] == ["Nombre", "Contraseña"]


@pytest.mark.slow
def test_the_organisation_page_in_korean_shows_notes_with_local_times(app_home: Path) -> None:
    at = app(OFFICER, "organisation.py", lang="ko")
    at.selectbox(key="org_pick").select("dj-bio-002").run()
    at.text_area(key="note_text").input("첫 미팅: 3월").run()
    at.button(key="note_add").click().run()
    assert [t.label for t in at.tabs] == ["파트너", "다른 도시의 유사 기관", "메모와 관심 목록"]
    stamp = next(c.value for c in at.caption if c.value.startswith(OFFICER.name))
    assert re.search(r"\d{4}\\?\. \d{1,2}\\?\. \d{1,2}\\?\. (오전|오후) \d{1,2}\\?:\d{2}", stamp), stamp


# --------------------------------------------------------- self-service: feedback per person, profile, meetings
# Each test speaks for an account of its own (users need not be in users.toml: the session holds the user), so that
# what one person hides or asks never changes the lists the other tests read.


def account(home: Path, name: str, org_id: str) -> User:
    """A startup account of the session workspace, for this test alone."""
    add_user(users_path(home), name, "startup", f"{name}-secret", org_id=org_id, iterations=FAST)
    return User(name, "startup", org_id=org_id)


@pytest.mark.slow
def test_a_startups_not_relevant_hides_it_for_that_account_only_and_can_be_restored(
    app_home: Path, officer_access: Access
) -> None:
    startup = account(app_home, "calgary-hide", "ca-bio-004")
    at = app(startup)
    first = frames(at)[0]["id"].iloc[0]
    assert at.selectbox(key=f"reason_{first}").value is None  # no reason chosen beforehand
    at.button(key=f"nrel_{first}").click().run()
    assert first not in set(frames(at)[0]["id"])
    said = officer_access.matcher.store.feedback("ca-bio-004").iloc[-1]
    assert (said["user"], said["label"], said["reason"]) == (startup.name, "not_relevant", None)
    assert first in {m.id for m in officer_access.recommend("ca-bio-004").results}  # the officer's list keeps it
    at.button(key=f"restore_{first}").click().run()
    assert first in set(frames(at)[0]["id"])


@pytest.mark.slow
def test_officers_see_who_hid_which_suggestion_on_the_organisation_page(app_home: Path, officer_access: Access) -> None:
    Access(officer_access.matcher, account(app_home, "seattle-hide", "se-bio-004")).add_feedback(
        "se-bio-004", "dj-bio-003", "not_relevant", "too big"
    )
    at = app(OFFICER, "organisation.py")
    at.selectbox(key="org_pick").select("se-bio-004").run()
    hidden = next(frame for frame in frames(at) if "Who" in frame.columns)
    assert hidden[["Who", "Reason"]].values.tolist() == [["seattle-hide", "too big"]]


@pytest.mark.slow
def test_a_startup_saves_its_profile_and_sees_the_change_in_its_history(
    app_home: Path, officer_access: Access
) -> None:
    at = app(account(app_home, "montgomery-edit", "mc-bio-005"), "my_profile.py")
    at.text_input(key="me_languages").input("English; Korean")
    at.button(key="FormSubmitter:me_form-Save my profile").click().run()
    assert not at.exception, at.exception
    assert "Saved: languages" in texts(at)
    assert officer_access.matcher.profile("mc-bio-005").languages == ("English", "Korean")
    assert frames(at)[-1]["Field"].tolist() == ["languages"]


@pytest.mark.slow
def test_an_invalid_profile_edit_is_refused_with_its_reason(app_home: Path, officer_access: Access) -> None:
    at = app(account(app_home, "montgomery-typo", "mc-bio-004"), "my_profile.py")
    at.text_input(key="me_employees").input("twelve")
    at.button(key="FormSubmitter:me_form-Save my profile").click().run()
    assert "employees 'twelve' is not a whole number" in at.error[0].value.replace("\\", "")
    assert officer_access.matcher.profile("mc-bio-004").employees != "twelve"


@pytest.mark.slow
def test_a_startup_requests_a_meeting_from_a_suggestion(app_home: Path, officer_access: Access) -> None:
    startup = account(app_home, "dortmund-meet", "do-bio-004")
    at = app(startup)
    first = frames(at)[0]["id"].iloc[0]
    at.text_area(key=f"meet_msg_{first}").input("Hello from Dortmund")
    at.date_input(key=f"meet_day_{first}").set_value(date.today() + timedelta(days=10))
    at.time_input(key=f"meet_time_{first}").set_value(time(10, 0))
    at.button(key=f"meet_send_{first}").click().run()
    assert not at.exception, at.exception
    sent = officer_access.matcher.meetings.requests("do-bio-004")
    assert sent[["partner_id", "requested_by", "message", "status"]].values.tolist() == [
        [first, startup.name, "Hello from Dortmund", "open"]
    ]
    assert sent["asker_time"].iloc[0].endswith("T10:00+01:00") or sent["asker_time"].iloc[0].endswith("T10:00+02:00")


@pytest.mark.slow
def test_an_officer_accepts_for_an_organisation_without_an_account_and_both_agendas_show_it(
    app_home: Path, officer_access: Access
) -> None:
    startup = account(app_home, "malaga-meet", "ma-bio-004")
    when = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=5)
    meeting = Access(officer_access.matcher, startup).request_meeting("se-bio-005", "Hola", when)
    at = app(OFFICER, "meetings.py")
    at.button(key=f"meet_acc_{meeting}").click().run()
    assert not at.exception, at.exception
    agenda = Access(officer_access.matcher, startup).agenda()
    assert agenda["with_id"].tolist() == ["se-bio-005"]
    mine = app(startup, "meetings.py")
    assert frames(mine)[0]["With"].tolist() == [officer_access.matcher.profile("se-bio-005").name]


# ---------------------------------------------------------------------------------- sessions, links (issue 16)


def signed_in(at: AppTest, name: str = OFFICER.name, password: str = PASSWORD) -> AppTest:
    """Fills in and submits the sign-in form."""
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace of this test with the officer account (sign-in needs no model)."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path))
    add_user(users_path(tmp_path), OFFICER.name, "officer", PASSWORD, iterations=FAST)
    return tmp_path


def reloaded(token: str, **params: str) -> AppTest:
    """A new session (what F5 starts) on a URL holding ``token`` and ``params``."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["session"] = token
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_a_reload_keeps_the_user_signed_in(own_home: Path) -> None:
    at = signed_in(app())
    token = at.query_params["session"]
    again = reloaded(token)
    assert again.session_state["user"] == OFFICER and not again.text_input
    assert PASSWORD not in str(dict(again.query_params))


def test_after_sign_out_the_token_no_longer_signs_in(own_home: Path) -> None:
    at = signed_in(app())
    token = at.query_params["session"]
    at.button(key="sign_out").click().run()
    assert "session" not in at.query_params
    again = reloaded(token)
    assert "user" not in again.session_state
    assert "session has ended" in again.warning[0].value


def test_a_token_of_an_account_whose_role_changed_is_refused(own_home: Path) -> None:
    token = signed_in(app()).query_params["session"]
    add_user(users_path(own_home), OFFICER.name, "startup", PASSWORD, org_id="dj-bio-001", iterations=FAST)
    again = reloaded(token)
    assert "user" not in again.session_state and "session" not in again.query_params
    assert again.warning[0].value == "Your account was changed; please sign in again."


def test_a_forged_token_in_the_url_signs_nobody_in(own_home: Path) -> None:
    again = reloaded("eyJuYW1lIjoib2xnYSJ9.AAAA")
    assert "user" not in again.session_state and [w.label for w in again.text_input] == ["Name", "Password"]


def test_a_link_to_an_unknown_organisation_says_so_after_sign_in(own_home: Path) -> None:
    at = app()
    at.query_params["org"] = "<b>no-such-org</b>"
    at.run()
    signed_in(at)
    assert "not in this workspace" in at.warning[0].value and "\\<b\\>" in at.warning[0].value
    assert "org" not in at.query_params


def test_eight_wrong_passwords_meet_a_growing_delay(own_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matcher.auth as auth

    now = [0.0]
    monkeypatch.setattr(auth, "LIMITER", auth.SignInLimiter(step_delay=2, clock=lambda: now[0]))
    at = app()
    refusals = []
    for _ in range(8):
        assert signed_in(at, password="wrong").error[0].value == "Unknown name or wrong password."
        refusals.append(signed_in(at, password="wrong again at once").error[0].value)
        now[0] += auth.LIMITER.wait(OFFICER.name, "unknown")[0]  # then waits as long as asked, and tries again
    assert refusals[0] == "Unknown name or wrong password."  # two quick failures cost nothing
    assert refusals[1:5] == [f"Too many failed sign-ins for this account: try again in {w}." for w in
                             ("2 s", "4 s", "1 min", "1 min")]  # then each waits longer; the fifth locks
    assert signed_in(at).session_state["user"] == OFFICER  # once the wait is over, the right password works


@pytest.mark.slow
def test_a_deep_link_opens_the_organisation_page_after_sign_in(app_home: Path) -> None:
    at = app()
    at.query_params["org"] = "dj-bio-002"
    at.run()
    signed_in(at)
    assert [t.value for t in at.title] == ["Organisation"] and at.selectbox(key="org_pick").value == "dj-bio-002"
    assert "org" not in at.query_params and "session" in at.query_params


@pytest.mark.slow
def test_a_deep_link_to_find_partners_opens_it_for_that_organisation(app_home: Path) -> None:
    at = reloaded(signed_in(app()).query_params["session"], page="find", org="dj-bio-001")
    assert [t.value for t in at.title] == ["Find partners"] and at.selectbox(key="find_org").value == "dj-bio-001"
    assert {"ma-bio-001", "ca-bio-002"} & set(frames(at)[0]["id"].head(3))


# ---------------------------------------------------------------------------------- insights and small UI things


def test_the_map_draws_land_from_the_package_and_fetches_nothing() -> None:
    from matcher.ui.charts import LAND_FILE, land_outlines

    assert (REPO / "matcher" / "data" / LAND_FILE).is_file()
    assert land_outlines()["objects"]["land"]["type"] == "GeometryCollection"
    spec = json.dumps(flow_map(city_points(pd.DataFrame({"city": ["Daejeon"]})), city_flows(pd.DataFrame(
        {"source_city": ["Daejeon"], "target_city": ["Seattle"]}))).to_dict() | {"$schema": None})
    assert '"feature": "land"' in spec and '"url"' not in spec and "http" not in spec  # all inline, nothing fetched


def test_every_flow_between_alliance_places_is_whole_on_the_polar_map() -> None:
    """The map clips at 90° - clipAngle north: a great circle that never goes further south is drawn whole."""
    import numpy as np

    from matcher.ui.charts import _PROJECTION
    from matcher.vocab import ALLIANCE_CITIES

    def unit(lat: float, lon: float) -> np.ndarray:
        la, lo = np.radians(lat), np.radians(lon)
        return np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])

    edge = 90 - _PROJECTION["clipAngle"]
    places = list(ALLIANCE_CITIES.values())
    for _, lat1, lon1 in places:
        for _, lat2, lon2 in places:
            a, b = unit(lat1, lon1), unit(lat2, lon2)
            omega = np.arccos(np.clip(a @ b, -1, 1))
            if omega < 1e-9:
                continue
            steps = np.linspace(0, 1, 200)
            path = [(np.sin((1 - f) * omega) * a + np.sin(f * omega) * b) / np.sin(omega) for f in steps]
            assert min(np.degrees(np.arcsin(p[2])) for p in path) > edge


@pytest.mark.slow
def test_insights_show_which_view_is_selected_and_switch_to_the_matrix(app_home: Path) -> None:
    at = app(OFFICER, "insights.py")
    assert at.segmented_control(key="ins_view").value == "Map"
    assert at.segmented_control(key="ins_flows").value == "Known partnerships"
    at.segmented_control(key="ins_view").set_value("Matrix").run()
    assert at.segmented_control(key="ins_view").value == "Matrix" and not at.exception
    assert any("matrix is symmetric" in c.value for c in at.caption)


@pytest.mark.slow
def test_a_startups_sidebar_names_its_organisation(app_home: Path) -> None:
    at = app(STARTUP)
    assert any("Hanbit Bioworks" in c.value for c in at.sidebar.caption)


@pytest.mark.slow
def test_the_why_column_wraps_instead_of_being_cut_off(app_home: Path) -> None:
    from matcher.ui.widgets import ROW_HEIGHT

    at = pick_organisation(app(OFFICER), "dj-bio-001")
    assert at.dataframe[0].proto.row_height == ROW_HEIGHT > 64  # Streamlit wraps text in rows above 4rem


@pytest.mark.slow
def test_a_note_keeps_its_line_breaks_and_shows_markup_as_text(app_home: Path) -> None:
    at = app(OFFICER, "organisation.py")
    at.selectbox(key="org_pick").select("dj-bio-003").run()
    at.text_area(key="note_text").input("first line\nsecond <b>line</b>").run()
    at.button(key="note_add").click().run()
    assert any(m.value == "first line  \nsecond \\<b\\>line\\</b\\>" for m in at.markdown)
