"""The six standards' assessment through its pages: community staff fill in the six lines with
evidence and submit; a reviewer at the township or above decides each line, returns it with a
reason, completes and reopens the review. The level rule, self-review, stale pages and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts import actions as accounts
from shequ.accounts.models import Role
from shequ.core import calendar
from shequ.core.models import AuditEvent, Notification
from shequ.indicators.actions.standards import STANDARDS_FLOW
from shequ.indicators.models import (
    AssessmentStatus,
    LineDecision,
    Standard,
    StandardsAssessment,
    StandardsEvidence,
    StandardsLine,
)
from shequ.indicators.tests.factories_standards import filled, submitted
from shequ.participation.tests.factories_disclosures import png_bytes, upload
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
S = AssessmentStatus
CODE = HOME["community"]
PAGE = f"/indicators/standards/{CODE}/"


@pytest.fixture
def world() -> World:
    return build_world()


def year() -> int:
    return calendar.localdate().year


def assessment() -> StandardsAssessment:
    return StandardsAssessment.objects.get(community__code=CODE, year=year())


def line(standard: str) -> StandardsLine:
    return StandardsLine.objects.get(assessment=assessment(), standard=standard)


def fill(client: Any, standard: str, **data: Any) -> Any:
    current = StandardsLine.objects.filter(
        assessment__community__code=CODE, assessment__year=year(), standard=standard
    ).first()
    posted = {
        "year": year(),
        "standard": standard,
        f"{standard}-standard": standard,
        f"{standard}-version": current.version if current else "",
        f"{standard}-statement": f"{Standard(standard).label}已落实。",
        f"{standard}-evidence": "会议记录。",
    }
    posted |= {f"{standard}-{k}": v for k, v in data.items()}
    return client.post(PAGE + "line/", posted)


def decide(client: Any, standard: str, decision: str, comment: str = "") -> Any:
    return client.post(
        PAGE + "decide/",
        {
            "year": year(),
            "standard": standard,
            f"d-{standard}-standard": standard,
            f"d-{standard}-version": line(standard).version,
            f"d-{standard}-decision": decision,
            f"d-{standard}-comment": comment,
        },
    )


def move(client: Any, name: str, **data: Any) -> Any:
    return client.post(PAGE + f"{name}/", {"year": year(), "version": assessment().version, **data})


def messages_of(response: Any) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def test_the_whole_workflow_from_filling_in_to_a_reopened_review(world: World) -> None:
    staff = client_for(world.users["community_staff"])
    township = client_for(world.users["township_staff"])
    fired: set[str] = set()

    page = staff.get(PAGE, {"year": year()})
    body = html(page)
    assert page.status_code == 200
    assert "尚未开始填报" in body
    for label in Standard.labels:
        assert str(label) in body
    assert not StandardsAssessment.objects.exists()  # looking starts nothing

    # The first line saved starts the assessment; a file is kept as evidence.
    saved = fill(staff, Standard.ORGANISATION, files=upload("党组织名单.png", png_bytes()))
    assert saved.status_code == 302
    assert assessment().status == S.DRAFT
    evidence = StandardsEvidence.objects.get()
    assert evidence.name == "党组织名单.jpg" and evidence.content_type == "image/jpeg"

    # Submitting with lines missing names them and changes nothing.
    refused = move(staff, "submit")
    assert "规章制度规范" in messages_of(refused) and "工作保障规范" in messages_of(refused)
    assert assessment().status == S.DRAFT

    for code in Standard.values[1:]:
        assert fill(staff, code).status_code == 302
    assert move(staff, "submit").status_code == 302
    assert assessment().status == S.SUBMITTED
    assert assessment().submitted_by == world.users["community_staff"]
    fired.add("submit")

    # Submitted: the community can no longer edit.
    locked_out = fill(staff, Standard.RULES, statement="改过了")
    assert "不能再修改" in html(locked_out)
    assert line(Standard.RULES).statement != "改过了"

    # The township decides each line; "not met" needs a reason, shown under the field.
    missing_reason = decide(township, Standard.PREMISES, LineDecision.NOT_MET)
    assert missing_reason.status_code == 400
    assert "请写明未达标的原因" in html(missing_reason)
    assert line(Standard.PREMISES).decision == LineDecision.PENDING
    assert decide(township, Standard.ORGANISATION, LineDecision.MET).status_code == 302
    assert (
        decide(township, Standard.PREMISES, LineDecision.NOT_MET, "面积不足。").status_code == 302
    )
    decided = line(Standard.PREMISES)
    assert decided.decided_by == world.users["township_staff"] and decided.decided_at
    assert decided.comment == "面积不足。"

    # Completing before every line is decided names the undecided ones.
    early = move(township, "complete")
    assert "规章制度规范" in messages_of(early)
    assert assessment().status == S.SUBMITTED

    # Returned with a reason: the submitter is told, the community sees the reason.
    assert move(township, "return", reason="请补充党群服务中心的面积测绘材料。").status_code == 302
    assert assessment().status == S.RETURNED
    fired.add("return")
    told = Notification.objects.get(recipient=world.users["community_staff"])
    assert "退回" in told.subject and "测绘" in told.body
    assert "请补充党群服务中心的面积测绘材料" in html(staff.get(PAGE, {"year": year()}))

    # Editing a line clears its decision; the others keep theirs.
    assert fill(staff, Standard.PREMISES, statement="面积已达到600平方米。").status_code == 302
    assert line(Standard.PREMISES).decision == LineDecision.PENDING
    assert line(Standard.ORGANISATION).decision == LineDecision.MET
    assert move(staff, "submit").status_code == 302

    for code in Standard.values[1:]:
        assert decide(township, code, LineDecision.MET).status_code == 302
    assert move(township, "complete").status_code == 302
    fired.add("complete")
    done = assessment()
    assert done.status == S.REVIEWED and done.met_count == 6 and done.meets_all
    assert done.reviewed_by == world.users["township_staff"]
    body = html(staff.get(PAGE, {"year": year()}))
    assert "实现“六个规范”" in body

    # A county official reopens it with a reason: no longer counted until completed again.
    county = client_for(world.users["county_official"])
    assert move(county, "reopen", reason="抽查发现台账不全。").status_code == 302
    fired.add("reopen")
    reopened = assessment()
    assert reopened.status == S.SUBMITTED and reopened.met_count is None
    assert AuditEvent.objects.filter(
        action="indicators.standards_reopen", reason="抽查发现台账不全。"
    ).exists()

    assert fired == {t.name for t in STANDARDS_FLOW.transitions}


def test_the_level_decides_who_prepares_and_who_reviews(world: World) -> None:
    submitted(world.regions[CODE], year())
    head = client_for(world.users["community_head"])
    refused = decide(head, Standard.TEAM, LineDecision.MET)
    assert "镇(街道)及以上" in messages_of(refused)
    assert line(Standard.TEAM).decision == LineDecision.PENDING
    move(head, "complete")
    assert assessment().status == S.SUBMITTED
    # The page shows a community head no review forms.
    assert "保存评定" not in html(head.get(PAGE, {"year": year()}))

    # Reviewers do not fill in a community's assessment.
    township = client_for(world.users["township_staff"])
    move(township, "return", reason="补充。")
    assert assessment().status == S.RETURNED
    refused = fill(township, Standard.TEAM, statement="代填")
    assert "只有本村(社区)的工作人员" in messages_of(refused)
    assert line(Standard.TEAM).statement != "代填"


def test_nobody_reviews_their_own_submission(world: World) -> None:
    roles = {role.code: role for role in Role.objects.all()}
    both = accounts.create_staff_user(username="both", full_name="两岗甲", password=None)
    accounts.assign_role(
        user=both, role=roles["township_staff"], region=world.regions[HOME["township"]]
    )
    accounts.assign_role(user=both, role=roles["community_head"], region=world.regions[CODE])
    client = client_for(both)
    filled(world.regions[CODE], year(), by=both)
    assert move(client, "submit").status_code == 302
    refused = decide(client, Standard.ORGANISATION, LineDecision.MET)
    assert "不能审核自己提交的评定" in messages_of(refused)
    assert line(Standard.ORGANISATION).decision == LineDecision.PENDING
    page = html(client.get(PAGE, {"year": year()}))
    assert "须由其他人员审核" in page and "保存评定" not in page
    # Someone else can.
    other = client_for(world.users["township_staff"])
    assert decide(other, Standard.ORGANISATION, LineDecision.MET).status_code == 302
    assert line(Standard.ORGANISATION).decision == LineDecision.MET


def test_a_stale_page_is_refused_and_nothing_is_overwritten(world: World) -> None:
    filled(world.regions[CODE], year())
    first = client_for(world.users["community_staff"])
    second = client_for(world.users["community_head"])
    read = line(Standard.DUTIES).version
    assert fill(first, Standard.DUTIES, statement="第一人填写。", version=read).status_code == 302
    stale = fill(second, Standard.DUTIES, statement="第二人填写。", version=read)
    assert stale.status_code == 400
    assert "刚刚已被他人修改" in html(stale)
    assert line(Standard.DUTIES).statement == "第一人填写。"

    # A submit from a page read before that edit is refused too.
    before = assessment().version - 1
    refused = first.post(PAGE + "submit/", {"year": year(), "version": before})
    assert "刚刚已被他人修改或处理" in messages_of(refused)
    assert assessment().status == S.DRAFT

    # Two reviewers completing at once: the second click finds it already done.
    assert move(first, "submit").status_code == 302
    township = client_for(world.users["township_staff"])
    county = client_for(world.users["county_official"])
    for code in Standard.values:
        decide(township, code, LineDecision.MET)
    seen = assessment().version
    assert township.post(PAGE + "complete/", {"year": year(), "version": seen}).status_code == 302
    again = county.post(PAGE + "complete/", {"year": year(), "version": seen})
    assert "刚刚已被他人修改或处理" in messages_of(again)
    assert AuditEvent.objects.filter(action="indicators.standards_complete").count() == 1


def test_bad_input_is_named_and_nothing_is_half_written(world: World) -> None:
    staff = client_for(world.users["community_staff"])
    too_long = fill(staff, Standard.RULES, statement="长" * 4001)
    assert too_long.status_code == 400
    assert "达标情况说明" in html(too_long)
    not_an_image = fill(staff, Standard.RULES, files=upload("制度.png", b"not an image at all"))
    assert not_an_image.status_code == 400
    assert "“制度.png”不是PDF、JPEG或PNG文件" in html(not_an_image)
    # The refused file left no assessment, line or file behind.
    assert not StandardsAssessment.objects.exists()
    assert not StandardsEvidence.objects.exists()

    bad_year = staff.post(PAGE + "line/", {"year": "20x5", "standard": Standard.RULES})
    assert bad_year.status_code == 302
    assert "年度无效" in messages_of(bad_year)
    unknown = staff.post(PAGE + "line/", {"year": year(), "standard": "nonsense"})
    assert "请选择六个规范中的一项" in messages_of(unknown)
    assert not StandardsAssessment.objects.exists()

    filled(world.regions[CODE], year())
    assert move(staff, "submit").status_code == 302
    township = client_for(world.users["township_staff"])
    no_reason = township.post(PAGE + "return/", {"year": year(), "version": assessment().version})
    assert no_reason.status_code == 400
    assert "请写明原因" in html(no_reason)
    assert assessment().status == S.SUBMITTED
    wrong = decide(township, Standard.TEAM, "maybe")
    assert wrong.status_code == 400
    assert line(Standard.TEAM).decision == LineDecision.PENDING

    # A region that is not a community, or a malformed code, is not an assessment page.
    assert staff.get("/indicators/standards/320302001/").status_code == 404
    assert staff.get("/indicators/standards/abc/").status_code == 404


def test_evidence_files_are_served_and_removed_within_the_jurisdiction_only(
    world: World,
) -> None:
    staff = client_for(world.users["community_staff"])
    fill(staff, Standard.PREMISES, files=upload("平面图.png", png_bytes()))
    evidence = StandardsEvidence.objects.get()
    url = f"/indicators/standards/files/{evidence.pk}/"
    shown = client_for(world.users["township_staff"]).get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["Cache-Control"] == "private, no-store"
    assert world.outsider is not None
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.outsider).post(url + "delete/").status_code == 404
    # The reviewer cannot remove a community's evidence.
    client_for(world.users["township_staff"]).post(url + "delete/")
    assert StandardsEvidence.objects.filter(pk=evidence.pk).exists()
    removed = staff.post(url + "delete/", {"version": line(Standard.PREMISES).version})
    assert removed.status_code == 302
    assert not StandardsEvidence.objects.exists()
