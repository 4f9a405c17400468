"""Free-text search over the demo data with the packaged MiniLM model, and an index kept in step with the store.

The queries and expected organisations are the planted search facts of data/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.auth import User
from matcher.bands import Band, calibration_for
from matcher.embed import Encoder, SentenceTransformerEncoder
from matcher.filters import Filters
from matcher.policy import Access

pytestmark = pytest.mark.slow

PLANTED_QUERIES = [
    ("GMP manufacturing of antibody-drug conjugates", ["ma-bio-001", "ca-bio-002"]),
    ("independent battery cell testing: cycle life and abuse tests", ["do-tech-001"]),
    ("fabrication of superconducting qubit chips and dilution refrigerator measurements", ["dj-tech-002"]),
    ("seed funding for robotics startups", ["se-tech-001"]),
    ("help for foreign health startups entering the Korean market", ["dj-bio-007"]),
    ("thermal vacuum and vibration testing of satellite hardware", ["dj-tech-003"]),
    ("mRNA and lipid nanoparticle contract manufacturing", ["dj-bio-003"]),
    ("lung cancer plasma samples from a hospital biobank", ["dj-bio-004"]),
    ("localisation software for robots without GPS", ["dj-tech-006"]),
    ("silicon photonics prototyping on shared wafer runs", ["do-tech-005"]),
    ("FDA 510(k) submission support for a medical device", ["mc-bio-004"]),
    ("cloud access to trapped-ion quantum computers", ["mc-tech-002"]),
    ("AAV gene therapy vector manufacturing", ["ca-bio-003"]),
    ("CHO cell line development", ["do-bio-001"]),
    ("reimbursement of digital therapeutics in Germany", ["do-bio-010"]),
    ("IND-enabling GLP toxicology studies", ["ca-bio-001"]),
]


@pytest.mark.parametrize(("query", "expected"), PLANTED_QUERIES, ids=[q for q, _ in PLANTED_QUERIES])
def test_planted_queries_find_their_organisations_in_the_top_5(
    demo_matcher: Matcher, query: str, expected: list[str]
) -> None:
    top = [hit.id for hit in demo_matcher.search(query, k=5)]
    assert set(expected) <= set(top), f"{query!r}: got {top}"


def test_filters_apply_inside_the_search_so_k_results_come_back(demo_matcher: Matcher) -> None:
    filters = Filters.from_user(country=["Germany"], org_type=["startup"])
    # Among German startups only: each of the five matches the text (above the search's weak floor).
    hits = demo_matcher.search("startup company in Dortmund", k=5, filters=filters)
    assert len(hits) == 5
    assert {(h.country, h.org_type) for h in hits} == {("DE", "startup")}


def test_search_results_carry_the_matching_facet_and_are_sorted(demo_matcher: Matcher) -> None:
    hits = demo_matcher.search("aseptic fill-finish", k=10)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert {h.facet for h in hits} <= {"profile", "offers"}
    assert len({h.id for h in hits}) == len(hits)


def test_a_search_for_a_kind_of_organisation_lists_that_kind_first(demo_matcher: Matcher) -> None:
    # By topic alone, robotics startups come first; the search asks for a university.
    text = "a university lab for robot learning research"
    assert demo_matcher.read_search(text).kinds == ("university",)
    hits = demo_matcher.search(text, k=5)
    assert hits[0].id == "dj-tech-001"
    assert [h.org_type for h in hits[:2]] == ["university"] * 2


def test_a_kind_that_heads_the_request_puts_even_its_weak_matches_first(demo_matcher: Matcher) -> None:
    # Every investor matches this search only weakly; read by score, robot startups would be second and third.
    hits = demo_matcher.search("an early-stage investor for a legged robot startup", k=5)
    assert hits[0].id == "se-tech-001"
    assert [h.org_type for h in hits[:3]] == ["investor"] * 3


def test_the_hits_of_a_kind_asked_for_say_they_are_listed_first(demo_matcher: Matcher) -> None:
    hits = demo_matcher.search("an early-stage investor for a legged robot startup", k=5)
    assert [h.listed_first for h in hits] == [h.org_type == "investor" for h in hits]
    assert hits[0].listed_first


def test_without_kinds_first_a_search_for_a_kind_is_ordered_by_score(demo_matcher: Matcher) -> None:
    # The user's correction when a kind word was misread: the investors that match weakly fall behind the robots.
    hits = demo_matcher.search("an early-stage investor for a legged robot startup", k=5, kinds_first=False)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert not any(h.listed_first for h in hits)
    assert [h.org_type for h in hits[:3]] != ["investor"] * 3  # robot startups second and third, as by score


def test_a_startups_search_lists_the_kind_asked_for_first_as_an_officers_does(demo_matcher: Matcher) -> None:
    # A startup's search is merged from one search per facet it may see; the merge keeps the search's order.
    startup = Access(demo_matcher, User("hanbit", "startup", org_id="dj-bio-001"))
    text, calgary = "an early-stage investor for a legged robot startup", Filters.from_user(city=["Calgary"])
    hits = startup.search(text, k=5, filters=calgary)  # by score, an accelerator would come before the investor
    assert hits[0].org_type == "investor" and hits[0].listed_first
    assert [h.id for h in hits] == [h.id for h in demo_matcher.search(text, k=5, filters=calgary)]


def test_a_kind_named_in_passing_moves_only_its_good_matches(demo_matcher: Matcher) -> None:
    text = "lab automation robot that runs cell culture and assays overnight in a university lab"
    reading = demo_matcher.read_search(text)
    assert reading.kinds == ("university",)
    hits = demo_matcher.search(text, k=3)
    assert hits[0].id == "mc-tech-011"  # the lab-automation startup, not a university that matches weakly
    assert "university" not in [h.org_type for h in hits]


def test_a_search_that_names_no_kind_is_ordered_by_score(demo_matcher: Matcher) -> None:
    hits = demo_matcher.search("legged robots for warehouse inspection", k=5)
    assert demo_matcher.read_search("legged robots for warehouse inspection").kinds == ()
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_on_seeks_finds_who_needs_something(demo_matcher: Matcher) -> None:
    hits = demo_matcher.search("a partner for GMP fill-finish of clinical batches", k=5, facets=("seeks",))
    assert all(h.facet == "seeks" for h in hits)
    assert all(demo_matcher.profile(h.id).seeks for h in hits)


@pytest.fixture
def small_matcher(tmp_path: Path, demo_dir: Path, minilm: Encoder) -> Matcher:
    matcher = Matcher(tmp_path / "ws", encoder=minilm)
    frame = pd.read_csv(demo_dir / "profiles.csv", dtype=str).head(30)
    frame.to_csv(tmp_path / "p.csv", index=False)
    matcher.import_profiles(tmp_path / "p.csv")
    matcher.build()
    return matcher


def test_a_rebuild_after_one_edit_embeds_only_that_profile(small_matcher: Matcher, tmp_path: Path) -> None:
    edited = small_matcher.profiles().head(1).assign(seeks="a partner for quantum error correction research")
    small_matcher.store.upsert_profiles(edited)
    report = small_matcher.build()
    assert report.encoded == {"profile": 0, "offers": 0, "seeks": 1}
    assert (report.added, report.updated, report.removed) == (0, 1, 0)


def test_a_build_with_nothing_changed_loads_no_model(small_matcher: Matcher) -> None:
    reopened = Matcher(small_matcher.workspace.root, encoder="minilm")
    report = reopened.build()
    assert report.encoded == {"profile": 0, "offers": 0, "seeks": 0}
    assert isinstance(reopened.encoder, SentenceTransformerEncoder)
    assert reopened.encoder.model_ is None


def test_search_never_uses_an_index_that_no_longer_matches_the_store(small_matcher: Matcher) -> None:
    newcomer = (
        small_matcher.profiles()
        .head(1)
        .assign(id="new-1", name="Zephyr Cryo", offers="helium-free dilution refrigerators for qubit labs")
    )
    small_matcher.store.upsert_profiles(newcomer)  # written behind the index's back
    hits = small_matcher.search("dilution refrigerator for qubits", k=1, facets=("offers",))
    assert hits[0].id == "new-1"


def test_removed_profiles_leave_the_index(small_matcher: Matcher) -> None:
    gone = small_matcher.profiles()["id"].iloc[0]
    small_matcher.store.delete_profiles([gone])
    assert small_matcher.build().removed == 1
    assert gone not in {h.id for h in small_matcher.search("anything at all", k=30)}


def test_an_index_built_with_another_model_is_rebuilt_not_used(small_matcher: Matcher) -> None:
    renamed = _Renamed(small_matcher.encoder)
    assert Matcher(small_matcher.workspace.root, encoder=renamed).build().full  # type: ignore[arg-type]


class _Renamed:
    """The same real encoder under another name, as if the model had been upgraded."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    name = "all-MiniLM-L6-v2@some-other-version"

    def __getattr__(self, attr: str) -> object:
        return getattr(self._inner, attr)


@pytest.mark.parametrize(("text", "k", "message"), [("  ", 5, "empty"), ("robots", -1, "between 0")])
def test_bad_search_arguments_are_clear_errors(demo_matcher: Matcher, text: str, k: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        demo_matcher.search(text, k=k)


def test_k_zero_returns_nothing(demo_matcher: Matcher) -> None:
    assert demo_matcher.search("robots", k=0) == []


def test_text_without_words_is_a_clear_error(demo_matcher: Matcher) -> None:
    with pytest.raises(ValueError, match="empty"):
        demo_matcher.search("\x1b", k=1)


@pytest.mark.parametrize("nonsense", ["xyzzy qwerty", "asdf ghjkl"])
def test_a_search_that_nothing_matches_returns_nothing(demo_matcher: Matcher, nonsense: str) -> None:
    assert demo_matcher.search(nonsense, k=10) == []


def test_each_search_hit_carries_its_band(demo_matcher: Matcher) -> None:
    hits = demo_matcher.search("GMP manufacturing of antibody-drug conjugates", k=10)
    assert hits and all(h.band is demo_matcher.calibration.search.band(h.score) for h in hits)
    assert hits[0].band is Band.STRONG


def test_the_cli_says_when_nothing_matches(
    demo_matcher: Matcher, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher.cli import main

    monkeypatch.setenv("MATCHER_HOME", str(demo_matcher.workspace.root))
    assert main(["search", "xyzzy qwerty"]) == 0
    assert capsys.readouterr().out.strip() == 'No organisation matches "xyzzy qwerty".'


# ---------------------------------------------------------------------- across languages (the minilm+use-m3 blend)


@pytest.mark.slow
def test_a_korean_search_finds_the_english_profile_that_offers_it(blend_demo: Matcher) -> None:
    hits = blend_demo.search("이온트랩 양자컴퓨터 클라우드 이용", k=5)  # ion-trap quantum computer, cloud access
    assert hits[0].id == "mc-tech-002"


@pytest.mark.slow
def test_a_search_the_glossary_does_not_read_is_read_with_the_multilingual_models_bands_for_such_searches(
    blend_demo: Matcher,
) -> None:
    across = calibration_for("use-m3").search_across
    assert across is not None and across != blend_demo.calibration.search
    assert blend_demo.search_bands("イオントラップ量子コンピュータのクラウド利用") == across  # no table reads Japanese


@pytest.mark.slow
@pytest.mark.parametrize(
    "text", ["이온트랩 양자컴퓨터 클라우드 이용", "Wartung von Industrierobotern", "ion-trap quantum computer cloud"]
)
def test_a_search_in_english_or_read_through_the_glossary_has_the_blends_bands(blend_demo: Matcher, text: str) -> None:
    assert blend_demo.search_bands(text) == blend_demo.calibration.search


@pytest.mark.slow
@pytest.mark.parametrize("everyday", ["김치찌개 맛있게 끓이는 법", "Wie wird das Wetter morgen?"])  # 2nd: glossed
def test_an_everyday_search_in_another_language_matches_nothing(blend_demo: Matcher, everyday: str) -> None:
    assert blend_demo.search(everyday, k=10) == []
