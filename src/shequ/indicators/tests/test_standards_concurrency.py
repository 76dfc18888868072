"""Clicks at the same moment on one six-standards assessment: two first lines start one assessment
and both are kept; two reviewers completing, or one returning while another completes, land once
(PostgreSQL only; SQLite serialises writers)."""

from __future__ import annotations

import pytest

from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.indicators.actions import standards as actions
from shequ.indicators.models import (
    AssessmentStatus,
    LineDecision,
    Standard,
    StandardsAssessment,
    StandardsLine,
)
from shequ.indicators.tests.factories_standards import submitted
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db(transaction=True)


def year() -> int:
    return calendar.localdate().year


def test_two_first_lines_at_once_start_one_assessment_and_keep_both() -> None:
    postgres_only("the unique assessment per community and year")
    world = build_world()
    community = world.regions[HOME["community"]]
    staff, head = world.users["community_staff"], world.users["community_head"]

    def fill(standard: str, by: object) -> None:
        actions.save_line(
            community=community, year=year(), standard=standard, statement="已落实。", by=by
        )

    results = at_once(
        lambda: fill(Standard.ORGANISATION, staff), lambda: fill(Standard.RULES, head)
    )

    assert results == ["ok", "ok"]
    assessment = StandardsAssessment.objects.get()
    assert StandardsLine.objects.filter(assessment=assessment).count() == 6
    assert StandardsLine.objects.filter(assessment=assessment, statement="已落实。").count() == 2


def test_two_reviewers_completing_at_once_complete_it_once() -> None:
    postgres_only()
    world = build_world()
    assessment = submitted(world.regions[HOME["community"]], year())
    for code in Standard.values:
        actions.decide_line(
            assessment=assessment, standard=code, decision=LineDecision.MET, by=None
        )
    seen = StandardsAssessment.objects.get().version
    township, county = world.users["township_staff"], world.users["county_official"]

    results = at_once(
        *(
            lambda by=by: actions.complete_review(
                assessment=StandardsAssessment.objects.get(), by=by, version=seen
            )
            for by in (township, county)
        )
    )

    assert sorted(results)[0] == "ok" and "刚刚已被他人" in sorted(results)[1]
    assert StandardsAssessment.objects.get().status == AssessmentStatus.REVIEWED
    assert AuditEvent.objects.filter(action="indicators.standards_complete").count() == 1


def test_a_return_and_a_completion_at_once_land_once() -> None:
    postgres_only()
    world = build_world()
    assessment = submitted(world.regions[HOME["community"]], year())
    for code in Standard.values:
        actions.decide_line(
            assessment=assessment, standard=code, decision=LineDecision.MET, by=None
        )
    seen = StandardsAssessment.objects.get().version

    results = at_once(
        lambda: actions.complete_review(
            assessment=StandardsAssessment.objects.get(),
            by=world.users["township_staff"],
            version=seen,
        ),
        lambda: actions.return_assessment(
            assessment=StandardsAssessment.objects.get(),
            reason="补充。",
            by=world.users["county_official"],
            version=seen,
        ),
    )

    assert sorted(results)[0] == "ok" and "刚刚已被他人" in sorted(results)[1]
    final = StandardsAssessment.objects.get()
    assert final.status in (AssessmentStatus.REVIEWED, AssessmentStatus.RETURNED)
    assert final.version == seen + 1
