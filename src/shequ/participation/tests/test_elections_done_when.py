"""Issue #9's "done when", the voter-registration part, on the real demo: the demo loader leaves a
published roll with a pending application and a handled objection; then, through the pages, the
community's staff create an election in the home community, build the roll (no minors, no deceased),
publish it; the demo resident, left off the roll, files an objection (someone missing) and staff
handle it (entry added); an objection after the deadline is refused; the roll is finalised and
exported."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from shequ.accounts.models import User
from shequ.core import calendar
from shequ.demo.generator import DEFAULT_SEED, generate
from shequ.demo.tests.test_demo import HOME_COMMUNITY, territory  # noqa: F401 (fixture)
from shequ.participation.actions.elections import age_cutoff
from shequ.participation.demo_elections import load_demo_elections
from shequ.participation.models.elections import (
    Election,
    ElectionStatus,
    RequestStatus,
    RollBasis,
    RollEntry,
    RollObjection,
    VoterRegistration,
)
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db


def _ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html(response)


def _one(pattern: str, text: str) -> str:
    found = re.findall(pattern, text)
    assert found, f"{pattern!r} not on the page"
    return str(found[0])


def _clean_roll(election: Election) -> None:
    live = RollEntry.objects.filter(election=election, removed_at__isnull=True)
    cutoff = age_cutoff(election.election_day, election.min_age)
    assert live.exists()
    assert not live.filter(resident__birth_date__gt=cutoff).exists(), "a minor on the roll"
    assert not live.exclude(resident__status=LifeStatus.ACTIVE).exists(), "a departed on the roll"


def test_an_electoral_roll_is_published_with_an_objection_handled(territory) -> None:  # noqa: F811
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    home = Region.objects.get(code=HOME_COMMUNITY)
    if not Election.objects.filter(is_synthetic=True).exists():  # until the generator calls it
        county = Region.objects.get(
            level=Level.COUNTY, path=home.path[: home.path.index("/", 7) + 1]
        )
        load_demo_elections(county=county, seed=DEFAULT_SEED, community=home, users=users)
        again = load_demo_elections(county=county, seed=DEFAULT_SEED, community=home, users=users)
        assert again["elections"] == 0
    demo = Election.objects.get(is_synthetic=True, community=home)
    assert demo.status == ElectionStatus.PUBLISHED
    _clean_roll(demo)
    assert (
        VoterRegistration.objects.filter(election=demo, status=RequestStatus.PENDING).count() == 1
    )
    assert RollObjection.objects.filter(election=demo, status=RequestStatus.APPROVED).count() == 1

    staff = client_for(users["community_staff"])
    today = calendar.localdate()
    made = staff.post(
        "/participation/elections/new/",
        {
            "community": home.pk,
            "title": "居委会换届选举（演示）",
            "election_day": (today + timedelta(days=50)).isoformat(),
            "registration_closes": (today + timedelta(days=30)).isoformat(),
            "min_age": 18,
            "include_registered_present": "on",
            "include_non_registered_years": 1,
        },
    )
    assert made.status_code == 302, html(made)
    detail = made["Location"]
    election = Election.objects.get(pk=int(_one(r"/elections/(\d+)/", detail)))
    page = _ok(staff.get(detail))
    build_url = _one(r'action="(/participation/elections/\d+/build/)"', page)
    assert "已生成选民名单" in _ok(staff.post(build_url, follow=True))
    _clean_roll(election)

    me = Resident.objects.get(account=users["resident"])
    entry = RollEntry.objects.filter(election=election, resident=me).first()
    if entry is not None:  # the demo resident is taken off, to be missing
        staff.post(f"/participation/elections/entries/{entry.pk}/remove/", {"reason": "户籍待核实"})
    page = _ok(staff.get(detail))
    publish_url = _one(r'action="(/participation/elections/\d+/publish/)"', page)
    assert "选民名单已公示" in _ok(staff.post(publish_url, {}, follow=True))
    election.refresh_from_db()

    resident = client_for(users["resident"])
    mine = _ok(resident.get("/participation/me/elections/"))
    assert election.title in mine and "您已被除名" in mine
    object_url = _one(rf'href="(/participation/me/elections/{election.pk}/object/)"', mine)
    form = _ok(resident.get(object_url))
    subject = _one(r'<option value="(\d+)"[^>]*>' + re.escape(me.name), form)
    done = resident.post(
        object_url,
        {"kind": "missing", "subject": subject, "body": "我一直住在本社区，名单上漏了我"},
    )
    assert done.status_code == 302
    objection = RollObjection.objects.get(election=election)

    page = _ok(staff.get(detail))
    decide_url = _one(r'action="(/participation/elections/objections/\d+/decide/)"', page)
    handled = staff.post(
        decide_url,
        {"decision": "approve", "note": "经核实属实，予以补登", "version": objection.version},
        follow=True,
    )
    assert "异议成立" in _ok(handled)
    assert RollEntry.objects.get(election=election, resident=me, removed_at__isnull=True).basis == (
        RollBasis.OBJECTION
    )

    with calendar.frozen_time(election.objection_deadline + timedelta(days=1)):
        late = resident.post(
            object_url, {"kind": "missing", "subject": subject, "body": "再提一条"}
        )
        assert "异议期已于" in _ok(late)
        final = staff.post(
            f"/participation/elections/{election.pk}/finalise/",
            {"version": election.version},
            follow=True,
        )
        assert "选民名单已确定" in _ok(final)
    export = staff.post(
        f"/participation/elections/{election.pk}/export/",
        {"fmt": "xlsx", "reason": "提交选举委员会"},
    )
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert RollObjection.objects.filter(election=election).count() == 1
