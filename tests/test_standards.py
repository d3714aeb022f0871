"""Each place is judged by its own documents: verbatim passages, years, levels, inheritance."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from geo_coverage.standards import (
    DOCS,
    NONE,
    PROFILE_INFO,
    PROFILES,
    TARGET_KEYS,
    THRESHOLD_KEYS,
    TOOL,
    closest_type_word,
    profile_documents,
    standards_from_profile,
)
from tests.conftest import SHARED

SEEDS = SHARED / "seeds"
requires_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(),
    reason="../shared/seeds (the five policy documents) is not beside this clone; CI has it",
)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@requires_seeds
@pytest.mark.parametrize("profile", PROFILES)
def test_every_quoted_passage_is_verbatim_in_the_document_it_cites(profile):
    """Whitespace-normalised only: quotation marks, full-width ％ and commas as printed."""
    documents = {p.name[:3]: _squeeze(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    s = standards_from_profile(profile)
    for key in THRESHOLD_KEYS:
        cite = s.cite(key)
        if cite.doc in documents:
            assert cite.passage, f"{profile}.{key} cites {cite.doc} without its words"
            assert _squeeze(cite.passage) in documents[cite.doc], f"{profile}.{key}: {cite.passage}"
        elif cite.doc == "GB50180":  # not among the seeds: a summary, and it says so
            assert not cite.passage and "非原文" in cite.note, f"{profile}.{key}"
        else:
            assert cite.doc in {TOOL, NONE}, f"{profile}.{key}: {cite.doc}"


@pytest.mark.parametrize("profile", PROFILES)
def test_a_profile_cites_only_its_own_documents_and_those_it_lies_under(profile):
    allowed = set(profile_documents(profile)) | {TOOL, NONE}
    s = standards_from_profile(profile)
    for key in THRESHOLD_KEYS:
        assert s.cite(key).doc in allowed, f"{profile}.{key} cites {s.cite(key).doc}"


def test_which_place_lies_under_which():
    assert profile_documents("chifeng") == ("001", "002", "003")
    assert profile_documents("horqin-left-middle") == ("000", "002", "003")
    assert profile_documents("inner-mongolia") == ("002", "003")
    assert profile_documents("siping-tiexi") == ("004",)  # Jilin: nothing from Inner Mongolia
    assert profile_documents("gb50180") == ("GB50180",)
    assert set(PROFILE_INFO) == set(PROFILES)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_target_set_has_a_level_and_every_unset_one_is_no_target(profile):
    s = standards_from_profile(profile)
    for key in TARGET_KEYS:
        cite = s.cite(key)
        if getattr(s, key) is None:
            assert cite.doc == NONE and cite.text().startswith("无目标（文件未设定）"), key
        else:
            assert cite.level, f"{profile}.{key} has no level"
            assert cite.doc != NONE, key


@pytest.mark.parametrize("profile", PROFILES)
def test_tool_defaults_say_so(profile):
    s = standards_from_profile(profile)
    for key in THRESHOLD_KEYS:
        text = s.source(key)
        cite = s.cite(key)
        quotes = cite.doc in DOCS and text.startswith(f"{cite.doc} {DOCS[cite.doc]}")
        assert quotes or text.startswith(("工具默认 tool default", "无目标")), f"{key}: {text}"


def test_siping_is_judged_by_its_own_plan_only():
    s = standards_from_profile("siping-tiexi")
    # 001 (Chifeng) and 002/003 (Inner Mongolia) targets do not bind a district in Jilin
    for key in (
        "beds_per_1000_elderly",
        "nursing_bed_share",
        "day_care_coverage_share",
        "rural_home_care_target_share",
        "township_centre_target_share",
        "area_compliance_target_share",
        "care_circle_target_share",
    ):
        assert getattr(s, key) is None, key
    assert s.land_per_resident_m2 == 0.12 and s.cite("land_per_resident_m2").doc == "004"
    assert (
        s.county_support_target_share == 1.0 and s.cite("county_support_target_share").year == 2022
    )


def test_the_banner_has_its_own_targets():
    s = standards_from_profile("horqin-left-middle")
    assert (s.beds_total_target, s.institutions_target, s.nursing_bed_share) == (1000, 15, 0.55)
    assert s.township_welfare_home_target_share == 1.0
    assert {s.cite(k).doc for k in ("beds_total_target", "institutions_target")} == {"000"}
    assert s.beds_per_1000_elderly is None  # 50 per 1,000 is Chifeng's, not Tongliao's
    assert s.rural_home_care_target_share is None  # 60 % of villages is Chifeng's too


def test_targets_keep_their_year_and_level():
    im = standards_from_profile("inner-mongolia")
    assert (
        im.cite("subdistrict_centre_target_share").year,
        im.cite("day_care_coverage_share").year,
    ) == (
        2022,
        2022,
    )
    assert im.cite("township_centre_target_share").level == "region"
    cf = standards_from_profile("chifeng")
    assert cf.cite("beds_per_1000_elderly").level == "city"
    assert cf.cite("beds_per_1000_elderly").year == 2025
    assert cf.place_level == "city" and im.place_level == "county"


def test_unknown_words_get_the_closest_known_word():
    assert closest_type_word("社区养老驿站") == "社区养老服务驿站"
    assert closest_type_word("长者饭堂") in {"长者食堂", "长者爱心食堂"}


def test_profiles_command_prints_every_threshold_as_json():
    out = subprocess.run(
        [sys.executable, "-m", "geo_coverage", "profiles", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out)
    assert set(data) == set(PROFILES)
    siping = {row["key"]: row for row in data["siping-tiexi"]["thresholds"]}
    assert {row["document"] for row in siping.values()} <= {"004", "GB50180", TOOL, NONE}
    assert siping["land_per_resident_m2"]["value"] == 0.12
    assert siping["land_per_resident_m2"]["passage"] == "按人均用地不少于0.12平方米标准落实"
    assert data["chifeng"]["documents"] == ["001", "002", "003"]


def test_every_threshold_has_a_name_in_both_languages():
    from geo_coverage.standards import THRESHOLD_LABELS

    assert set(THRESHOLD_LABELS) == set(THRESHOLD_KEYS)
    assert all(zh and en for zh, en in THRESHOLD_LABELS.values())


def test_a_place_without_an_area_target_is_not_judged_on_missing_floor_area(demo_copy):
    from geo_coverage.pipeline import run

    text = demo_copy.read_text(encoding="utf-8")
    for profile, expected in (("siping-tiexi", "no_target"), ("inner-mongolia", "fail")):
        demo_copy.write_text(
            text.replace("profile: inner-mongolia", f"profile: {profile}"), encoding="utf-8"
        )
        card = run(demo_copy, write=False).assessment.scorecard.set_index("indicator")
        assert card.loc["area_deficit", "status"] == expected, profile
        assert card.loc["area_deficit", "measured"] > 0  # measured all the same
    demo_copy.write_text(text.replace("profile: inner-mongolia", "profile: gb50180"), "utf-8")
    card = run(demo_copy, write=False).assessment.scorecard
    assert set(card["status"]) == {"no_target"}  # GB 50180 sets circles, not coverage targets
