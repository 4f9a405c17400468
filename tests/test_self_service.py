"""Startups serve themselves, feedback belongs to the person (issue #16, items 1 and 2): dismissals per person,
profile edits with a history, meeting requests by double opt-in, each through the service and the policy.

The workspace holds three small profiles: Hanbit Bioworks (dj-bio-001, Daejeon, with a startup account "hanbit"),
Biomédica Costa del Sol (ma-bio-001, Málaga, with an account "biomedica") and Bow River (ca-bio-002, Calgary, no
account), and one officer "olga".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.auth import AccessDenied, User, add_user, users_path
from matcher.catalogue import dismissed
from matcher.errors import InputError, NotFoundError
from matcher.policy import Access
from matcher.service.meetings import MAX_MESSAGE_CHARS, MAX_OPEN_REQUESTS, local_time
from matcher.store import StoreError

OFFICER = User("olga", "officer")
HANBIT = User("hanbit", "startup", org_id="dj-bio-001")
BIOMEDICA = User("biomedica", "startup", org_id="ma-bio-001")
SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    """Three profiles in three cities; accounts for two of them and an officer."""
    rows = [
        {"id": "dj-bio-001", "name": "Hanbit Bioworks", "org_type": "startup", "city": "Daejeon", "country": "KR",
         "sectors": "antibody_drug_conjugates", "seeks": "GMP manufacturing of our ADC"},
        {"id": "ma-bio-001", "name": "Biomédica Costa del Sol", "org_type": "company", "city": "Málaga",
         "country": "ES", "offers": "GMP manufacturing of antibody-drug conjugates"},
        {"id": "ca-bio-002", "name": "Bow River Biomanufacturing", "org_type": "company", "city": "Calgary",
         "country": "CA", "offers": "Fill-finish of biologics"},
    ]
    matcher = Matcher(tmp_path / "ws")
    assert matcher.importer.upsert(rows).imported == 3
    for user in (OFFICER, HANBIT, BIOMEDICA):
        add_user(users_path(tmp_path / "ws"), user.name, user.role, "secret-pass-1", user.org_id, iterations=1_000)
    return matcher


def access(matcher: Matcher, user: User) -> Access:
    return Access(matcher, user)


# Feedback belongs to the person ---------------------------------------------------------------------------------


def test_dismissed_counts_only_the_given_persons_feedback() -> None:
    feedback = pd.DataFrame({"candidate_id": ["x", "y"], "label": ["not_relevant", "not_relevant"],
                             "user": ["hanbit", "olga"], "restored_at": [None, None]})
    assert dismissed(feedback, by="hanbit") == {"x"}


def test_dismissed_without_a_person_counts_everyones() -> None:
    feedback = pd.DataFrame({"candidate_id": ["x", "y"], "label": ["not_relevant", "not_relevant"],
                             "user": ["hanbit", "olga"], "restored_at": [None, None]})
    assert dismissed(feedback) == {"x", "y"}


def test_a_startups_dismissal_hides_the_suggestion_for_its_account_only(matcher: Matcher) -> None:
    access(matcher, HANBIT).add_feedback("dj-bio-001", "ma-bio-001", "not_relevant")
    assert matcher.matching.dismissed("dj-bio-001", by="hanbit") == {"ma-bio-001"}
    assert matcher.matching.dismissed("dj-bio-001", by="olga") == set()


def test_dismissals_for_many_askers_read_at_once_are_each_askers_own(matcher: Matcher) -> None:
    access(matcher, HANBIT).add_feedback("dj-bio-001", "ma-bio-001", "not_relevant")
    access(matcher, OFFICER).add_feedback("ca-bio-002", "dj-bio-001", "not_relevant")
    askers = ["dj-bio-001", "ca-bio-002", "ma-bio-001"]
    assert matcher.matching.dismissed_many(askers) == {
        "dj-bio-001": {"ma-bio-001"}, "ca-bio-002": {"dj-bio-001"}, "ma-bio-001": set()
    }
    assert matcher.matching.dismissed_many(askers, by="hanbit") == {
        asker: matcher.matching.dismissed(asker, by="hanbit") for asker in askers
    }


def test_officers_see_every_dismissal_with_who_and_when(matcher: Matcher) -> None:
    access(matcher, HANBIT).add_feedback("dj-bio-001", "ma-bio-001", "not_relevant", "too big")
    access(matcher, OFFICER).add_feedback("dj-bio-001", "ca-bio-002", "not_relevant")
    seen = access(matcher, OFFICER).dismissals("dj-bio-001")
    assert sorted(zip(seen["candidate_id"], seen["user"], strict=True)) == [
        ("ca-bio-002", "olga"), ("ma-bio-001", "hanbit")
    ]
    assert seen["created_at"].notna().all()


def test_a_startup_sees_only_what_it_hid(matcher: Matcher) -> None:
    access(matcher, HANBIT).add_feedback("dj-bio-001", "ma-bio-001", "not_relevant")
    access(matcher, OFFICER).add_feedback("dj-bio-001", "ca-bio-002", "not_relevant")
    assert access(matcher, HANBIT).dismissals("dj-bio-001")["candidate_id"].tolist() == ["ma-bio-001"]


def test_a_startup_sees_only_its_own_feedback_rows(matcher: Matcher) -> None:
    access(matcher, OFFICER).add_feedback("dj-bio-001", "ca-bio-002", "contacted")
    assert access(matcher, HANBIT).feedback("dj-bio-001").empty


def test_restoring_shows_the_suggestion_again_and_keeps_the_record(matcher: Matcher) -> None:
    hanbit = access(matcher, HANBIT)
    hanbit.add_feedback("dj-bio-001", "ma-bio-001", "not_relevant")
    assert hanbit.restore("dj-bio-001", "ma-bio-001")
    assert matcher.matching.dismissed("dj-bio-001", by="hanbit") == set()
    assert len(matcher.curation.feedback("dj-bio-001")) == 1


def test_restoring_leaves_what_others_hid(matcher: Matcher) -> None:
    access(matcher, OFFICER).add_feedback("dj-bio-001", "ma-bio-001", "not_relevant")
    assert not access(matcher, HANBIT).restore("dj-bio-001", "ma-bio-001")
    assert matcher.matching.dismissed("dj-bio-001", by="olga") == {"ma-bio-001"}


def test_a_startup_cannot_see_another_organisations_dismissals(matcher: Matcher) -> None:
    with pytest.raises(AccessDenied):
        access(matcher, HANBIT).dismissals("ma-bio-001")


# Profile edits ------------------------------------------------------------------------------------------------


def test_a_startup_saves_its_own_profile(matcher: Matcher) -> None:
    edit = access(matcher, HANBIT).edit_profile("dj-bio-001", {"seeks": "Fill-finish for our ADC"})
    assert edit.changed == ("seeks",)
    assert matcher.profile("dj-bio-001").seeks == "Fill-finish for our ADC"


def test_an_edit_changes_the_content_hash_so_the_index_re_embeds_it(matcher: Matcher) -> None:
    before = matcher.store.content_hashes()["dj-bio-001"]
    access(matcher, HANBIT).edit_profile("dj-bio-001", {"offers": "ADC payload chemistry"})
    assert matcher.store.content_hashes()["dj-bio-001"] != before


def test_an_edit_is_validated_as_an_import_row(matcher: Matcher) -> None:
    with pytest.raises(InputError, match="employees 'twelve' is not a whole number"):
        access(matcher, HANBIT).edit_profile("dj-bio-001", {"employees": "twelve"})
    assert matcher.profile("dj-bio-001").employees is None


def test_a_startup_cannot_move_its_organisation(matcher: Matcher) -> None:
    with pytest.raises(InputError, match="city"):
        access(matcher, HANBIT).edit_profile("dj-bio-001", {"city": "Seattle"})


def test_a_startup_cannot_edit_another_profile(matcher: Matcher) -> None:
    with pytest.raises(AccessDenied):
        access(matcher, HANBIT).edit_profile("ma-bio-001", {"offers": "nothing"})


def test_the_history_says_who_changed_which_field_from_what_to_what(matcher: Matcher) -> None:
    access(matcher, HANBIT).edit_profile("dj-bio-001", {"seeks": "Fill-finish", "languages": "Korean; English"})
    history = access(matcher, OFFICER).profile_history("dj-bio-001")
    rows = sorted(zip(history["user"], history["field"], history["old"], history["new"], strict=True))
    assert rows == [("hanbit", "languages", "", "Korean; English"),
                    ("hanbit", "seeks", "GMP manufacturing of our ADC", "Fill-finish")]


def test_an_edit_that_changes_nothing_writes_no_history(matcher: Matcher) -> None:
    edit = access(matcher, HANBIT).edit_profile("dj-bio-001", {"seeks": "GMP manufacturing of our ADC"})
    assert edit.changed == ()
    assert access(matcher, OFFICER).profile_history("dj-bio-001").empty


# Meetings -----------------------------------------------------------------------------------------------------


def test_local_time_follows_each_alliance_city() -> None:
    when = datetime(2027, 1, 15, 0, 0, tzinfo=UTC)
    assert local_time(when, "Daejeon").hour == 9
    assert local_time(when, "Calgary").hour == 17  # the day before, UTC-7


def test_a_request_waits_for_the_partners_answer(matcher: Matcher) -> None:
    meeting = access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello from Daejeon", SOON)
    assert matcher.meetings.get(meeting)["status"] == "open"
    assert access(matcher, HANBIT).agenda().empty


def test_the_partners_account_accepts_and_both_agendas_show_both_local_times(matcher: Matcher) -> None:
    meeting = access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello", SOON)
    access(matcher, BIOMEDICA).answer_meeting(meeting, accept=True)
    mine, theirs = access(matcher, HANBIT).agenda(), access(matcher, BIOMEDICA).agenda()
    assert mine["with_id"].tolist() == ["ma-bio-001"] and theirs["with_id"].tolist() == ["dj-bio-001"]
    assert mine["own_time"][0] == local_time(SOON, "Daejeon").isoformat(timespec="minutes")
    assert mine["their_time"][0] == theirs["own_time"][0] == local_time(SOON, "Málaga").isoformat(timespec="minutes")


def test_a_declined_request_stays_out_of_the_agendas(matcher: Matcher) -> None:
    meeting = access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello", SOON)
    access(matcher, BIOMEDICA).answer_meeting(meeting, accept=False)
    assert access(matcher, HANBIT).agenda().empty
    assert matcher.meetings.get(meeting)["status"] == "declined"


def test_the_requester_cannot_accept_its_own_request(matcher: Matcher) -> None:
    meeting = access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello", SOON)
    with pytest.raises(AccessDenied):
        access(matcher, HANBIT).answer_meeting(meeting, accept=True)


def test_an_officer_answers_for_an_organisation_without_an_account(matcher: Matcher) -> None:
    meeting = access(matcher, HANBIT).request_meeting("ca-bio-002", "Hello", SOON)
    access(matcher, OFFICER).answer_meeting(meeting, accept=True)
    assert access(matcher, HANBIT).agenda()["with_id"].tolist() == ["ca-bio-002"]


def test_an_officer_does_not_answer_for_an_organisation_with_an_account(matcher: Matcher) -> None:
    meeting = access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello", SOON)
    with pytest.raises(AccessDenied):
        access(matcher, OFFICER).answer_meeting(meeting, accept=True)


def test_an_answered_request_cannot_be_answered_again(matcher: Matcher) -> None:
    meeting = access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello", SOON)
    access(matcher, BIOMEDICA).answer_meeting(meeting, accept=False)
    with pytest.raises(StoreError, match="not open"):
        access(matcher, BIOMEDICA).answer_meeting(meeting, accept=True)


def test_a_message_over_the_limit_is_refused(matcher: Matcher) -> None:
    with pytest.raises(InputError, match="shorten it"):
        access(matcher, HANBIT).request_meeting("ma-bio-001", "x" * (MAX_MESSAGE_CHARS + 1), SOON)


def test_an_empty_message_is_refused(matcher: Matcher) -> None:
    with pytest.raises(InputError, match="message"):
        access(matcher, HANBIT).request_meeting("ma-bio-001", "   ", SOON)


def test_a_time_in_the_past_is_refused(matcher: Matcher) -> None:
    with pytest.raises(InputError, match="past"):
        access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello", datetime(2020, 1, 1, tzinfo=UTC))


def test_an_unknown_partner_is_refused(matcher: Matcher) -> None:
    with pytest.raises(NotFoundError):
        access(matcher, HANBIT).request_meeting("xx-none", "Hello", SOON)


def test_a_second_open_request_between_the_same_two_is_refused(matcher: Matcher) -> None:
    access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello", SOON)
    with pytest.raises(StoreError, match="open already"):
        access(matcher, BIOMEDICA).request_meeting("dj-bio-001", "Hello back", SOON)


def test_an_account_may_have_a_bounded_number_of_open_requests(matcher: Matcher) -> None:
    rows = [{"id": f"se-x-{i:03d}", "name": f"Partner {i}", "org_type": "company", "city": "Seattle", "country": "US"}
            for i in range(MAX_OPEN_REQUESTS + 1)]
    matcher.importer.upsert(rows)
    hanbit = access(matcher, HANBIT)
    for row in rows[:MAX_OPEN_REQUESTS]:
        hanbit.request_meeting(row["id"], "Hello", SOON)
    with pytest.raises(StoreError, match="open meeting requests"):
        hanbit.request_meeting(rows[-1]["id"], "Hello", SOON)


def test_withdrawing_frees_a_place_and_only_the_requester_may(matcher: Matcher) -> None:
    meeting = access(matcher, HANBIT).request_meeting("ma-bio-001", "Hello", SOON)
    with pytest.raises(AccessDenied):
        access(matcher, BIOMEDICA).withdraw_meeting(meeting)
    access(matcher, HANBIT).withdraw_meeting(meeting)
    assert matcher.meetings.get(meeting)["status"] == "withdrawn"


def test_officers_see_every_request_and_a_startup_its_own(matcher: Matcher) -> None:
    access(matcher, HANBIT).request_meeting("ca-bio-002", "Hello", SOON)
    assert len(access(matcher, OFFICER).meeting_requests()) == 1
    assert access(matcher, BIOMEDICA).meeting_requests().empty


def test_officers_do_not_request_meetings(matcher: Matcher) -> None:
    with pytest.raises(AccessDenied):
        access(matcher, OFFICER).request_meeting("ma-bio-001", "Hello", SOON)
