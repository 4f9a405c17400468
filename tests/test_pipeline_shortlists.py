"""Investment shortlists (a city's pipeline of leads, issue #13) outside the Attract investment page: the Shortlists
page, Find partners' and the Organisation page's "Add to shortlist", the command line, and the REST API's shortlist
calls.

The app's workspace holds three organisations and two lists: "Málaga mission", of partners, and "Daejeon leads",
an investment pipeline with Rheinfeld Bioprocessing (Basel) at "identified", followed up by kim. The REST tests
run a real server (tests/serving.py) over the demo data with an officer's key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import httpx
import pytest
from serving import demo_workspace, running
from streamlit.testing.v1 import AppTest

import matcher.server.app
import matcher.service.curation
import matcher.store
import matcher.ui.pages.shortlists
from matcher.api import Matcher
from matcher.auth import User
from matcher.cli import main
from matcher.policy import Access
from matcher.schema import INVESTMENT_STAGES, MAX_OWNER_CHARS, SHORTLIST_PURPOSES, SHORTLIST_STAGES, STAGES_BY_PURPOSE
from matcher.server import create_app
from matcher.server.models import InvestmentStage, ShortlistEntryRequest, ShortlistPurpose
from matcher.ui.pages.find import _shortlist_names

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "matcher" / "ui" / "entry" / "streamlit_app.py")
SHORTLISTS = str(REPO / "matcher" / "ui" / "pages" / "shortlists.py")
ORGANISATION = str(REPO / "matcher" / "ui" / "pages" / "organisation.py")
OFFICER = User("olga", "officer")
PROFILES = [
    {"id": "dj-bio-001", "name": "Hanbit Bioworks", "org_type": "startup", "city": "Daejeon", "country": "KR"},
    {"id": "ma-bio-001", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga", "country": "ES"},
    {"id": "zz-lead", "name": "Rheinfeld Bioprocessing AG", "org_type": "multinational", "city": "Basel",
     "country": "CH"},
]  # fmt: skip
LEAD = "zz-lead"


# ---------------------------------------------------------------------------------------------------- the app


@pytest.fixture
def officer_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Access:
    """The workspace (MATCHER_HOME) of three organisations, as the officer uses it."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "ws"))
    matcher = Matcher(tmp_path / "ws")
    matcher.importer.upsert(PROFILES)
    return Access(matcher, OFFICER)


@pytest.fixture
def partners(officer_access: Access) -> int:
    """The list of partners "Málaga mission", empty."""
    return officer_access.create_shortlist("Málaga mission")


@pytest.fixture
def pipeline(officer_access: Access, partners: int) -> int:
    """The investment pipeline "Daejeon leads" (made after the list of partners: the page opens on it), holding
    the lead at "identified", followed up by kim."""
    shortlist = officer_access.create_shortlist("Daejeon leads", purpose="investment")
    officer_access.set_shortlist_entry(shortlist, LEAD, owner="kim")
    return shortlist


def shortlists_page() -> AppTest:
    """The app, signed in as the officer, on the Shortlists page."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["user"] = OFFICER
    at.run()
    at.switch_page(SHORTLISTS).run()
    assert not at.exception, at.exception
    return at


def test_a_pipeline_is_shown_with_the_investment_stages(pipeline: int) -> None:
    stage = shortlists_page().selectbox(key=f"sl_stage_{pipeline}_{LEAD}")
    assert stage.value == "identified"
    assert stage.options == ["Identified", "Contacted", "Site visit", "MoU", "Investment"]


def test_a_list_of_partners_keeps_the_partner_stages(officer_access: Access, partners: int) -> None:
    officer_access.set_shortlist_entry(partners, "ma-bio-001", stage="meeting")
    stage = shortlists_page().selectbox(key=f"sl_stage_{partners}_ma-bio-001")
    assert stage.value == "meeting"
    assert stage.options == ["New", "Contacted", "Meeting", "Agreement"]


# ------------------------------------------------------------------------------------------------ one vocabulary


def test_each_purpose_has_its_stages_in_one_mapping_of_the_schema() -> None:
    assert dict(STAGES_BY_PURPOSE) == {"partners": SHORTLIST_STAGES, "investment": INVESTMENT_STAGES}
    assert set(STAGES_BY_PURPOSE) == set(SHORTLIST_PURPOSES)


def test_the_store_services_pages_and_server_read_the_schemas_mapping_and_keep_no_copy() -> None:
    for module in (matcher.service.curation, matcher.ui.pages.shortlists, matcher.server.app):
        assert module.STAGES_BY_PURPOSE is STAGES_BY_PURPOSE, module.__name__
    assert not hasattr(matcher.store, "SHORTLIST_STAGES_BY_PURPOSE")


def test_the_rest_model_takes_owners_up_to_the_schemas_limit() -> None:
    owner = ShortlistEntryRequest.model_json_schema()["properties"]["owner"]
    assert {"type": "string", "maxLength": MAX_OWNER_CHARS} in owner["anyOf"]


def test_the_command_line_refuses_an_overlong_owner_in_one_line(
    officer_access: Access, pipeline: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["shortlist", "add", str(pipeline), LEAD, "--owner", "k" * (MAX_OWNER_CHARS + 1)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"at most {MAX_OWNER_CHARS} characters" in err and "Traceback" not in err
    assert officer_access.shortlist_entries(pipeline)["owner"].tolist() == ["kim"]


def test_the_command_line_names_a_pipelines_stages_for_a_partner_stage(
    pipeline: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["shortlist", "add", str(pipeline), LEAD, "--stage", "meeting"])
    assert code == 2
    assert "identified, contacted, site_visit, mou, investment" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------- the pages


def test_the_list_picker_says_which_lists_are_pipelines(pipeline: int, partners: int) -> None:
    picker = shortlists_page().selectbox(key="sl_current")
    assert picker.options == ["Daejeon leads (1) · investment pipeline", "Málaga mission (0)"]


def test_a_leads_stage_changed_on_the_page_is_saved(officer_access: Access, pipeline: int) -> None:
    at = shortlists_page()
    at.selectbox(key=f"sl_stage_{pipeline}_{LEAD}").select("site_visit").run()
    assert not at.exception, at.exception
    assert officer_access.shortlist_entries(pipeline)["stage"].tolist() == ["site_visit"]


def test_a_leads_owner_is_shown(pipeline: int) -> None:
    assert shortlists_page().text_input(key=f"sl_owner_{pipeline}_{LEAD}").value == "kim"


def test_a_leads_owner_field_stops_at_the_schemas_limit(pipeline: int) -> None:
    assert shortlists_page().text_input(key=f"sl_owner_{pipeline}_{LEAD}").max_chars == MAX_OWNER_CHARS


def test_a_leads_owner_changed_on_the_page_is_saved(officer_access: Access, pipeline: int) -> None:
    at = shortlists_page()
    at.text_input(key=f"sl_owner_{pipeline}_{LEAD}").input("lee").run()
    assert not at.exception, at.exception
    assert officer_access.shortlist_entries(pipeline)["owner"].tolist() == ["lee"]


def test_a_list_of_partners_shows_no_owner(officer_access: Access, partners: int) -> None:
    officer_access.set_shortlist_entry(partners, "ma-bio-001")
    assert not [w.key for w in shortlists_page().text_input if w.key.startswith("sl_owner_")]


def test_an_organisation_added_to_a_pipeline_is_followed_up_by_whoever_added_it(
    officer_access: Access, pipeline: int
) -> None:
    at = shortlists_page()
    at.selectbox(key="sl_add_pick").select("dj-bio-001")
    at.button(key="sl_add").click().run()
    assert not at.exception, at.exception
    added = officer_access.shortlist_entries(pipeline).set_index("profile_id").loc["dj-bio-001"]
    assert (added["stage"], added["owner"]) == ("identified", OFFICER.name)


def test_a_pipeline_is_created_on_the_page(officer_access: Access) -> None:
    at = shortlists_page()
    at.text_input(key="sl_new_name").input("Seattle leads")
    at.radio(key="sl_new_purpose").set_value("investment")
    at.button(key="sl_create").click().run()
    assert not at.exception, at.exception
    assert officer_access.shortlists()[["name", "purpose"]].values.tolist() == [["Seattle leads", "investment"]]


def test_a_pipelines_brief_names_the_leads_stage_as_written(officer_access: Access, pipeline: int) -> None:
    officer_access.set_shortlist_entry(pipeline, LEAD, stage="mou")
    assert "shortlist: MoU" in officer_access.shortlist_brief(pipeline)


def test_a_pipelines_brief_says_who_follows_each_lead_up(officer_access: Access, pipeline: int) -> None:
    assert "<dt>Followed up by</dt><dd>kim</dd>" in officer_access.shortlist_brief(pipeline)


def test_find_partners_offers_lists_of_partners_only(officer_access: Access, pipeline: int, partners: int) -> None:
    assert _shortlist_names(officer_access) == {partners: "Málaga mission"}


def organisation_page(org_id: str) -> AppTest:
    """The app, signed in as the officer, on the Organisation page of ``org_id`` (its similar organisations load
    the model: slow)."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["user"] = OFFICER
    at.run()
    at.switch_page(ORGANISATION).run()
    at.selectbox(key="org_pick").select(org_id).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.slow
def test_the_organisation_page_offers_every_list_with_the_pipelines_marked(pipeline: int, partners: int) -> None:
    picker = organisation_page("ma-bio-001").selectbox(key="org_shortlist")
    assert picker.options == ["Daejeon leads (1) · investment pipeline", "Málaga mission (0)"]


@pytest.mark.slow
def test_an_organisation_added_to_a_pipeline_from_its_page_is_followed_up_by_the_officer(
    officer_access: Access, pipeline: int
) -> None:
    at = organisation_page("ma-bio-001")
    at.selectbox(key="org_shortlist").select(pipeline)
    at.button(key="org_shortlist_add").click().run()
    assert not at.exception, at.exception
    entries = officer_access.shortlist_entries(pipeline).set_index("profile_id")
    assert entries.loc["ma-bio-001", ["stage", "owner"]].tolist() == ["identified", OFFICER.name]


@pytest.mark.slow
def test_adding_a_lead_already_in_the_pipeline_from_its_page_keeps_its_owner(
    officer_access: Access, pipeline: int
) -> None:
    at = organisation_page(LEAD)
    at.selectbox(key="org_shortlist").select(pipeline)
    at.button(key="org_shortlist_add").click().run()
    assert not at.exception, at.exception
    assert officer_access.shortlist_entries(pipeline)["owner"].tolist() == ["kim"]


@pytest.mark.slow
def test_an_organisation_added_to_a_list_of_partners_from_its_page_has_no_owner(
    officer_access: Access, partners: int
) -> None:
    at = organisation_page("ma-bio-001")
    at.selectbox(key="org_shortlist").select(partners)
    at.button(key="org_shortlist_add").click().run()
    assert not at.exception, at.exception
    entry = officer_access.shortlist_entries(partners).iloc[0]
    assert (entry["profile_id"], entry["stage"], entry["owner"]) == ("ma-bio-001", "new", None)


# ---------------------------------------------------------------------------------------------------- REST


def test_the_models_stages_and_purposes_are_the_schemas() -> None:
    assert (get_args(InvestmentStage), get_args(ShortlistPurpose)) == (INVESTMENT_STAGES, SHORTLIST_PURPOSES)


@pytest.fixture(scope="module")
def officer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """An officer's client of a server over the demo data."""
    matcher = demo_workspace(tmp_path_factory.mktemp("pipeline-server"))
    key = matcher.admin.create_api_key("crm-officer", "officer")[1]
    with running(create_app(matcher)) as url, httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300
    ) as client:
        yield client
    matcher.close()


@pytest.fixture
def pipeline_path(officer: httpx.Client) -> Iterator[str]:
    """A new investment pipeline's path, deleted after the test."""
    made = officer.post("/v1/shortlists", json={"name": "Daejeon leads", "purpose": "investment"})
    assert made.status_code == 201, made.text
    path = f"/v1/shortlists/{made.json()['id']}"
    yield path
    officer.delete(path)


def test_a_pipeline_is_created_with_its_purpose(officer: httpx.Client, pipeline_path: str) -> None:
    listed = {row["name"]: row["purpose"] for row in officer.get("/v1/shortlists").json()}
    assert listed["Daejeon leads"] == "investment"


def test_a_shortlist_is_of_partners_unless_told(officer: httpx.Client) -> None:
    made = officer.post("/v1/shortlists", json={"name": "Málaga mission"})
    assert made.json()["purpose"] == "partners"
    officer.delete(f"/v1/shortlists/{made.json()['id']}")


def test_an_unknown_purpose_is_422(officer: httpx.Client) -> None:
    assert officer.post("/v1/shortlists", json={"name": "x", "purpose": "gossip"}).status_code == 422


def test_a_pipeline_lists_its_stages(officer: httpx.Client, pipeline_path: str) -> None:
    detail = officer.get(pipeline_path).json()
    assert (detail["purpose"], detail["stages"]) == ("investment", list(INVESTMENT_STAGES))


def test_a_lead_is_moved_to_a_site_visit_with_an_owner(officer: httpx.Client, pipeline_path: str) -> None:
    answer = officer.put(f"{pipeline_path}/entries/ma-bio-001", json={"stage": "site_visit", "owner": "kim"})
    assert answer.status_code == 200, answer.text
    assert [(e["stage"], e["owner"]) for e in answer.json()["entries"]] == [("site_visit", "kim")]


def test_a_lead_added_without_a_stage_is_identified(officer: httpx.Client, pipeline_path: str) -> None:
    entries = officer.put(f"{pipeline_path}/entries/ma-bio-001", json={}).json()["entries"]
    assert [e["stage"] for e in entries] == ["identified"]


def test_a_partner_stage_on_a_pipeline_is_422_naming_the_pipelines_stages(
    officer: httpx.Client, pipeline_path: str
) -> None:
    answer = officer.put(f"{pipeline_path}/entries/ma-bio-001", json={"stage": "meeting"})
    assert answer.status_code == 422
    assert "identified, contacted, site_visit, mou, investment" in answer.json()["message"]


def test_a_pipeline_stage_on_a_list_of_partners_is_422_naming_its_stages(officer: httpx.Client) -> None:
    made = officer.post("/v1/shortlists", json={"name": "Seattle visit"}).json()
    answer = officer.put(f"/v1/shortlists/{made['id']}/entries/ma-bio-001", json={"stage": "mou"})
    officer.delete(f"/v1/shortlists/{made['id']}")
    assert answer.status_code == 422
    assert "new, contacted, meeting, agreement" in answer.json()["message"]


def test_a_refused_stage_leaves_the_list_unchanged(officer: httpx.Client, pipeline_path: str) -> None:
    officer.put(f"{pipeline_path}/entries/ma-bio-001", json={"stage": "agreement"})
    assert officer.get(pipeline_path).json()["entries"] == []


def test_an_overlong_owner_is_422(officer: httpx.Client, pipeline_path: str) -> None:
    answer = officer.put(f"{pipeline_path}/entries/ma-bio-001", json={"owner": "k" * 101})
    assert answer.status_code == 422
