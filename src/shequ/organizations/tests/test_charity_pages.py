"""The charity pages over HTTP: the scoped fund list with balances from the ledger and a constant
number of queries, registering and editing a fund, the fund page's paged ledger and Excel export, the
public summary (no sign-in, donors' names only where allowed, never contacts or recipients), and needs
posted, matched, fulfilled and withdrawn."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.core.models import AuditEvent
from shequ.organizations.models import (
    CharityFund,
    CharityNeed,
    NeedMatch,
    NeedStatus,
    OrgKind,
    ProjectKind,
    RegistrationStatus,
    ServiceProject,
    SocialOrganization,
)
from shequ.organizations.tests.factories_charity import (
    disburse,
    donate,
    make_fund,
    make_need,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
VILLAGE = "320302001201"
FUNDS = reverse("organizations:funds")
NEEDS = reverse("organizations:needs")


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def detail_url(fund: CharityFund) -> str:
    return reverse("organizations:fund_detail", kwargs={"fund_id": fund.pk})


def summary_url(fund: CharityFund) -> str:
    return reverse("organizations:fund_summary", kwargs={"fund_code": fund.code})


def _queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- The list --------------------------------------------------------------------------------------


def test_the_list_shows_my_territory_s_funds_with_balances_from_the_ledger(world: World) -> None:
    fund = make_fund(region=home(world), name="幸福社区慈善基金")
    make_fund(region=world.regions[AWAY], name="外县慈善基金")
    donate(fund, "1200")
    donate(fund, "300", in_goods=True, goods_description="大米", quantity="6", unit="袋")
    disburse(fund, "200", approver=world.users["community_head"])

    body = html(client_for(world.users["community_staff"]).get(FUNDS))
    away = html(client_for(world.outsider).get(FUNDS))

    assert "幸福社区慈善基金" in body and "外县慈善基金" not in body
    assert "1000.00" in body and "300.00" in body  # cash and goods
    assert "1500.00" in body and "200.00" in body  # this year's donations and disbursements
    assert "外县慈善基金" in away and "幸福社区慈善基金" not in away


def test_last_year_s_money_counts_in_the_balance_but_not_this_year_s_totals(
    world: World,
) -> None:
    today = timezone.localdate()
    fund = make_fund(region=home(world), established_on=today.replace(year=today.year - 2))
    donate(fund, "800", posted_on=today.replace(year=today.year - 1, month=6, day=1))
    found = CharityFund.objects.none()
    from shequ.organizations.queries import charity as queries

    found = queries.funds(world.users["community_staff"])
    row = found.get(pk=fund.pk)
    assert row.cash == 800 and row.donated == 0 and row.disbursed == 0


def test_the_list_costs_the_same_queries_for_2_and_20_funds(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["township_staff"])
    for i in range(2):
        donate(make_fund(region=home(world), name=f"基金{i}"), "10")
    few = _queries_for(client, FUNDS)
    for i in range(18):
        fund = make_fund(region=world.regions[VILLAGE], name=f"更多基金{i}")
        donate(fund, "10")
        donate(fund, "5", in_goods=True, goods_description="面粉", quantity="1", unit="袋")
    with django_assert_max_num_queries(few):
        body = html(client.get(FUNDS))
    assert "共 20 个慈善基金(超市)" in body


def test_the_list_filters_by_kind_and_place(world: World) -> None:
    make_fund(region=home(world), name="幸福社区慈善基金")
    make_fund(region=world.regions[VILLAGE], name="村慈善超市", kind="store")
    client = client_for(world.users["township_staff"])
    by_kind = html(client.get(FUNDS, {"kind": "store"}))
    by_place = html(client.get(FUNDS, {"region": VILLAGE}))
    assert "村慈善超市" in by_kind and "幸福社区慈善基金" not in by_kind
    assert "村慈善超市" in by_place and "幸福社区慈善基金" not in by_place


# --- A fund ----------------------------------------------------------------------------------------


def test_a_worker_registers_a_fund_numbered_after_the_community(world: World) -> None:
    client = client_for(world.users["community_staff"])
    assert "所在村(社区)" in html(client.get(reverse("organizations:fund_new")))
    response = client.post(
        reverse("organizations:fund_new"),
        {
            "region": HOME["community"],
            "name": "幸福社区慈善超市",
            "kind": "store",
            "established_on": "2024-03-01",
            "custodian": "幸福社区居委会",
            "code": "",
            "publish_summary": "on",
        },
    )
    fund = CharityFund.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(fund)
    assert fund.code == f"{HOME['community']}-01" and fund.publish_summary
    second = make_fund(region=home(world))
    assert second.code == f"{HOME['community']}-02"


def test_a_fund_outside_my_jurisdiction_or_dated_in_the_future_is_refused(world: World) -> None:
    client = client_for(world.users["community_staff"])
    data = {"name": "基金", "kind": "fund", "established_on": "2024-03-01"}
    elsewhere = html(client.post(reverse("organizations:fund_new"), {**data, "region": AWAY}))
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    later = html(
        client.post(
            reverse("organizations:fund_new"),
            {**data, "region": HOME["community"], "established_on": future},
        )
    )
    assert "选择一个有效的选项" in elsewhere or "有效" in elsewhere
    assert "设立日期不能晚于今天" in later
    assert not CharityFund.objects.exists()


def test_another_county_s_fund_answers_404(world: World) -> None:
    away = make_fund(region=world.regions[AWAY], name="外县慈善基金")
    client = client_for(world.users["county_official"])
    for name in ("fund_detail", "fund_edit", "fund_export", "donation_new", "disbursement_new"):
        assert (
            client.get(reverse(f"organizations:{name}", kwargs={"fund_id": away.pk})).status_code
            == 404
        )


def test_editing_a_fund_withdraws_its_public_summary(world: World) -> None:
    fund = make_fund(region=home(world))
    client = client_for(world.users["community_staff"])
    url = reverse("organizations:fund_edit", kwargs={"fund_id": fund.pk})
    assert "向社会公开收支摘要" in html(client.get(url))
    client.post(url, {"name": "幸福社区慈善基金（改）", "custodian": "", "is_active": "on"})
    fund.refresh_from_db()
    assert fund.name.endswith("（改）") and not fund.publish_summary
    assert Client().get(summary_url(fund)).status_code == 404


def test_the_fund_page_pages_its_ledger_in_constant_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    fund = make_fund(region=home(world))
    head = world.users["community_head"]
    client = client_for(world.users["community_staff"])
    donate(fund, "1000")
    disburse(fund, "10", approver=head)
    few = _queries_for(client, detail_url(fund))
    for i in range(30):
        donate(fund, "10", donor_name=f"捐赠人{i}")
        disburse(fund, "5", approver=head, recipient=f"受助人{i}")
    with django_assert_max_num_queries(few):
        body = html(client.get(detail_url(fund)))
    assert "第 1 页，共 2 页" in body


def test_the_ledger_exports_to_excel_without_contacts_and_is_audited(world: World) -> None:
    fund = make_fund(region=home(world))
    donate(fund, "100", donor_contact="13812345678")
    disburse(fund, "40", approver=world.users["community_head"], recipient="李桂兰")
    client = client_for(world.users["community_staff"])

    response = client.get(reverse("organizations:fund_export", kwargs={"fund_id": fund.pk}))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "王建国" in cells and "李桂兰" in cells
    assert not any("13812345678" in c for c in cells)
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0] is not None]
    assert [(row[0], row[6]) for row in rows] == [
        (1, "资金"),
        (1, "捐赠收入"),
        (2, "慈善支出"),
        (2, "资金"),
    ]
    assert AuditEvent.objects.filter(action="organizations.charity.export").exists()


# --- The public summary ----------------------------------------------------------------------------


def test_the_public_summary_shows_only_what_may_be_published(world: World) -> None:
    fund = make_fund(region=home(world), name="幸福社区慈善基金")
    donate(fund, "500", donor_name="王建国", publish_donor=True, donor_contact="13812345678")
    donate(fund, "300", donor_name="赵不愿具名", publish_donor=False)
    donate(fund, "50", donor_kind="anonymous", donor_name="", publish_donor=True)
    disburse(
        fund,
        "120",
        approver=world.users["community_head"],
        recipient="李桂兰（低保户）",
        description="困难家庭节日慰问",
    )

    body = html(Client().get(summary_url(fund)))

    assert "幸福社区慈善基金" in body and "王建国" in body
    assert "赵不愿具名" not in body and body.count("爱心人士") >= 2
    assert "13812345678" not in body and "138****5678" not in body
    assert "李桂兰" not in body and "困难家庭节日慰问" in body
    assert "730.00" in body  # the cash balance
    assert timezone.localdate().strftime("%Y-%m") in body


def test_an_unpublished_or_unknown_fund_has_no_public_summary(world: World) -> None:
    hidden = make_fund(region=home(world), publish_summary=False)
    assert Client().get(summary_url(hidden)).status_code == 404
    missing = reverse("organizations:fund_summary", kwargs={"fund_code": "NO-SUCH"})
    assert Client().get(missing).status_code == 404


def test_a_reversed_donation_leaves_the_public_summary(world: World) -> None:
    from shequ.organizations.actions import charity as actions

    fund = make_fund(region=home(world))
    gift = donate(fund, "66.60", donor_name="钱登记错")
    actions.reverse_entry(entry=gift, by=world.users["community_head"], reason="重复登记")
    body = html(Client().get(summary_url(fund)))
    assert "钱登记错" not in body


# --- Needs -----------------------------------------------------------------------------------------


def _project(world: World, region_code: str, title: str) -> ServiceProject:
    region = world.regions[region_code]
    # Made directly: the social organisations' own actions are another feature's (O1).
    org = SocialOrganization.objects.create(
        region=region,
        name=f"{title}承接机构",
        kind=OrgKind.values[0],
        registration=RegistrationStatus.FILED,
    )
    today = timezone.localdate()
    return ServiceProject.objects.create(
        region=region,
        kind=ProjectKind.VENTURE,
        title=title,
        buyer="区民政局",
        provider=org,
        budget="50000",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=300),
    )


def test_a_community_posts_a_need_and_a_date_in_the_past_is_refused(world: World) -> None:
    client = client_for(world.users["community_staff"])
    data = {
        "community": HOME["community"],
        "title": "困难儿童助学金",
        "description": "两名困境儿童的学习用品",
        "kind": "money",
        "amount": "800",
        "quantity": "",
        "needed_by": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "is_public": "on",
    }
    past = html(client.post(reverse("organizations:need_new"), data))
    assert "需要日期不能早于今天" in past and not CharityNeed.objects.exists()
    no_amount = html(
        client.post(reverse("organizations:need_new"), {**data, "needed_by": "", "amount": ""})
    )
    assert "请填写所需金额" in no_amount and not CharityNeed.objects.exists()

    response = client.post(reverse("organizations:need_new"), {**data, "needed_by": ""})

    need = CharityNeed.objects.get()
    assert response.status_code == 302 and need.amount == 800 and need.status == NeedStatus.OPEN
    assert "困难儿童助学金" in html(client.get(NEEDS))


def test_a_need_is_matched_to_a_fund_and_a_project_then_fulfilled_by_a_disbursement(
    world: World,
) -> None:
    fund = make_fund(region=home(world))
    donate(fund, "500")
    need = make_need(community=home(world))
    project = _project(world, HOME["county"], "银龄关爱公益创投")
    project.communities.add(home(world))  # bought by the county, serving this community
    _project(world, HOME["county"], "不服务本社区的项目")
    client = client_for(world.users["township_staff"])
    url = reverse("organizations:need_detail", kwargs={"charity_need_id": need.pk})
    page = html(client.get(url))
    assert "银龄关爱公益创投" in page and fund.name in page
    assert "不服务本社区的项目" not in page  # the county's, seen from the township: not offered

    client.post(
        reverse("organizations:need_match", kwargs={"charity_need_id": need.pk}),
        {"donor_name": "", "fund": fund.pk, "project": project.pk, "note": "基金出资、项目送达"},
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHED
    match = NeedMatch.objects.get()
    assert match.fund == fund and match.project == project

    spent = disburse(fund, "200", approver=world.users["community_head"], need=need)
    client.post(
        reverse("organizations:need_fulfil", kwargs={"charity_need_id": need.pk}),
        {"entry": spent.pk, "note": "已送达"},
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.FULFILLED
    body = html(client.get(url))
    assert "已完成" in body and f"第 {spent.number} 号" in body and "对接" in body


def test_a_match_to_a_fund_outside_the_jurisdiction_is_refused(world: World) -> None:
    away = make_fund(region=world.regions[AWAY], name="外县慈善基金")
    need = make_need(community=home(world))
    client = client_for(world.users["community_staff"])

    body = html(
        client.post(
            reverse("organizations:need_match", kwargs={"charity_need_id": need.pk}),
            {"donor_name": "", "fund": away.pk, "project": "", "note": ""},
        )
    )

    assert "有效" in body
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN and not NeedMatch.objects.exists()
    from django.core.exceptions import PermissionDenied

    from shequ.organizations.actions import charity as actions

    with pytest.raises(PermissionDenied):
        actions.match_need(need=need, by=world.users["community_staff"], fund=away)
    assert not NeedMatch.objects.exists()


def test_a_match_must_name_someone_and_a_withdrawn_need_is_closed(world: World) -> None:
    need = make_need(community=home(world))
    client = client_for(world.users["community_staff"])
    match_url = reverse("organizations:need_match", kwargs={"charity_need_id": need.pk})
    nobody = html(client.post(match_url, {"donor_name": "", "fund": "", "project": ""}))
    assert "请填写认领的爱心人士或单位" in nobody

    client.post(
        reverse("organizations:need_withdraw", kwargs={"charity_need_id": need.pk}),
        {"reason": "家属已解决"},
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.WITHDRAWN
    late = html(client.post(match_url, {"donor_name": "爱心企业"}))
    assert not NeedMatch.objects.exists()
    assert "对接" in late


def test_needs_of_another_county_answer_404_and_never_list(world: World) -> None:
    away = make_need(community=world.regions[AWAY], title="外县需求")
    client = client_for(world.users["county_official"])
    assert "外县需求" not in html(client.get(NEEDS))
    for name in ("need_detail",):
        url = reverse(f"organizations:{name}", kwargs={"charity_need_id": away.pk})
        assert client.get(url).status_code == 404


def test_the_needs_list_costs_the_same_queries_for_more_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["township_staff"])
    for i in range(2):
        make_need(community=home(world), title=f"需求{i}")
    few = _queries_for(client, NEEDS)
    for i in range(20):
        make_need(community=world.regions[VILLAGE], title=f"更多需求{i}")
    with django_assert_max_num_queries(few):
        body = html(client.get(NEEDS))
    assert "共 22 条需求" in body


def test_the_public_needs_list_shows_open_public_needs_only(world: World) -> None:
    make_need(community=home(world), title="公开的微心愿")
    make_need(community=home(world), title="内部需求", is_public=False)
    url = reverse("organizations:public_needs", kwargs={"need_community_code": HOME["community"]})
    body = html(Client().get(url))
    assert "公开的微心愿" in body and "内部需求" not in body
    nowhere = reverse("organizations:public_needs", kwargs={"need_community_code": "999"})
    assert Client().get(nowhere).status_code == 404


def test_the_approval_queue_lists_pending_requests_of_my_places(world: World) -> None:
    from shequ.organizations.tests.factories_charity import ask

    fund = make_fund(region=home(world))
    donate(fund, "100")
    ask(fund, "30", description="敬老院慰问", by=world.users["community_staff"])
    away = make_fund(region=world.regions[AWAY], name="外县基金")
    donate(away, "100")
    ask(away, "30", description="外县慰问")
    body = html(
        client_for(world.users["community_head"]).get(
            reverse("organizations:disbursement_requests")
        )
    )
    assert "敬老院慰问" in body and "外县慰问" not in body


def test_the_request_list_shows_decided_requests_and_costs_constant_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from shequ.organizations.actions import charity as actions
    from shequ.organizations.tests.factories_charity import ask

    fund = make_fund(region=home(world))
    donate(fund, "1000")
    refused = ask(fund, "30", description="重复申请的慰问")
    actions.reject_disbursement(request=refused, by=world.users["community_head"], reason="重复")
    client = client_for(world.users["community_staff"])
    url = reverse("organizations:disbursement_requests") + "?status=all"
    few = _queries_for(client, url)
    for i in range(20):
        ask(fund, "1", description=f"慰问{i}")
    with django_assert_max_num_queries(few):
        body = html(client.get(url))
    assert "重复申请的慰问" in body and "已驳回" in body and "共 21 笔" in body
    rejected = html(client.get(reverse("organizations:disbursement_requests") + "?status=rejected"))
    assert "重复申请的慰问" in rejected and "慰问3" not in rejected


def test_a_fund_code_with_odd_characters_or_taken_is_refused(world: World) -> None:
    from django.core.exceptions import ValidationError

    make_fund(region=home(world), code="XZ-001")
    with pytest.raises(ValidationError, match="只能包含字母、数字"):
        make_fund(region=home(world), code="XZ 002/")
    with pytest.raises(ValidationError, match="已被使用"):
        make_fund(region=home(world), code="xz-001")
    assert CharityFund.objects.count() == 1
