"""Voter registration over HTTP and through the actions: the roll built from the registry (age on
election day, 29 February, deceased and moved-out residents, idempotent re-building in a bounded
number of queries), applications, publication, objections before and after the deadline,
finalising and the export; jurisdiction and what residents see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.core import calendar
from shequ.participation.actions import elections as actions
from shequ.participation.models.elections import (
    ElectionStatus,
    RollBasis,
    RollEntry,
    RollObjection,
    VoterRegistration,
)
from shequ.participation.tests.factories_elections import (
    adult,
    make_election,
    published,
    resident_user,
)
from shequ.registry import actions as registry_actions
from shequ.registry.models import LifeStatus, Resident
from tests.concurrency import at_once, postgres_only
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def on_roll(election: Any) -> set[str]:
    return set(
        RollEntry.objects.filter(election=election, removed_at__isnull=True).values_list(
            "resident__name", flat=True
        )
    )


def test_age_cutoff_and_29_february() -> None:
    assert actions.age_cutoff(date(2026, 2, 28), 18) == date(2008, 2, 28)
    assert actions.age_cutoff(date(2026, 3, 1), 18) == date(2008, 3, 1)
    assert actions.age_cutoff(date(2028, 2, 29), 18) == date(2010, 2, 28)


def test_build_excludes_minors_deceased_and_the_29_february_born(world: World) -> None:
    community = home(world)
    with calendar.frozen_time("2026-01-10"):
        election = make_election(
            community,
            by=staff(world),
            election_day=date(2026, 2, 28),
            registration_closes=date(2026, 2, 1),
        )
        adult(community, "成年甲")
        adult(community, "满龄乙", born=date(2008, 2, 28))
        adult(community, "闰日丙", born=date(2008, 2, 29))
        adult(community, "未成年丁", born=date(2012, 5, 1))
        dead = adult(community, "已故戊")
        registry_actions.record_departure(
            resident=dead, status=LifeStatus.DECEASED, on=date(2026, 1, 5)
        )
        adult(community, "流动己", residence_status="migrant")
        adult(world.regions[AWAY], "外社区庚")
        counts = actions.build_roll(election=election, by=staff(world))
    names = on_roll(election)
    assert {"成年甲", "满龄乙"} <= names
    assert not names & {"闰日丙", "未成年丁", "已故戊", "流动己", "外社区庚"}
    assert counts["added"] == len(names)
    election.refresh_from_db()
    assert election.status == ElectionStatus.REGISTRATION


def test_born_29_february_turns_of_age_on_1_march() -> None:
    from shequ.participation.models.elections import Election

    born = date(2008, 2, 29)
    feb = Election(election_day=date(2026, 2, 28), min_age=18, community_id=1)
    mar = Election(election_day=date(2026, 3, 1), min_age=18, community_id=1)
    person = Resident(name="闰日", birth_date=born, status=LifeStatus.ACTIVE, community_id=1)
    assert "未满18周岁" in (actions.ineligibility(feb, person) or "")
    assert actions.ineligibility(mar, person) is None


def test_rebuild_is_idempotent_removes_the_departed_with_a_reason_in_few_queries(
    world: World,
) -> None:
    community = home(world)
    election = make_election(community, by=staff(world))
    people = [adult(community, f"居民{i}") for i in range(12)]
    actions.build_roll(election=election, by=staff(world))
    assert len(on_roll(election)) >= 12
    again = actions.build_roll(election=election, by=staff(world))
    assert again == {"added": 0, "removed": 0}
    registry_actions.record_departure(
        resident=people[0], status=LifeStatus.MOVED_OUT, on=calendar.localdate()
    )
    for i in range(40):
        adult(community, f"新居民{i}")
    with CaptureQueriesContext(connection) as queries:
        counts = actions.build_roll(election=election, by=staff(world))
    assert counts["removed"] == 1 and counts["added"] == 40
    assert len(queries) <= 20, len(queries)
    gone = RollEntry.objects.get(election=election, resident=people[0])
    assert gone.removed_at is not None and gone.removed_reason == "已迁出"


def test_staff_pages_create_build_publish_and_list(
    world: World, django_assert_max_num_queries: Any
) -> None:
    community = home(world)
    client = client_for(staff(world))
    today = calendar.localdate()
    bad = client.post(
        reverse("participation:election_create"),
        {
            "community": community.pk,
            "title": "换届",
            "election_day": (today + timedelta(days=10)).isoformat(),
            "registration_closes": (today + timedelta(days=20)).isoformat(),
            "min_age": 18,
            "include_registered_present": "on",
            "include_non_registered_years": 1,
        },
    )
    assert "登记截止日期不能晚于选举日" in html(bad)
    done = client.post(
        reverse("participation:election_create"),
        {
            "community": community.pk,
            "title": "换届",
            "election_day": (today + timedelta(days=40)).isoformat(),
            "registration_closes": (today + timedelta(days=20)).isoformat(),
            "min_age": 18,
            "include_registered_present": "on",
            "include_non_registered_years": 1,
        },
    )
    assert done.status_code == 302
    detail = done["Location"]
    election_id = int(detail.rstrip("/").split("/")[-1])
    adult(community, "王选民")
    page = client.post(reverse("participation:election_build", args=[election_id]), follow=True)
    assert "已生成选民名单" in html(page) and "王选民" in html(page)
    published = client.post(
        reverse("participation:election_publish", args=[election_id]), {}, follow=True
    )
    assert "选民名单已公示" in html(published)
    for i in range(3):
        make_election(community, by=staff(world), title=f"其他选举{i}")
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("participation:election_list"))
    assert listing.status_code == 200 and "换届" in html(listing)


def test_outside_the_jurisdiction_is_404(world: World) -> None:
    from shequ.accounts.models import User

    away = make_election(
        world.regions[AWAY], by=User.objects.get(username="elsewhere"), title="外地选举"
    )
    client = client_for(staff(world))
    assert client.get(reverse("participation:election_detail", args=[away.pk])).status_code == 404
    assert client.post(reverse("participation:election_build", args=[away.pk])).status_code == 404
    assert "外地选举" not in html(client.get(reverse("participation:election_list")))


def test_application_rules_and_decision(world: World) -> None:
    community = home(world)
    election = make_election(community, by=staff(world), include_non_registered_years=2)
    migrant = adult(community, "外来甲", residence_status="migrant")
    user = resident_user(migrant)
    client = client_for(user)
    url = reverse("participation:registration_apply", args=[election.pk])
    short = client.post(url, {"years_resident": 1, "reason": "在此居住"})
    assert "居住满2年" in html(short)
    script = client.post(url, {"years_resident": 3, "reason": "<script>x</script>"})
    assert "脚本" in html(script)
    ok = client.post(url, {"years_resident": 3, "reason": "户籍在外地，居住已满3年"})
    assert ok.status_code == 302
    twice = client.post(url, {"years_resident": 3, "reason": "再次申请"})
    assert "待审核的登记申请" in html(twice)
    assert VoterRegistration.objects.filter(election=election).count() == 1
    made = VoterRegistration.objects.get(election=election)
    decide = reverse("participation:registration_decide", args=[made.pk])
    staff_client = client_for(staff(world))
    staff_client.post(decide, {"decision": "approve", "note": "", "version": made.version})
    again = staff_client.post(
        decide, {"decision": "reject", "note": "x", "version": made.version}, follow=True
    )
    assert "刷新页面" in html(again)
    entry = RollEntry.objects.get(election=election, resident=migrant)
    assert entry.basis == RollBasis.APPLICATION
    mine = html(client.get(reverse("participation:my_election")))
    assert "您已在选民名单上" in mine


def test_minor_application_and_late_application_refused(world: World) -> None:
    community = home(world)
    election = make_election(community, by=staff(world))
    child = adult(community, "少年", born=calendar.localdate() - timedelta(days=365 * 10))
    client = client_for(resident_user(child))
    url = reverse("participation:registration_apply", args=[election.pk])
    page = client.post(url, {"years_resident": 10, "reason": "想参加选举"})
    assert "未满18周岁" in html(page)
    grown = adult(community, "成年人")
    late = client_for(resident_user(grown))
    with calendar.frozen_time(election.registration_closes + timedelta(days=1)):
        refused = late.post(url, {"years_resident": 10, "reason": "想参加选举"})
    assert "选民登记已于" in html(refused)


def test_objections_before_and_after_the_deadline_and_finalise(world: World) -> None:
    community = home(world)
    election = make_election(community, by=staff(world))
    resident = adult(community, "赵居民")
    adult(community, "钱居民")
    user = resident_user(resident)
    election = published(election, by=staff(world))
    entry = RollEntry.objects.get(election=election, resident=resident)
    actions.remove_entry(entry=entry, by=staff(world), reason="核对户籍")
    client = client_for(user)
    page = html(client.get(reverse("participation:election_page", args=[election.pk])))
    assert "钱*" in page and "钱居民" not in page
    url = reverse("participation:roll_objection_create", args=[election.pk])
    done = client.post(url, {"kind": "missing", "subject": resident.pk, "body": "我在本社区居住"})
    assert done.status_code == 302
    objection = RollObjection.objects.get(election=election)
    staff_client = client_for(staff(world))
    with calendar.frozen_time(election.objection_deadline + timedelta(days=1)):
        late = client.post(url, {"kind": "missing", "subject": resident.pk, "body": "再提一次"})
        assert "异议期已于" in html(late)
        pending = staff_client.post(
            reverse("participation:election_finalise", args=[election.pk]), follow=True
        )
        assert "还有1条异议未处理" in html(pending)
        staff_client.post(
            reverse("participation:roll_objection_decide", args=[objection.pk]),
            {"decision": "approve", "note": "核实属实，予以补登", "version": objection.version},
        )
        assert "赵居民" in on_roll(election)
        final = staff_client.post(
            reverse("participation:election_finalise", args=[election.pk]), follow=True
        )
        assert "选民名单已确定" in html(final)
    export = reverse("participation:election_export", args=[election.pk])
    no_reason = staff_client.post(export, {"fmt": "csv", "reason": ""})
    assert no_reason.status_code == 200
    csv = staff_client.post(export, {"fmt": "csv", "reason": "提交选举委员会"})
    assert csv.status_code == 200
    text = csv.content.decode("utf-8")
    assert "赵居民" in text and resident.id_number not in text
    assert "*" * 14 + resident.id_number[-4:] in text
    xlsx = staff_client.post(export, {"fmt": "xlsx", "reason": "提交选举委员会"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    with pytest.raises(Exception, match="已确定"):
        actions.build_roll(election=election, by=staff(world))


def test_resident_of_another_community_cannot_object(world: World) -> None:
    election = (
        published(make_election(home(world), by=staff(world)), by=None)
        if adult(home(world))
        else None
    )
    assert election is not None
    stranger = adult(world.regions[AWAY], "外人")
    client = client_for(resident_user(stranger))
    url = reverse("participation:roll_objection_create", args=[election.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_only_one_succeeds() -> None:
    postgres_only("the conditional updates")
    world = build_world()
    community = home(world)
    election = published(
        make_election(community, by=staff(world)) if adult(community, "孙甲") else None,
        by=None,  # type: ignore[arg-type]
    )
    subject = adult(community, "周乙", residence_status="permanent")
    objection = actions.file_objection(
        election=election, by=staff(world), kind="missing", subject=subject, body="漏登"
    )
    by = staff(world)
    results = at_once(
        lambda: actions.decide_objection(
            objection=RollObjection.objects.get(pk=objection.pk),
            by=by,
            approve=True,
            response="补登",
        ),
        lambda: actions.decide_objection(
            objection=RollObjection.objects.get(pk=objection.pk),
            by=by,
            approve=False,
            response="不成立",
        ),
    )
    assert results.count("ok") == 1
    assert RollEntry.objects.filter(election=election, resident=subject).count() <= 1
