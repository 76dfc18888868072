"""Every case page reads in English when English is chosen (data such as titles stays as entered)."""

from __future__ import annotations

import pytest

from shequ.cases.actions import handling
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.kiosk import kiosk_start_url, kiosk_token
from shequ.web.tests.test_i18n import EN, assert_english, fixture_names
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db

TITLE, TEXT = "路灯不亮", "东门路灯不亮三天"


def _case(world, **overrides):
    values = dict(
        channel="window",
        kind="complaint",
        category="environment",
        title=TITLE,
        description=TEXT,
        region=world.regions[HOME["community"]],
        requester_name="赵六",
        requester_phone="13912340000",
    )
    values.update(overrides)
    return submit_case(Intake(**values), by=world.users["community_staff"])


def test_staff_case_pages_in_english(client) -> None:
    world = build_world()
    case = _case(world)
    handling.accept(case=case, by=world.users["township_staff"], note="受理")
    handling.dispatch(case=case, by=world.users["township_staff"], lead=world.units["320302"])
    names = [*fixture_names(), TEXT, TITLE, "受理", "赵"]  # "赵*": the masked requester
    client.cookies.load(EN)
    for role, urls in {
        "township_staff": (
            "/cases/inbox/",
            f"/cases/{case.pk}/",
            "/cases/dispatch/",
            "/cases/new/",
            "/cases/kiosk-setup/",
            "/cases/routing/",
            "/cases/approvals/",
            "/cases/callbacks/",
            "/cases/statistics/",
        ),
        "unit_handler": ("/cases/unit/", f"/cases/{case.pk}/"),
        "grid_worker": ("/cases/report/",),
        "security_admin": ("/cases/open311-clients/",),
    }.items():
        client.force_login(world.users[role])
        if role == "security_admin":
            from tests.world import verify_second_factor

            verify_second_factor(client, world.users[role])
            client.cookies.load(EN)
        for url in urls:
            assert_english(client.get(url), f"{role} {url}", names)


def test_resident_case_pages_in_english(client) -> None:
    world = build_world()
    resident = world.users["resident"]
    case = _case(world, channel="online", requester=resident, requester_name="", requester_phone="")
    names = [*fixture_names(), TEXT, TITLE]
    client.cookies.load(EN)
    token = kiosk_token(
        community=world.regions[HOME["community"]],
        label="便民服务大厅 1号机",
        by=world.users["community_staff"],
    )
    for url in ("/cases/follow/", kiosk_start_url(token), "/cases/kiosk/"):
        assert_english(client.get(url), url, names)
    client.force_login(resident)
    for url in (
        f"/cases/submit/?community={HOME['community']}",
        f"/cases/submit/other/?community={HOME['community']}",
        "/cases/mine/",
        f"/cases/mine/{case.pk}/",
    ):
        assert_english(client.get(url), url, names)
