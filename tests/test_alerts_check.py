"""Checking saved searches against changed profiles, with the packaged model (slow): a new strong match alerts its
owner once, a weak one does not, a re-check or an unchanged re-import alerts no one, processes checking at once
store one alert, and a startup's alerts show what its lists show.

The workspace holds the first five bio organisations of each place; each test saves its searches under an owner of
its own, then writes profiles of known content and checks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from matcher.api import Matcher
from matcher.auth import User
from matcher.bands import RANKING_BANDS, SEARCH_BANDS
from matcher.embed import Encoder
from matcher.filters import Filters
from matcher.policy import Access, check_alerts
from matcher.service.alerts import SavedSearch

pytestmark = pytest.mark.slow

ADC_MAKER = "ma-bio-001"
"""Málaga's ADC manufacturer, a strong partner for Hanbit Bioworks (dj-bio-001) in the demo."""


@pytest.fixture(scope="module")
def matcher(
    tmp_path_factory: pytest.TempPathFactory, minilm: Encoder, bio_subset: Callable[[Path], tuple[Path, Path]]
) -> Iterator[Matcher]:
    """The bio subset, indexed, every profile checked once (so only what a test writes is news)."""
    folder = tmp_path_factory.mktemp("alerts-check")
    profiles, partnerships = bio_subset(folder / "data")
    m = Matcher(folder / "ws", encoder=minilm)
    m.import_profiles(profiles)
    m.import_partnerships(partnerships)
    m.build()
    check_alerts(m)
    yield m
    m.close()


def saved_then_later(access: Access, name: str, **given: Any) -> SavedSearch:
    """Saves a search and waits for the next second: profiles written from then on are news to it (times are kept
    in whole seconds, and what was written in the second it was saved counts as there before)."""
    saved = access.save_search(name, **given)
    while datetime.now(UTC).isoformat(timespec="seconds") <= saved.created_at:
        time.sleep(0.05)
    return saved


def clone(matcher: Matcher, profile_id: str, new_id: str, **changes: Any) -> dict[str, Any]:
    """A stored profile under another id in Seattle (another city than every demo asker's here), with changes."""
    record = matcher.profile(profile_id).to_dict()
    record.update(id=new_id, name=f"Clone {new_id}", city="Seattle", country="US", **changes)
    return record


def write(matcher: Matcher, *records: dict[str, Any]) -> None:
    report = matcher.importer.upsert(list(records), source="test")
    assert not report.rejected, report.rejected


def test_a_new_strong_search_match_alerts_its_owner_once(matcher: Matcher) -> None:
    access = Access(matcher, User("search-owner", "officer"))
    offers = matcher.profile(ADC_MAKER).offers
    saved = saved_then_later(access, "ADC fill-finish", text=offers)
    write(matcher, clone(matcher, ADC_MAKER, "zz-strong-search"))
    report = check_alerts(matcher)
    [alert] = access.alerts()
    assert (alert.saved_search_id, alert.profile_id, alert.band) == (saved.id, "zz-strong-search", "strong")
    assert alert.score >= SEARCH_BANDS.strong and "Its offer matches the search" in alert.reasons[0]
    assert report.alerts >= 1


def test_a_weak_match_alerts_no_one(matcher: Matcher) -> None:
    access = Access(matcher, User("weak-owner", "officer"))
    text = "GMP manufacturing of antibody-drug conjugates"
    saved_then_later(access, "ADC", text=text)
    bakery = {"id": "zz-bakery", "name": "Rainier Wedding Cakes", "org_type": "sme", "city": "Seattle",
              "country": "US", "description": "Wedding cakes and pastries baked to order.",
              "offers": "Tiered cakes, cupcakes and catering for weddings."}  # fmt: skip
    write(matcher, bakery)
    assert check_alerts(matcher).changed >= 1
    assert access.alerts() == []
    hits = {hit.id: hit.band for hit in matcher.search(text, k=200)}
    assert hits.get("zz-bakery") != "strong"  # it was looked at and found wanting, not missed


def test_a_recheck_and_an_unchanged_rewrite_alert_no_one_again(matcher: Matcher) -> None:
    access = Access(matcher, User("recheck-owner", "officer"))
    saved_then_later(access, "ADC fill-finish", text=matcher.profile(ADC_MAKER).offers)
    record = clone(matcher, ADC_MAKER, "zz-recheck")
    write(matcher, record)
    check_alerts(matcher)
    assert check_alerts(matcher).changed == 0
    write(matcher, {**record, "description": record["description"] + " Now also in Tacoma."})
    assert check_alerts(matcher).changed == 1
    assert [alert.profile_id for alert in access.alerts()] == ["zz-recheck"]


def test_a_profile_written_before_the_search_was_saved_is_no_news(matcher: Matcher) -> None:
    write(matcher, clone(matcher, ADC_MAKER, "zz-before"))
    written = datetime.now(UTC).isoformat(timespec="seconds")
    while datetime.now(UTC).isoformat(timespec="seconds") <= written:  # the search is saved in a later second
        time.sleep(0.05)
    access = Access(matcher, User("late-owner", "officer"))
    saved_then_later(access, "ADC fill-finish", text=matcher.profile(ADC_MAKER).offers)
    check_alerts(matcher)
    assert access.alerts() == []


def test_a_match_outside_the_saved_filters_alerts_no_one(matcher: Matcher) -> None:
    access = Access(matcher, User("filter-owner", "officer"))
    saved_then_later(access, "ADC in Spain", text=matcher.profile(ADC_MAKER).offers,
                     filters=Filters.from_user(country=["ES"]))  # fmt: skip
    write(matcher, clone(matcher, ADC_MAKER, "zz-in-seattle"))  # as strong a match as any, in the US
    check_alerts(matcher)
    assert access.alerts() == []


def test_a_new_strong_partner_alerts_a_saved_recommendation_with_reasons(matcher: Matcher) -> None:
    access = Access(matcher, User("recommend-owner", "officer"))
    saved_then_later(access, "Partners for Hanbit", org_id="dj-bio-001")
    write(matcher, clone(matcher, ADC_MAKER, "zz-partner"))
    check_alerts(matcher)
    [alert] = [alert for alert in access.alerts() if alert.profile_id == "zz-partner"]
    assert alert.kind == "recommend" and alert.score >= RANKING_BANDS.strong
    assert any("Different city: Seattle (US)." == reason for reason in alert.reasons)


def test_checks_running_at_once_store_one_alert(matcher: Matcher, minilm: Encoder) -> None:
    access = Access(matcher, User("race-owner", "officer"))
    saved_then_later(access, "ADC fill-finish", text=matcher.profile(ADC_MAKER).offers)
    write(matcher, clone(matcher, ADC_MAKER, "zz-race"))
    others = [Matcher(matcher.workspace.root, encoder=minilm) for _ in range(2)]  # as other processes would
    start = threading.Barrier(len(others))
    added: list[int] = []

    def run(m: Matcher) -> None:
        start.wait()
        added.append(check_alerts(m).alerts)

    threads = [threading.Thread(target=run, args=(m,)) for m in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [alert.profile_id for alert in access.alerts()] == ["zz-race"]
    for m in others:
        m.close()


def test_a_startup_is_not_alerted_on_text_it_may_not_see(matcher: Matcher) -> None:
    hanbit = Access(matcher, User("hanbit-alerts", "startup", org_id="dj-bio-001"))
    officer = Access(matcher, User("officer-alerts", "officer"))
    offers = matcher.profile(ADC_MAKER).offers
    saved_then_later(hanbit, "ADC fill-finish", text=offers)
    saved_then_later(officer, "ADC fill-finish", text=offers)
    write(matcher, clone(matcher, ADC_MAKER, "zz-hidden-offers", public_fields=["website"]))
    check_alerts(matcher)
    assert [alert.profile_id for alert in officer.alerts()] == ["zz-hidden-offers"]
    assert [alert.profile_id for alert in hanbit.alerts()] == []


def test_a_startups_recommendation_alert_quotes_no_hidden_text(matcher: Matcher) -> None:
    hanbit = Access(matcher, User("hanbit-partners", "startup", org_id="dj-bio-001"))
    saved_then_later(hanbit, "Partners", org_id="dj-bio-001")
    record = clone(matcher, ADC_MAKER, "zz-hidden-partner", public_fields=["website"])
    write(matcher, record)
    check_alerts(matcher)
    officer_view = matcher.explain_pairs("dj-bio-001", ["zz-hidden-partner"])["zz-hidden-partner"]
    [alert] = [alert for alert in hanbit.alerts() if alert.profile_id == "zz-hidden-partner"]
    assert any("sterile filling" in reason for reason in officer_view)  # what an officer would read ...
    assert not any("sterile filling" in reason for reason in alert.reasons)  # ... the startup does not
