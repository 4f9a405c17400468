"""Issue 17, finding 1: a startup account never sees another organisation's hidden fields (those outside its
``public_fields``), neither quoted in the reasons of suggestions and similar organisations nor through the
ranking of a search on a hidden facet (a similarity oracle)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.auth import User
from matcher.embed import Encoder
from matcher.policy import Access, facet_is_public, redact_reasons
from matcher.schema import IDENTITY_FIELDS, PUBLIC_BY_DEFAULT, Profile
from matcher.validate import validate_profiles

STARTUP = User("hanbit", "startup", org_id="dj-bio-001")
OFFICER = User("olga", "officer")
SECRET_ID = "ma-bio-001"
HIDDEN = "name;org_type;city;country;sectors"
WriteCsv = Callable[..., tuple[Path, Path]]
"""The ``bio_subset`` fixture (tests/conftest.py)."""


def _hide_secrets(profiles: pd.DataFrame) -> pd.DataFrame:
    """ma-bio-001 hides everything but who it is and its sectors, and its hidden texts say SECRET."""
    profiles["public_fields"] = ""
    secret = profiles["id"] == SECRET_ID
    for column, word in (("offers", "SECRETOFFER"), ("seeks", "SECRETSEEK"), ("description", "SECRETDESC")):
        profiles.loc[secret, column] = word + " " + profiles.loc[secret, column]
    profiles.loc[secret, "public_fields"] = HIDDEN
    return profiles


@pytest.fixture(scope="module")
def secret_matcher(tmp_path_factory: pytest.TempPathFactory, bio_subset: WriteCsv, minilm: Encoder) -> Matcher:
    root = tmp_path_factory.mktemp("hidden-ws")
    profiles, edges = bio_subset(root / "data", _hide_secrets)
    matcher = Matcher(root / "ws", encoder=minilm)
    matcher.import_profiles(profiles)
    matcher.import_partnerships(edges)
    matcher.build()
    return matcher


def _secret_free(value: object) -> None:
    assert "SECRET" not in repr(value).upper()


# ------------------------------------------------------------------------------------------------ fast, pure


def test_a_reason_quoting_the_viewed_profiles_hidden_offer_is_redacted() -> None:
    viewed = Profile(id="v", name="V", org_type="company", city="Málaga", country="ES",
                     offers="SECRETOFFER GMP manufacturing of conjugates", public_fields=("name", "sectors"))
    candidate = Profile(id="c", name="C", org_type="company", city="Seattle", country="US", offers="Fill-finish")
    access = Access(None, STARTUP)  # type: ignore[arg-type]
    reasons = ('Similar offers: theirs "Fill-finish", yours "SECRETOFFER GMP manufacturing...".',
               "Different city: Seattle (US).")
    kept = redact_reasons(reasons, candidate, access.visible_fields(candidate),
                          asker=viewed, asker_visible=access.visible_fields(viewed))
    assert kept == (reasons[1],)


def test_a_facet_is_public_only_when_all_its_fields_are() -> None:
    profile = Profile(id="v", name="V", org_type="company", city="Málaga", country="ES", description="d",
                      offers="o", seeks="s", public_fields=tuple(HIDDEN.split(";")))
    shown = Access(None, STARTUP).visible_fields(profile)  # type: ignore[arg-type]
    assert not any(facet_is_public(profile, facet, shown) for facet in ("profile", "offers", "seeks"))
    everything = profile.to_dict()
    assert all(facet_is_public(profile, facet, everything) for facet in ("profile", "offers", "seeks"))


# ------------------------------------------------------------------- finding 3: public_fields fails closed

_ROW = {"id": "p1", "name": "P", "org_type": "company", "city": "Seattle", "country": "US",
        "description": "SECRETDESC", "offers": "SECRETOFFER", "seeks": "SECRETSEEK", "technologies": "SECRETTECH"}


def _imported(public_fields: object) -> tuple[Profile, list[str]]:
    report = validate_profiles(pd.DataFrame([{**_ROW, "public_fields": public_fields}], dtype=object))
    assert report.rejected == []
    return Profile.from_mapping(report.valid.iloc[0].to_dict()), [w.reason for w in report.warnings]


@pytest.mark.parametrize("given", ["none", "nothing", "-", ";;", "secret; hidden", "[]"])
def test_an_explicit_public_fields_list_naming_no_field_shows_the_identity_fields_only(given: str) -> None:
    profile, warnings = _imported(given)
    assert profile.public_fields == IDENTITY_FIELDS
    shown = Access(None, STARTUP).visible_fields(profile)  # type: ignore[arg-type]
    assert set(shown) == set(IDENTITY_FIELDS)
    _secret_free({name: getattr(profile, name) for name in shown})
    assert len(warnings) == 1 and "names no profile column" in warnings[0]
    assert "only id, name, org_type, city, country are public" in warnings[0]


@pytest.mark.parametrize("given", [None, "", "   "])
def test_a_missing_or_blank_public_fields_cell_keeps_the_defaults(given: object) -> None:
    profile, warnings = _imported(given)
    assert profile.public_fields == ()
    assert profile.visible_fields() == PUBLIC_BY_DEFAULT
    assert warnings == []


def test_a_list_with_some_known_fields_keeps_those_and_warns_about_the_rest() -> None:
    profile, warnings = _imported("name; sectors; secret")
    assert profile.public_fields == ("name", "sectors")
    assert warnings == ["public_fields 'secret' not profile columns; ignored"]


# ---------------------------------------------------------------------------------------- the review's steps


@pytest.mark.slow
def test_a_startup_sees_no_hidden_text_in_similar_organisations(secret_matcher: Matcher) -> None:
    officer = Access(secret_matcher, OFFICER).similar(SECRET_ID, k=10)
    assert any("SECRET" in reason for match in officer for reason in match.reasons)  # the data does quote it
    startup = Access(secret_matcher, STARTUP)
    _secret_free(startup.similar(SECRET_ID, k=10))
    _secret_free(startup.profile(SECRET_ID))


@pytest.mark.slow
def test_a_startup_sees_no_hidden_text_in_its_suggestions(secret_matcher: Matcher) -> None:
    startup = Access(secret_matcher, STARTUP)
    found = startup.recommend("dj-bio-001", k=20, other_city_only=False)
    assert SECRET_ID in {m.id for m in found.results} | {m.id for m in found.existing_partners}
    _secret_free(found)


@pytest.mark.slow
@pytest.mark.parametrize("facet", ["offers", "seeks", "profile"])
def test_a_startups_search_never_ranks_by_hidden_text(secret_matcher: Matcher, facet: str) -> None:
    secret = secret_matcher.profile(SECRET_ID)
    text = secret.text(facet)  # type: ignore[arg-type]
    officer_hits = Access(secret_matcher, OFFICER).search(text, k=5, facets=(facet,))  # type: ignore[arg-type]
    assert officer_hits[0].id == SECRET_ID  # the oracle the startup must not have
    hits = Access(secret_matcher, STARTUP).search(text, k=5, facets=(facet,))  # type: ignore[arg-type]
    assert SECRET_ID not in {h.id for h in hits}
    assert len(hits) == len([h for h in officer_hits if h.id != SECRET_ID]) or len(hits) == 5
    _secret_free(hits)


@pytest.mark.slow
def test_a_startups_search_keeps_public_facets_and_k_results(secret_matcher: Matcher) -> None:
    hits = Access(secret_matcher, STARTUP).search("GMP manufacturing of antibody-drug conjugates", k=5,
                                                  facets=("profile", "offers", "seeks"))
    assert len(hits) == 5 and SECRET_ID not in {h.id for h in hits}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
