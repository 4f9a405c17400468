"""The investment-attraction stage (matcher/attract.py): small arrays and frames with known answers."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from matcher.attract import (
    KEYWORD_LANGUAGES,
    Beneficiary,
    Gap,
    Lead,
    Leads,
    LeadScorer,
    Strategy,
    cluster_view,
    find_gaps,
    gaps_filled,
    graph_evidence,
    history_strength,
    lookalike,
    read_sectors,
    split_strategy_sectors,
    strategy_alignment,
)
from matcher.resources import data_text
from matcher.vocab import SECTORS

ONLY_PAIRS = {"breadth": 1.0}


def test_one_local_hub_cannot_carry_a_lead() -> None:
    # Column 0: one local organisation fits it almost perfectly; column 1: three fit it fairly.
    pairs = np.array([[0.95, 0.5], [0.0, 0.5], [0.0, 0.5], [0.0, 0.0]])
    scores = LeadScorer(weights=ONLY_PAIRS).score(pairs)
    assert scores.total[1] > scores.total[0]


def test_breadth_wins_at_equal_pair_scores() -> None:
    pairs = np.array([[0.6, 0.6, 0.6], [0.6, 0.6, 0.0], [0.6, 0.0, 0.0]])
    breadth = LeadScorer().aggregate(pairs)
    assert breadth[0] > breadth[1] > breadth[2]


def test_breadth_is_a_discounted_sum_over_the_best_few_divided_by_the_discounts() -> None:
    pairs = np.array([[0.4], [0.8], [0.1], [0.9]])  # 0.1 is under the floor; depth 2 keeps 0.9 and 0.8
    breadth = LeadScorer(depth=2, floor=0.2, discount=0.5).aggregate(pairs)
    assert breadth[0] == pytest.approx((0.9 + 0.5 * 0.8) / 1.5)


def test_pair_scores_under_the_floor_count_nothing() -> None:
    pairs = np.array([[0.19, 0.0], [0.19, 0.0], [0.19, 0.0]])
    scores = LeadScorer(floor=0.2, weights=ONLY_PAIRS).score(pairs)
    assert scores.total.tolist() == [0.0, 0.0]
    assert scores.served.tolist() == [0, 0]


def test_full_breadth_needs_depth_local_organisations_at_one() -> None:
    assert LeadScorer(depth=3).aggregate(np.ones((3, 1)))[0] == pytest.approx(1.0)
    assert LeadScorer(depth=3).aggregate(np.ones((2, 1)))[0] < 1.0


def test_strategy_alignment_lifts_a_lead_at_equal_breadth() -> None:
    pairs = np.array([[0.5, 0.5], [0.5, 0.5]])
    scores = LeadScorer().score(pairs, strategy=np.array([0.0, 1.0]))
    assert scores.total[1] > scores.total[0]
    assert scores.parts["strategy"].tolist() == [0.0, 1.0]


def test_the_total_is_the_weighted_sum_of_the_parts() -> None:
    pairs = np.array([[1.0], [1.0]])
    scorer = LeadScorer(depth=2, discount=1.0, weights={"breadth": 1.0, "gaps": 0.5, "graph": 0.25})
    scores = scorer.score(pairs, gaps=np.array([1.0]), graph=np.array([0.4]), strategy=np.array([1.0]))
    assert scores.total[0] == pytest.approx(1.0 + 0.5 + 0.25 * 0.4)  # strategy weighs 0 here


def test_beneficiaries_are_the_best_locals_above_the_floor_best_first() -> None:
    pairs = np.array([[0.3], [0.9], [0.1], [0.5]])
    assert LeadScorer(floor=0.2).beneficiaries(pairs, 0, n=3).tolist() == [1, 3, 0]
    assert LeadScorer(floor=0.4).beneficiaries(pairs, 0, n=3).tolist() == [1, 3]


@pytest.mark.parametrize(
    "scorer",
    [LeadScorer(depth=0), LeadScorer(floor=1.0), LeadScorer(discount=0.0), LeadScorer(weights={"fame": 1.0})],
)
def test_bad_parameters_are_named(scorer: LeadScorer) -> None:
    with pytest.raises(ValueError, match="must"):
        scorer.score(np.ones((2, 2)))


def test_a_part_of_the_wrong_length_or_name_is_refused() -> None:
    with pytest.raises(ValueError, match="2 candidates"):
        LeadScorer().score(np.ones((2, 2)), graph=np.ones(3))
    with pytest.raises(ValueError, match="unknown part"):
        LeadScorer().score(np.ones((2, 2)), fame=np.ones(2))


def test_a_city_without_organisations_scores_only_the_other_parts() -> None:
    scores = LeadScorer(weights={"breadth": 1.0, "graph": 1.0}).score(np.zeros((0, 2)), graph=np.array([0.2, 0.0]))
    assert scores.total.tolist() == [0.2, 0.0]


def test_read_sectors_reads_offer_and_need_wording() -> None:
    assert read_sectors("GMP fill-finish for biologics") == ("biologics", "bioprocessing_cdmo")
    assert read_sectors("Quantum sensing; machine learning") == ("ai", "quantum")
    assert read_sectors("") == ()


@pytest.mark.parametrize(
    ("need", "sectors"),
    [
        ("전임상 단계 ADC 후보물질의 GMP 위탁생산을 맡아 줄 CDMO를 찾습니다",
         ("therapeutics", "antibody_drug_conjugates", "bioprocessing_cdmo")),
        ("리튬이온 배터리 양극재용 첨단 소재 공급처", ("advanced_materials", "energy")),
        ("Wir suchen einen Lohnhersteller für die Abfüllung unserer Antikörper", ("biologics", "bioprocessing_cdmo")),
        ("Partner für Festkörperbatterien und KI-gestützte Qualitätskontrolle", ("ai", "energy")),
        ("Buscamos un socio para la fabricación por contrato de anticuerpos", ("biologics", "bioprocessing_cdmo")),
        ("Sensores cuánticos para satélites", ("aerospace", "quantum")),
    ],
)
def test_a_need_in_korean_german_or_spanish_names_its_sectors(need: str, sectors: tuple[str, ...]) -> None:
    assert read_sectors(need) == sectors


def test_every_sector_has_keywords_in_korean_german_and_spanish() -> None:
    table = tomllib.loads(data_text("sector_keywords.toml"))
    assert set(table) == set(KEYWORD_LANGUAGES)
    missing = {lang: sorted(set(SECTORS) - set(table[lang])) for lang in ("ko", "de", "es")}
    assert missing == {"ko": [], "de": [], "es": []}


def test_keywords_are_words_not_letters_inside_other_words() -> None:
    assert read_sectors("MAIL 서버 소재지: 서울") == ()  # "AI" inside MAIL, 소재 in 소재지 (a location)
    assert read_sectors("Kiosk-Software für Museen") == ()  # "KI" only as a word
    assert read_sectors("AI를 활용한 신약 개발") == ("therapeutics", "ai")  # a particle right after "AI"


def test_korean_and_german_needs_count_in_the_citys_gaps() -> None:
    local = _local(
        ["Robot arms", "Robotic welding", "Drones", ""],
        ["바이오의약품 위탁생산(CDMO) 파트너", "GMP-Auftragsfertigung für unser Biologikum", "Robot grippers", ""],
    )
    cdmo = next(g for g in find_gaps("X", local).attract if g.sector == "bioprocessing_cdmo")
    assert (cdmo.seeking, cdmo.offering) == (2, 0)


def _local(offers: list[str], seeks: list[str], sectors: list[tuple[str, ...]] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"offers": offers, "seeks": seeks, "sectors": sectors or [()] * len(offers)})


def test_gaps_attract_what_is_sought_and_not_offered_and_export_the_reverse() -> None:
    local = _local(
        ["Robot arms", "Robotic welding", "Drones for inspection", "Assay kits"],
        ["A CDMO for GMP batches", "GMP fill-finish partner", "Robot grippers", "CDMO capacity"],
    )
    gaps = find_gaps("X", local)
    cdmo = next(g for g in gaps.attract if g.sector == "bioprocessing_cdmo")
    assert (cdmo.seeking, cdmo.offering) == (3, 0)
    assert cdmo.balance == pytest.approx(3 / 4)
    assert [g.sector for g in gaps.export] == ["robotics"]
    assert set(gaps.table.columns) == {"sector", "label", "seeking", "offering", "balance"}


def test_an_offer_naming_no_sector_offers_the_declared_sectors() -> None:
    gaps = find_gaps("X", _local(["Our platform", "Our platform"], ["", ""], [("ai",), ("ai",)]))
    assert [(g.sector, g.offering) for g in gaps.export] == [("ai", 2)]


def test_a_sector_sought_by_one_organisation_only_is_no_gap() -> None:
    assert find_gaps("X", _local(["", ""], ["A CDMO", ""])).attract == ()


def test_gaps_filled_reads_the_offers() -> None:
    gaps = [Gap("bioprocessing_cdmo", 3, 0, 0.75), Gap("quantum", 2, 0, 0.67)]
    assert gaps_filled("GMP manufacturing at scale", ("therapeutics",), gaps) == ("bioprocessing_cdmo",)
    assert gaps_filled("", ("quantum",), gaps) == ("quantum",)


def test_strategy_alignment_averages_sectors_and_text() -> None:
    strategy = Strategy("X", sectors=("ai",), text="AI research centres")
    aligned = strategy_alignment(strategy, [("ai",), ()], np.array([0.6, -0.2]))
    assert aligned.tolist() == pytest.approx([0.8, 0.0])
    assert strategy_alignment(Strategy("X"), [("ai",)]).tolist() == [0.0]


def test_lookalike_is_the_best_cosine_with_an_anchor_other_than_itself() -> None:
    candidates = np.array([[1.0, 0.0], [0.0, 1.0]])
    anchors = np.array([[1.0, 0.0], [0.6, 0.8]])
    same = np.array([[True, False], [False, False]])  # candidate 0 is anchor 0
    assert lookalike(candidates, anchors, same).tolist() == pytest.approx([0.6, 0.8])


def test_graph_evidence_counts_direct_links_and_shared_partners() -> None:
    # 0 is the city's; 1 works with 0 directly; 2 shares partner 3 (degree 2) with 0; 4 is unconnected.
    edges = [(0, 1), (0, 3), (2, 3)]
    rows, cols = zip(*(edges + [(b, a) for a, b in edges]), strict=True)
    adjacency = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(5, 5))
    evidence = graph_evidence(adjacency, np.array([0]), np.array([1, 2, 4]))
    aa = 1 / np.log(2)
    assert evidence.tolist() == pytest.approx([1 / 2, aa / (1 + aa), 0.0])


def test_cluster_view_counts_types_sectors_hubs_and_partnerships() -> None:
    profiles = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "name": ["Uni A", "B", "C", "D"],
            "org_type": ["university", "startup", "startup", "company"],
            "city": ["X", "X", "X", "Y"],
            "sectors": [("ai",), ("ai",), ("robotics",), ()],
            "offers": ["Robot testing labs", "Robot testing services", "", ""],
            "seeks": ["", "", "", ""],
        }
    )
    edges = pd.DataFrame({"source_id": ["a", "b", "d"], "target_id": ["b", "d", "c"]})
    view = cluster_view("X", profiles, edges)
    assert (view.organisations, view.by_type) == (3, {"startup": 2, "university": 1})
    assert view.by_sector == {"ai": 2, "robotics": 1}
    assert view.knowledge_hubs == (("a", "Uni A"),)
    assert (view.partnerships_home, view.partnerships_abroad, view.partner_cities) == (1, 2, {"Y": 2})
    assert view.offers[0] == "robot testing"
    json.dumps(view.to_dict())


def test_lead_json_has_the_shape_of_the_issue() -> None:
    lead = Lead("x", "Acme", "Basel", "CH", "multinational", 0.712345,
                (Beneficiary("a", "Hanbit", 0.5, "Their offer ..."),), ("Fits 1.",), ("ai",), {"breadth": 0.3})
    payload = json.loads(json.dumps(Leads("Daejeon", (lead,)).to_dict()))
    assert set(payload) == {"city", "results", "message"}
    result = payload["results"][0]
    assert {"id", "name", "city", "country", "org_type", "score", "local_beneficiaries", "reasons"} <= set(result)
    assert {"id", "name", "reason"} <= set(result["local_beneficiaries"][0])
    assert result["score"] == 0.7123


def test_strategy_sectors_accept_labels_and_aliases_and_name_the_rest() -> None:
    assert split_strategy_sectors(["Bioprocessing / CDMO", "machine learning", "tourism"]) == (
        ("bioprocessing_cdmo", "ai"),
        ("tourism",),
    )


def test_the_graph_counts_in_full_only_with_a_rich_partnership_history() -> None:
    assert history_strength(np.array([4, 4, 4])) == pytest.approx(0.04)  # the demo's 4 partners each
    assert history_strength(np.array([20, 30])) == 1.0
    assert history_strength(np.array([], dtype=int)) == 0.0
