"""Joint-review transitions that race, for real on PostgreSQL (on SQLite writers are serialised; the
stale-copy tests in ``test_development_candidates`` play the same races one after the other): two
submits at once open one set of checks; the last two agencies answering at once still decide the
review (the review row is locked while an answer is recorded)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from shequ.workforce.actions import development as actions
from shequ.workforce.models import CandidateCheck, CandidateReview
from shequ.workforce.tests.factories_development import make_candidate_review
from tests.concurrency import at_once
from tests.world import HOME, build_world


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; see the stale-copy tests")


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_open_one_set_of_checks(postgres_only: None) -> None:
    world = build_world()
    review = make_candidate_review(community=world.regions[HOME["community"]])

    def submit() -> object:
        return actions.submit_candidate_review(
            review=CandidateReview.objects.get(pk=review.pk), by=None
        )

    results = at_once(submit, submit)

    assert results.count("ok") == 1
    assert any("刚刚已被他人处理" in r for r in results)
    assert CandidateCheck.objects.filter(review=review).count() == len(actions.CHECKLIST)


@pytest.mark.django_db(transaction=True)
def test_the_last_two_answers_at_once_still_pass_the_review(postgres_only: None) -> None:
    world = build_world()
    review = make_candidate_review(community=world.regions[HOME["community"]])
    actions.submit_candidate_review(review=review, by=None)
    *first, last_but_one, last = actions.CHECKLIST
    for agency in first:
        actions.record_check(review=review, agency=agency, result="clear", by=None)

    def answer(agency: str) -> Callable[[], object]:
        return lambda: actions.record_check(
            review=CandidateReview.objects.get(pk=review.pk), agency=agency, result="clear",
            by=None,
        )  # fmt: skip

    results = at_once(answer(last_but_one), answer(last))

    assert results == ["ok", "ok"]
    assert CandidateReview.objects.get(pk=review.pk).status == "passed"
