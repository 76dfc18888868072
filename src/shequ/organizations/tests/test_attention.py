"""Organisations' items on the staff console: disbursements waiting for the user's approval (never
their own request), and overdue milestones of running projects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.organizations.tests.factories_charity import ask, donate, make_fund
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_a_pending_disbursement_is_on_the_console_of_who_may_approve_it(world: World) -> None:
    community = world.regions[HOME["community"]]
    head = world.users["community_head"]
    staff = world.users["community_staff"]
    fund = make_fund(region=community)
    donate(fund, "1000")
    ask(fund, "300", by=head)
    # The requester never approves their own request; staff without the permission see nothing.
    assert "待审批的慈善支出" not in html(client_for(head).get("/"))
    assert "待审批的慈善支出" not in html(client_for(staff).get("/"))
    ask(fund, "200", by=staff)
    assert "待审批的慈善支出" in html(client_for(head).get("/"))


def test_an_overdue_milestone_of_a_running_project_is_on_the_console(world: World) -> None:
    from shequ.organizations.actions import social
    from shequ.organizations.tests.factories_social import make_org, make_project

    township = world.regions[HOME["township"]]
    official = world.users["township_staff"]
    project = make_project(region=township, provider=make_org(region=township))
    social.add_milestone(
        project=project,
        by=None,
        title="中期评估",
        due_on=timezone.localdate() - timedelta(days=10),
    )
    # A planned project's milestones are not late yet; once it runs, the missed one is.
    assert "逾期未完成的服务项目节点" not in html(client_for(official).get("/"))
    social.transition_project(project=project, transition="start", by=official)
    assert "逾期未完成的服务项目节点" in html(client_for(official).get("/"))
