"""The joint qualification review of committee candidates over HTTP: creating a review (ID number
validated and masked on every page; the same candidate for the same post and election refused),
submitting it (one check per agency of the checklist), each agency's answer (an issue needs a note
and fails the review at once; every check clear passes it), withdrawing, and transitions from the
wrong state or a concurrent second click refused with a clear message and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.workforce.actions import development as actions
from shequ.workforce.models import CandidateCheck, CandidateReview
from shequ.workforce.tests.factories_development import id_number, make_candidate_review
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
LIST = reverse("workforce:candidate_reviews")
NEW = reverse("workforce:candidate_review_new")


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def url(name: str, review: CandidateReview, **extra: Any) -> str:
    return reverse(f"workforce:{name}", kwargs={"candidate_review_id": review.pk, **extra})


def test_every_transition_is_declared() -> None:
    names = {t.name: (set(t.sources), t.target) for t in actions.CANDIDATE_WORKFLOW.transitions}
    assert names == {
        "submit": ({"draft"}, "in_review"),
        "pass": ({"in_review"}, "passed"),
        "fail": ({"in_review"}, "failed"),
        "withdraw": ({"draft", "in_review"}, "withdrawn"),
    }


def test_a_review_is_created_with_the_id_number_masked_everywhere(world: World) -> None:
    number = id_number()
    client = client_for(world.users["township_staff"])

    response = client.post(NEW, {"community": HOME["community"], "election": "2026年换届",
                                 "post": "director", "name": "张建国", "id_number": number,
                                 "worker": ""})  # fmt: skip
    review = CandidateReview.objects.get()
    pages = [html(client.get(LIST)), html(client.get(url("candidate_review", review)))]

    assert response.status_code == 302
    assert review.status == "draft" and review.id_number == number
    for body in pages:
        assert number not in body and number[:6] + "********" + number[-4:] in body


@pytest.mark.parametrize(
    ("number", "message"),
    [("320302199003071231", "校验位不正确"), ("12345", "18位")],
)
def test_a_bad_id_number_is_refused(world: World, number: str, message: str) -> None:
    response = client_for(world.users["township_staff"]).post(
        NEW,
        {
            "community": HOME["community"],
            "election": "2026年换届",
            "post": "director",
            "name": "张建国",
            "id_number": number,
        },
    )
    assert message in html(response)
    assert not CandidateReview.objects.exists()


def test_the_same_candidate_for_the_same_post_and_election_is_refused(world: World) -> None:
    number = id_number()
    first = make_candidate_review(community=home(world), id_number=number)
    data = {"community": HOME["community"], "election": first.election, "post": first.post,
            "name": "张建国", "id_number": number}  # fmt: skip

    twice = client_for(world.users["township_staff"]).post(NEW, data)
    other_post = client_for(world.users["township_staff"]).post(
        NEW, {**data, "post": "committee_member"}
    )

    assert "不能重复提请" in html(twice)
    assert other_post.status_code == 302
    assert CandidateReview.objects.count() == 2


def test_submit_opens_one_check_per_agency_and_all_clear_passes(world: World) -> None:
    review = make_candidate_review(community=home(world))
    client = client_for(world.users["township_staff"])

    client.post(url("candidate_review_submit", review), {"version": review.version})
    agencies = list(CandidateCheck.objects.filter(review=review).values_list("agency", flat=True))
    for agency in actions.CHECKLIST:
        client.post(url("candidate_check", review, check_agency=agency),
                    {f"{agency}-result": "clear", f"{agency}-note": ""})  # fmt: skip

    review.refresh_from_db()
    assert sorted(agencies) == sorted(actions.CHECKLIST)
    assert review.status == "passed" and review.decided_at is not None
    assert "资格审查通过" in review.conclusion


def test_one_issue_fails_the_review_and_needs_a_note(world: World) -> None:
    review = make_candidate_review(community=home(world))
    actions.submit_candidate_review(review=review, by=None)
    client = client_for(world.users["township_staff"])
    police = url("candidate_check", review, check_agency="police")

    no_note = client.post(police, {"police-result": "issue", "police-note": ""}, follow=True)
    review.refresh_from_db()
    still = review.status
    client.post(police, {"police-result": "issue", "police-note": "受过刑事处罚"})
    late = client.post(url("candidate_check", review, check_agency="court"),
                       {"court-result": "clear"}, follow=True)  # fmt: skip

    review.refresh_from_db()
    assert "请写明具体情形和依据" in html(no_note) and still == "in_review"
    assert review.status == "failed" and "受过刑事处罚" in review.conclusion
    assert "已不在联审中" in html(late)
    assert CandidateCheck.objects.get(review=review, agency="court").result == "pending"


def test_an_agency_answers_once(world: World) -> None:
    review = make_candidate_review(community=home(world))
    actions.submit_candidate_review(review=review, by=None)
    actions.record_check(review=review, agency="police", result="clear", by=None)

    with pytest.raises(Exception, match="已作出审查意见"):
        actions.record_check(review=review, agency="police", result="issue", note="x", by=None)


def test_a_concurrent_double_click_applies_once(world: World) -> None:
    review = make_candidate_review(community=home(world))
    first = CandidateReview.objects.get(pk=review.pk)
    second = CandidateReview.objects.get(pk=review.pk)  # the same page, open in two tabs

    actions.submit_candidate_review(review=first, by=world.users["township_staff"])
    with pytest.raises(Exception, match="刚刚已被他人处理"):
        actions.submit_candidate_review(review=second, by=world.users["township_staff"])

    assert CandidateCheck.objects.filter(review=review).count() == len(actions.CHECKLIST)
    assert CandidateReview.objects.get(pk=review.pk).version == 2


def test_a_double_click_on_the_page_gets_a_clear_message(world: World) -> None:
    review = make_candidate_review(community=home(world))
    client = client_for(world.users["township_staff"])
    submit = url("candidate_review_submit", review)

    client.post(submit, {"version": review.version})
    again = client.post(submit, {"version": review.version}, follow=True)

    assert "当前状态下不能进行此操作" in html(again) or "刚刚已被他人处理" in html(again)
    assert CandidateCheck.objects.filter(review=review).count() == len(actions.CHECKLIST)


def test_withdraw_from_draft_or_review_but_not_after_a_conclusion(world: World) -> None:
    draft = make_candidate_review(community=home(world))
    actions.withdraw_candidate_review(review=draft, by=None, reason="本人放弃")
    done = make_candidate_review(community=home(world), name="李四", id_number=id_number())
    actions.submit_candidate_review(review=done, by=None)
    actions.record_check(review=done, agency="court", result="issue", note="失信被执行人", by=None)
    client = client_for(world.users["township_staff"])

    refused = client.post(url("candidate_review_withdraw", done), {"reason": "x"}, follow=True)

    assert CandidateReview.objects.get(pk=draft.pk).status == "withdrawn"
    assert "当前状态下不能进行此操作" in html(refused)
    assert CandidateReview.objects.get(pk=done.pk).status == "failed"


def test_the_list_counts_per_community_in_scope_at_constant_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        review = make_candidate_review(community=home(world), name=f"候选人{n}",
                                       id_number=id_number())  # fmt: skip
        if n % 3 == 0:
            actions.submit_candidate_review(review=review, by=None)
    away = make_candidate_review(community=world.regions[AWAY], name="【X】外县候选人",
                                 id_number=id_number(area="320303"))  # fmt: skip
    client = client_for(world.users["county_official"])
    client.get(LIST)

    with django_assert_max_num_queries(12):
        body = html(client.get(LIST))
    detail = client.get(url("candidate_review", away))

    assert "候选人29" in body and "外县候选人" not in body
    assert ">20<" in body and ">10<" in body  # 20 drafts, 10 in review in the home community
    assert detail.status_code == 404
    assert client_for(world.users["community_head"]).get(NEW).status_code == 403
