"""Investment attraction through the services and the policy: leads, gaps, cluster, city benchmark, strategy,
the investment pipeline and its exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import matcher.service.attraction as attraction_service
from matcher.api import Matcher
from matcher.attract import LEAD_TYPES, Beneficiary
from matcher.auth import AccessDenied, User
from matcher.embed import Encoder
from matcher.errors import InputError, NotFoundError
from matcher.policy import Access
from matcher.schema import INVESTMENT_STAGES, MAX_OWNER_CHARS
from matcher.store import StoreError

OFFICER = User("kim", "officer")
STARTUP = User("hanbit", "startup", org_id="dj-bio-001")

# A small world with a known answer: three Daejeon organisations need GMP manufacturing; Basel Biologics offers it
# and needs Korean clinical partners (which two of them offer); Oslo Robotics fits nobody there.
PROFILES = """id,name,org_type,city,country,sectors,offers,seeks,public_fields
dj-1,Hanbit Bioworks,startup,Daejeon,KR,ADC,Site-specific ADC conjugation chemistry,GMP manufacturing of ADC batches \
for clinical trials,
dj-2,Gaon Therapeutics,startup,Daejeon,KR,therapeutics,Phase 1 clinical trial sites in Korea,GMP manufacturing of \
antibody drug substance at clinical scale,
dj-3,Seorin Clinical,sme,Daejeon,KR,therapeutics,Clinical trial management in Korea,A CDMO for GMP manufacturing \
of our biologics,id;name;org_type;city;country
bs-1,Basel Biologics AG,multinational,Basel,CH,biologics;CDMO,GMP manufacturing of antibodies and ADC batches from \
clinical to commercial scale,Clinical trial partners in Korea,
os-1,Oslo Robotics AS,large_company,Oslo,NO,robotics,Warehouse robot fleets,Logistics integrators,
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, minilm: Encoder) -> Matcher:
    """The small world above, indexed."""
    folder = tmp_path_factory.mktemp("attract")
    (folder / "p.csv").write_text(PROFILES, encoding="utf-8")
    matcher = Matcher(folder / "ws", encoder=minilm)
    assert matcher.import_profiles(folder / "p.csv").imported == 5
    matcher.build()
    return matcher


@pytest.fixture
def plain(tmp_path: Path) -> Matcher:
    """A workspace with the small world's profiles and no index (strategies and shortlists need none)."""
    (tmp_path / "p.csv").write_text(PROFILES, encoding="utf-8")
    matcher = Matcher(tmp_path / "ws")
    matcher.import_profiles(tmp_path / "p.csv")
    return matcher


# Leads: a known answer --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_organisation_whose_offers_meet_several_local_needs_leads(small: Matcher) -> None:
    found = small.attraction.leads("Daejeon", k=5)
    assert [lead.id for lead in found.results] == ["bs-1", "os-1"]
    best = found.results[0]
    assert len(best.local_beneficiaries) == 3
    assert {b.id for b in best.local_beneficiaries} == {"dj-1", "dj-2", "dj-3"}
    assert "bioprocessing_cdmo" in best.gaps_filled
    assert found.message is not None and "only 2" in found.message


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory, minilm: Encoder) -> Matcher:
    """The small world above, indexed, where Gaon Therapeutics (dj-2) already works with Basel Biologics."""
    folder = tmp_path_factory.mktemp("attract-linked")
    (folder / "p.csv").write_text(PROFILES, encoding="utf-8")
    (folder / "e.csv").write_text("source_id,target_id,kind,year\nbs-1,dj-2,co_research,2024\n", encoding="utf-8")
    matcher = Matcher(folder / "ws", encoder=minilm)
    matcher.import_profiles(folder / "p.csv")
    assert matcher.import_partnerships(folder / "e.csv").imported == 1
    matcher.build()
    return matcher


@pytest.mark.slow
def test_a_local_beneficiary_already_partnering_the_lead_is_flagged(linked: Matcher) -> None:
    best = linked.attraction.leads("Daejeon", k=1).results[0]
    assert best.id == "bs-1"
    assert {b.id: b.partner for b in best.local_beneficiaries} == {"dj-1": False, "dj-2": True, "dj-3": False}


@pytest.mark.slow
def test_the_flag_is_in_the_json_and_kept_for_an_officer(linked: Matcher) -> None:
    best = Access(linked, OFFICER).leads("Daejeon", k=1).to_dict()["results"][0]
    assert {b["id"]: b["partner"] for b in best["local_beneficiaries"]} == {"dj-1": False, "dj-2": True, "dj-3": False}


@pytest.mark.slow
def test_a_leads_reasons_come_as_kinds_with_parameters_and_their_english(linked: Matcher) -> None:
    best = Access(linked, OFFICER).leads("Daejeon", k=1).results[0]
    details = {reason.kind: dict(reason.params) for reason in best.reason_details}
    assert details["fits"] == {"n": 3, "city": "Daejeon", "names": [b.name for b in best.local_beneficiaries]}
    assert details["partners"] == {"n": 1, "city": "Daejeon", "names": ["Gaon Therapeutics"]}
    assert [s["sector"] for s in details["gaps"]["gaps"]] == list(best.gaps_filled)
    assert best.reasons == tuple(reason.text for reason in best.reason_details)
    assert best.to_dict()["reason_details"][0]["kind"] == "fits"


@pytest.mark.slow
def test_a_citys_fit_carries_the_same_kinds_of_reason(linked: Matcher) -> None:
    fits = linked.attraction.fit_cities("bs-1", city="Daejeon").fits
    daejeon = next(fit for fit in fits if fit.city == "Daejeon")
    assert daejeon.reasons == tuple(reason.text for reason in daejeon.reason_details)
    assert daejeon.reason_details[0].kind == "fits"


@pytest.mark.slow
def test_without_partnerships_no_beneficiary_is_flagged(small: Matcher) -> None:
    best = small.attraction.leads("Daejeon", k=1).results[0]
    assert not any(b.partner for b in best.local_beneficiaries)


@pytest.mark.slow
def test_a_beneficiary_reason_quotes_both_sides(small: Matcher) -> None:
    best = small.attraction.leads("Daejeon", k=1).results[0]
    reasons = [b.reason for b in best.local_beneficiaries]
    assert any('Their offer "' in r and 'your need "' in r for r in reasons), reasons


@pytest.mark.slow
def test_evidence_for_an_officer_quotes_only_public_fields(small: Matcher) -> None:
    best = Access(small, OFFICER).leads("Daejeon", k=1).results[0]
    hidden = next(b for b in best.local_beneficiaries if b.id == "dj-3")  # dj-3 shows its identity only
    assert "CDMO" not in hidden.reason and "Clinical trial management" not in hidden.reason
    assert "not public" in hidden.reason
    shown = next(b for b in best.local_beneficiaries if b.id == "dj-1")
    assert '"' in shown.reason


@pytest.mark.slow
def test_a_startup_cannot_reach_any_investment_view(small: Matcher) -> None:
    access = Access(small, User("hanbit", "startup", org_id="dj-1"))
    calls = [
        lambda: access.leads("Daejeon"),
        lambda: access.gaps("Daejeon"),
        lambda: access.cluster("Daejeon"),
        lambda: access.fit_cities("bs-1"),
        lambda: access.strategy("Daejeon"),
        lambda: access.set_strategy("Daejeon", sectors=["AI"], text=""),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()


# Leads on the demo data -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_twenty_leads_for_daejeon_all_outside_it_of_the_lead_types_best_first(demo_matcher: Matcher) -> None:
    found = demo_matcher.attraction.leads("Daejeon", k=20)
    assert len(found.results) == 20
    assert all(lead.city != "Daejeon" and lead.org_type in LEAD_TYPES for lead in found.results)
    scores = [lead.score for lead in found.results]
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(b, Beneficiary) and b.reason for lead in found.results for b in lead.local_beneficiaries)


@pytest.mark.slow
@pytest.mark.parametrize(("city", "planted"), [("Daejeon", {"gl-bio-001", "gl-bio-002"}),
                                               ("Calgary", {"gl-tech-001", "gl-tech-003", "gl-tech-010"})])
def test_a_first_stage_narrower_than_the_catalogue_keeps_the_planted_leads(
    demo_matcher: Matcher, monkeypatch: pytest.MonkeyPatch, city: str, planted: set[str]
) -> None:
    # The demo's 90 eligible organisations are all scored exactly by default; with 30 the first stage (the local
    # organisations' own suggestions, in score order) picks which are, and the leads planted there still come first.
    monkeypatch.setattr(attraction_service, "EXACT_CANDIDATES", 30)
    found = demo_matcher.attraction.leads(city, k=5)
    assert planted <= {lead.id for lead in found.results}


@pytest.mark.slow
def test_the_city_may_be_written_natively(demo_matcher: Matcher) -> None:
    assert demo_matcher.attraction.leads("대전", k=3).city == "Daejeon"


@pytest.mark.slow
def test_filters_hold(demo_matcher: Matcher) -> None:
    investors = demo_matcher.attraction.leads("Seattle", k=5, org_types=["investor"]).results
    assert investors and all(lead.org_type == "investor" for lead in investors)
    bio = demo_matcher.attraction.leads("Seattle", k=5, sector="CDMO").results
    assert bio and all("bioprocessing_cdmo" in demo_matcher.profile(lead.id).sectors for lead in bio)


@pytest.mark.slow
def test_an_unknown_city_names_the_known_ones(demo_matcher: Matcher) -> None:
    with pytest.raises(NotFoundError, match=r"known cities: .*Daejeon"):
        demo_matcher.attraction.leads("Atlantis")


@pytest.mark.slow
def test_k_and_types_are_checked(demo_matcher: Matcher) -> None:
    with pytest.raises(InputError):
        demo_matcher.attraction.leads("Daejeon", k=-1)
    with pytest.raises(InputError, match="organisation type"):
        demo_matcher.attraction.leads("Daejeon", org_types=["unicorn"])


@pytest.mark.slow
def test_gaps_and_cluster_of_daejeon(demo_matcher: Matcher) -> None:
    gaps = demo_matcher.attraction.gaps("Daejeon")
    assert all(g.balance >= 0.3 and g.seeking >= 2 for g in gaps.attract)
    assert all(g.balance <= -0.3 for g in gaps.export)
    assert not gaps.table.empty
    view = demo_matcher.attraction.cluster("Daejeon")
    assert view.organisations == 38
    assert sum(view.by_type.values()) == 38


@pytest.mark.slow
def test_fit_cities_compares_every_other_alliance_city_honestly(demo_matcher: Matcher) -> None:
    fits = demo_matcher.attraction.fit_cities("ma-bio-001", city="Seattle")
    cities = [fit.city for fit in fits.fits]
    assert "Málaga" not in cities and len(cities) == 5
    assert [fit.score for fit in fits.fits] == sorted((fit.score for fit in fits.fits), reverse=True)
    assert fits.summary.startswith(f"{fits.name} fits {cities[0]} best")
    if cities[0] != "Seattle":
        assert f"{cities[0]} fits it better" in fits.summary


# Strategy ---------------------------------------------------------------------------------------------------


def test_a_strategy_round_trips_with_who_and_when(plain: Matcher) -> None:
    attraction = plain.attraction
    assert attraction.strategy("Daejeon").is_empty
    saved = attraction.set_strategy("대전", sectors=["CDMO", "Artificial intelligence"], text="Attract GMP sites.",
                                    user="kim")
    again = attraction.strategy("Daejeon")
    assert again == saved
    assert (again.sectors, again.text, again.updated_by) == (("bioprocessing_cdmo", "ai"), "Attract GMP sites.", "kim")
    assert again.updated_at


def test_a_strategy_with_an_unknown_sector_or_too_long_a_text_is_refused(plain: Matcher) -> None:
    with pytest.raises(InputError, match="unknown sector"):
        plain.attraction.set_strategy("Daejeon", sectors=["tourism"], text="", user="kim")
    with pytest.raises(InputError, match="characters"):
        plain.attraction.set_strategy("Daejeon", sectors=[], text="x" * 5000, user="kim")
    with pytest.raises(NotFoundError):
        plain.attraction.set_strategy("Atlantis", sectors=[], text="", user="kim")


@pytest.mark.postgres
def test_a_strategy_round_trips_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    from matcher.config import Settings

    matcher = Matcher(settings=Settings(home=tmp_path / "ws", database_url=postgres_url))
    (tmp_path / "p.csv").write_text(PROFILES, encoding="utf-8")
    matcher.import_profiles(tmp_path / "p.csv")
    matcher.attraction.set_strategy("Daejeon", sectors=["AI"], text="first", user="kim")
    saved = matcher.attraction.set_strategy("Daejeon", sectors=["quantum"], text="second", user="lee")
    assert matcher.attraction.strategy("Daejeon") == saved
    assert (saved.sectors, saved.text, saved.updated_by) == (("quantum",), "second", "lee")


# The investment pipeline ------------------------------------------------------------------------------------


def test_an_investment_list_takes_investment_stages_an_owner_and_starts_at_identified(plain: Matcher) -> None:
    curation = plain.curation
    list_id = curation.create_shortlist("Daejeon pipeline", owner="kim", purpose="investment")
    curation.set_shortlist_entry(list_id, "bs-1")
    entry = curation.shortlist_entries(list_id).iloc[0]
    assert entry["stage"] == "identified"
    curation.set_shortlist_entry(list_id, "bs-1", stage="site_visit", owner="lee", note="Visit in May")
    table = curation.shortlist_table(list_id)
    assert table.loc[0, ["stage", "followed up by", "note"]].tolist() == ["site_visit", "lee", "Visit in May"]
    assert curation.shortlist_stages(list_id) == INVESTMENT_STAGES
    assert curation.shortlists().loc[0, "purpose"] == "investment"


def test_a_stage_the_lists_purpose_lacks_is_an_input_error_naming_its_stages(plain: Matcher) -> None:
    curation = plain.curation
    pipeline = curation.create_shortlist("Pipeline", purpose="investment")
    partners = curation.create_shortlist("Visit")
    with pytest.raises(InputError, match="identified, contacted, site_visit, mou, investment"):
        curation.set_shortlist_entry(pipeline, "bs-1", stage="meeting")
    with pytest.raises(InputError, match="new, contacted, meeting, agreement"):
        curation.set_shortlist_entry(partners, "bs-1", stage="mou")
    curation.set_shortlist_entry(partners, "bs-1")
    assert curation.shortlist_entries(partners).iloc[0]["stage"] == "new"


def test_a_refused_stage_is_still_a_store_error_for_callers_that_catch_those(plain: Matcher) -> None:
    pipeline = plain.curation.create_shortlist("Pipeline", purpose="investment")
    with pytest.raises(StoreError):
        plain.curation.set_shortlist_entry(pipeline, "bs-1", stage="agreement")


def test_an_unknown_purpose_is_an_input_error(plain: Matcher) -> None:
    with pytest.raises(InputError, match="purpose"):
        plain.curation.create_shortlist("X", purpose="charity")


def test_an_owner_longer_than_the_limit_is_refused_and_leaves_the_entry_alone(plain: Matcher) -> None:
    curation = plain.curation
    pipeline = curation.create_shortlist("Pipeline", purpose="investment")
    curation.set_shortlist_entry(pipeline, "bs-1", owner="kim")
    with pytest.raises(InputError, match=f"at most {MAX_OWNER_CHARS} characters; this one has {MAX_OWNER_CHARS + 1}"):
        curation.set_shortlist_entry(pipeline, "bs-1", owner="k" * (MAX_OWNER_CHARS + 1))
    assert curation.shortlist_entries(pipeline)["owner"].tolist() == ["kim"]


def test_an_owner_of_exactly_the_limit_is_kept(plain: Matcher) -> None:
    pipeline = plain.curation.create_shortlist("Pipeline", purpose="investment")
    plain.curation.set_shortlist_entry(pipeline, "bs-1", owner="k" * MAX_OWNER_CHARS)
    assert plain.curation.shortlist_entries(pipeline)["owner"].tolist() == ["k" * MAX_OWNER_CHARS]


def test_the_brief_of_a_pipeline_says_who_follows_each_lead_up(plain: Matcher) -> None:
    curation = plain.curation
    pipeline = curation.create_shortlist("Daejeon pipeline", purpose="investment")
    curation.set_shortlist_entry(pipeline, "bs-1", owner="Lee <Mina>")
    curation.set_shortlist_entry(pipeline, "os-1")  # nobody follows it up yet
    brief = curation.shortlist_brief(pipeline)
    assert brief.count("<dt>Followed up by</dt>") == 1
    assert "<dt>Followed up by</dt><dd>Lee &lt;Mina&gt;</dd>" in brief


# Exports ----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_leads_export_as_csv_and_a_brief_with_one_page_per_lead(small: Matcher) -> None:
    access = Access(small, OFFICER)
    found = access.leads("Daejeon", k=2)
    rows = list(csv.DictReader(io.StringIO(access.leads_csv(found).decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == ["bs-1", "os-1"]
    assert "Hanbit Bioworks" in rows[0]["local beneficiaries"]
    page = access.leads_brief(found)
    assert page.count("<section>") == 2 and "break-before: page" in page
    assert "Clinical trial partners in Korea" in page  # the lead's public needs
    assert access.lead_brief("Daejeon", found.results[0]).count("<section>") == 1
