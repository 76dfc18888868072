"""The elections API for staff, over HTTP: create an election, build the roll, add and remove
entries, decide applications and objections, publish, finalise and export — each through the scoped
query (another county's object is a 404), each refused with a clear 403 or 422 naming the field; and
the lists of applications, objections and removed entries, paged with a bounded number of queries."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest

from shequ.accounts.models import User
from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.participation.actions import elections as actions
from shequ.participation.models.elections import (
    Election,
    ElectionStatus,
    RequestStatus,
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
from shequ.registry.models import Resident
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def staff(world: World) -> Any:
    return world.users["community_staff"]


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def home_election(world: World, **values: Any) -> Election:
    return make_election(world.regions[HOME["community"]], by=staff(world), **values)


def away_election(world: World) -> Election:
    return make_election(world.regions[AWAY], by=User.objects.get(username="elsewhere"))


def pending_registration(election: Election, name: str = "郑外来") -> VoterRegistration:
    migrant = adult(election.community, name, residence_status="migrant")
    return actions.apply(
        election=election, by=resident_user(migrant), reason="在本社区居住多年", years_resident=4
    )


def objection_to(election: Election, voter: Resident) -> RollObjection:
    """An objection that ``voter`` (on the published roll) is wrongly included."""
    return actions.file_objection(
        election=election,
        by=resident_user(voter),
        kind="wrongly_included",
        subject=voter,
        body="此人已长期不在本社区居住",
    )


def pending_objection(election: Election, name: str = "王在册") -> RollObjection:
    """A new adult put on the roll, the roll published, and an objection that they should not be
    on it."""
    voter = adult(election.community, name)
    published(election)
    return objection_to(election, voter)


def finished(election: Election) -> Election:
    """Published and finalised (the clock moved past the objection deadline)."""
    published(election)
    election.refresh_from_db()
    assert election.objection_deadline is not None
    with calendar.frozen_time(election.objection_deadline + timedelta(days=1)):
        actions.finalise(election=election, by=None)
    election.refresh_from_db()
    return election


# --- Create -----------------------------------------------------------------------------------------


def election_body(**changes: Any) -> dict[str, Any]:
    today = calendar.localdate()
    body: dict[str, Any] = {
        "community_code": HOME["community"],
        "title": "第十二届居委会换届选举",
        "election_day": (today + timedelta(days=60)).isoformat(),
        "registration_closes": (today + timedelta(days=30)).isoformat(),
    }
    body.update(changes)
    return body


def test_staff_create_an_election(world: World) -> None:
    made = post(client_for(staff(world)), f"{API}/elections", election_body(min_age=18))
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["community_code"] == HOME["community"] and data["status"] == "preparing"
    election = Election.objects.get(pk=data["id"])
    assert election.created_by == staff(world) and election.title == "第十二届居委会换届选举"
    assert AuditEvent.objects.filter(
        action="participation.election_create", object_id=str(election.pk)
    ).exists()


def test_create_without_the_permission_is_403(world: World) -> None:
    made = post(client_for(world.users["grid_worker"]), f"{API}/elections", election_body())
    assert made.status_code == 403
    assert not Election.objects.exists()


def test_create_in_another_county_is_404_on_community_code(world: World) -> None:
    made = post(client_for(staff(world)), f"{API}/elections", election_body(community_code=AWAY))
    assert made.status_code == 404 and fields(made) == ["community_code"]
    assert not Election.objects.exists()


def test_create_with_bad_dates_is_422_naming_the_field(world: World) -> None:
    today = calendar.localdate()
    made = post(
        client_for(staff(world)),
        f"{API}/elections",
        election_body(registration_closes=(today + timedelta(days=90)).isoformat(), min_age=40),
    )
    assert made.status_code == 422
    assert set(fields(made)) == {"registration_closes", "min_age"}
    assert not Election.objects.exists()


# --- Build, add, remove ----------------------------------------------------------------------------


def test_build_puts_adults_on_the_roll_and_opens_registration(world: World) -> None:
    election = home_election(world)
    adult(election.community, "吴选民")
    adult(election.community, "小孩", born=date(calendar.localdate().year - 5, 1, 1))
    built = post(client_for(staff(world)), f"{API}/elections/{election.pk}/build")
    assert built.status_code == 200, built.content
    data = built.json()
    assert data["added"] == 1 and data["removed"] == 0
    assert data["election"]["status"] == "registration"
    assert list(
        RollEntry.objects.filter(election=election).values_list("resident__name", flat=True)
    )
    assert not RollEntry.objects.filter(election=election, resident__name="小孩").exists()


def test_build_is_refused_outside_the_county_and_without_the_permission(world: World) -> None:
    away = away_election(world)
    adult(away.community, "外地人")
    assert post(client_for(staff(world)), f"{API}/elections/{away.pk}/build").status_code == 404
    mine = home_election(world)
    adult(mine.community, "吴选民")
    grid = client_for(world.users["grid_worker"])
    assert post(grid, f"{API}/elections/{mine.pk}/build").status_code == 403
    assert not RollEntry.objects.exists()


def test_build_after_the_roll_is_final_is_422(world: World) -> None:
    election = home_election(world)
    adult(election.community, "吴选民")
    finished(election)
    built = post(client_for(staff(world)), f"{API}/elections/{election.pk}/build")
    assert built.status_code == 422 and "已确定" in built.json()["message"]


def test_staff_add_someone_by_hand_with_the_reason(world: World) -> None:
    election = home_election(world)
    person = adult(election.community, "补登甲", residence_status="migrant")
    added = post(
        client_for(staff(world)),
        f"{API}/elections/{election.pk}/roll",
        {"resident_id": person.pk, "reason": "户籍迁入后漏登"},
    )
    assert added.status_code == 201, added.content
    assert added.json()["name"] == "补登甲" and added.json()["basis"] == "manual"
    assert RollEntry.objects.get(election=election, resident=person).basis == RollBasis.MANUAL


def test_add_without_a_reason_or_of_a_minor_is_422(world: World) -> None:
    election = home_election(world)
    client = client_for(staff(world))
    url = f"{API}/elections/{election.pk}/roll"
    person = adult(election.community, "补登乙")
    blank = post(client, url, {"resident_id": person.pk, "reason": "  "})
    assert blank.status_code == 422 and fields(blank) == ["reason"]
    child = adult(election.community, "补登丙", born=date(calendar.localdate().year - 10, 1, 1))
    minor = post(client, url, {"resident_id": child.pk, "reason": "家长要求"})
    assert minor.status_code == 422 and "未满" in minor.json()["message"]
    assert not RollEntry.objects.filter(election=election).exists()


def test_add_someone_of_another_county_is_404_on_resident_id(world: World) -> None:
    election = home_election(world)
    stranger = adult(world.regions[AWAY], "外地人")
    added = post(
        client_for(staff(world)),
        f"{API}/elections/{election.pk}/roll",
        {"resident_id": stranger.pk, "reason": "漏登"},
    )
    assert added.status_code == 404 and fields(added) == ["resident_id"]
    away = away_election(world)
    local = adult(election.community, "本地人")
    other = post(
        client_for(staff(world)),
        f"{API}/elections/{away.pk}/roll",
        {"resident_id": local.pk, "reason": "漏登"},
    )
    assert other.status_code == 404 and fields(other) == ["election_id"]
    assert not RollEntry.objects.exists()


def test_staff_remove_an_entry_with_the_reason_once(world: World) -> None:
    election = home_election(world)
    adult(election.community, "吴选民")
    actions.build_roll(election=election, by=staff(world))
    entry = RollEntry.objects.get(election=election)
    client = client_for(staff(world))
    url = f"{API}/elections/entries/{entry.pk}/remove"
    blank = post(client, url, {"reason": ""})
    assert blank.status_code == 422 and fields(blank) == ["reason"]
    removed = post(client, url, {"reason": "已迁往外地"})
    assert removed.status_code == 200, removed.content
    assert removed.json()["removed_reason"] == "已迁往外地" and removed.json()["removed_at"]
    twice = post(client, url, {"reason": "再除一次"})
    assert twice.status_code == 422 and "已被除名" in twice.json()["message"]
    entry.refresh_from_db()
    assert entry.removed_reason == "已迁往外地"


def test_remove_is_refused_outside_the_county_and_without_the_permission(world: World) -> None:
    away = away_election(world)
    adult(away.community, "外地人")
    actions.build_roll(election=away, by=None)
    entry = RollEntry.objects.get(election=away)
    url = f"{API}/elections/entries/{entry.pk}/remove"
    outside = post(client_for(staff(world)), url, {"reason": "已迁往外地"})
    assert outside.status_code == 404 and fields(outside) == ["roll_entry_id"]
    assert post(client_for(world.users["grid_worker"]), url, {"reason": "x"}).status_code == 403
    entry.refresh_from_db()
    assert entry.removed_at is None


# --- Applications ----------------------------------------------------------------------------------


def test_staff_approve_an_application_and_the_applicant_is_on_the_roll(world: World) -> None:
    election = home_election(world)
    made = pending_registration(election)
    decided = post(
        client_for(staff(world)),
        f"{API}/elections/registrations/{made.pk}/decision",
        {"decision": "approve", "note": "已核实居住证明", "version": made.version},
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved" and decided.json()["decision_note"]
    entry = RollEntry.objects.get(election=election, resident=made.resident)
    assert entry.basis == RollBasis.APPLICATION and entry.removed_at is None


def test_a_rejection_needs_a_note_and_a_decision_is_made_once(world: World) -> None:
    election = home_election(world)
    made = pending_registration(election)
    client = client_for(staff(world))
    url = f"{API}/elections/registrations/{made.pk}/decision"
    bare = post(client, url, {"decision": "reject"})
    assert bare.status_code == 422 and fields(bare) == ["note"]
    unknown = post(client, url, {"decision": "maybe", "note": "x"})
    assert unknown.status_code == 422 and fields(unknown) == ["decision"]
    done = post(client, url, {"decision": "reject", "note": "居住年限不足"})
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    again = post(client, url, {"decision": "approve"})
    assert again.status_code == 422
    made.refresh_from_db()
    assert made.status == RequestStatus.REJECTED
    assert not RollEntry.objects.filter(election=election).exists()


def test_a_stale_version_is_refused(world: World) -> None:
    election = home_election(world)
    made = pending_registration(election)
    stale = post(
        client_for(staff(world)),
        f"{API}/elections/registrations/{made.pk}/decision",
        {"decision": "approve", "version": made.version + 1},
    )
    assert stale.status_code == 422 and "已被他人处理" in stale.json()["message"]
    made.refresh_from_db()
    assert made.status == RequestStatus.PENDING


def test_deciding_another_countys_application_is_404(world: World) -> None:
    away = away_election(world)
    made = pending_registration(away)
    url = f"{API}/elections/registrations/{made.pk}/decision"
    outside = post(client_for(staff(world)), url, {"decision": "approve"})
    assert outside.status_code == 404 and fields(outside) == ["registration_id"]
    grid = post(client_for(world.users["grid_worker"]), url, {"decision": "approve"})
    assert grid.status_code == 403
    made.refresh_from_db()
    assert made.status == RequestStatus.PENDING


# --- Publish, objections, finalise -----------------------------------------------------------------


def test_staff_publish_the_roll_with_a_deadline(world: World) -> None:
    election = home_election(world)
    adult(election.community, "吴选民")
    actions.build_roll(election=election, by=staff(world))
    election.refresh_from_db()
    deadline = calendar.localdate() + timedelta(days=10)
    done = post(
        client_for(staff(world)),
        f"{API}/elections/{election.pk}/publish",
        {"objection_deadline": deadline.isoformat(), "version": election.version},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "published"
    assert done.json()["objection_deadline"] == deadline.isoformat()


def test_publish_refusals(world: World) -> None:
    election = home_election(world)
    client = client_for(staff(world))
    url = f"{API}/elections/{election.pk}/publish"
    empty = post(client, url)
    assert empty.status_code == 422 and "还是空的" in empty.json()["message"]
    adult(election.community, "吴选民")
    actions.build_roll(election=election, by=staff(world))
    after = calendar.localdate() + timedelta(days=90)
    late = post(client, url, {"objection_deadline": after.isoformat()})
    assert late.status_code == 422 and fields(late) == ["objection_deadline"]
    away = away_election(world)
    assert post(client, f"{API}/elections/{away.pk}/publish").status_code == 404
    election.refresh_from_db()
    assert election.status == ElectionStatus.REGISTRATION


def test_an_objection_upheld_takes_the_person_off_the_roll(world: World) -> None:
    election = home_election(world)
    objection = pending_objection(election)
    client = client_for(staff(world))
    url = f"{API}/elections/objections/{objection.pk}/decision"
    blank = post(client, url, {"decision": "approve", "response": ""})
    assert blank.status_code == 422 and fields(blank) == ["response"]
    done = post(
        client,
        url,
        {"decision": "approve", "response": "经核实已迁出", "version": objection.version},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "approved" and done.json()["subject_name"] == "王在册"
    entry = RollEntry.objects.get(election=election, resident=objection.subject)
    assert entry.removed_at is not None and entry.removed_reason == "经核实已迁出"


def test_deciding_another_countys_objection_is_404(world: World) -> None:
    objection = pending_objection(away_election(world))
    url = f"{API}/elections/objections/{objection.pk}/decision"
    body = {"decision": "reject", "response": "不成立"}
    outside = post(client_for(staff(world)), url, body)
    assert outside.status_code == 404 and fields(outside) == ["roll_objection_id"]
    assert post(client_for(world.users["grid_worker"]), url, body).status_code == 403
    objection.refresh_from_db()
    assert objection.status == RequestStatus.PENDING


def test_finalise_waits_for_the_deadline_and_pending_objections(world: World) -> None:
    election = home_election(world)
    objection = pending_objection(election)
    election.refresh_from_db()
    client = client_for(staff(world))
    url = f"{API}/elections/{election.pk}/finalise"
    early = post(client, url, {"version": election.version})
    assert early.status_code == 422 and "期满后" in early.json()["message"]
    assert election.objection_deadline is not None
    with calendar.frozen_time(election.objection_deadline + timedelta(days=1)):
        pending = post(client, url)
        assert pending.status_code == 422 and "异议未处理" in pending.json()["message"]
        actions.decide_objection(
            objection=objection, by=staff(world), approve=False, response="不成立"
        )
        done = post(client, url, {"version": election.version})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "final" and done.json()["finalised_at"]


def test_finalise_is_refused_outside_the_county_and_without_the_permission(world: World) -> None:
    away = away_election(world)
    adult(away.community, "外地人")
    published(away)
    away.refresh_from_db()
    assert away.objection_deadline is not None
    url = f"{API}/elections/{away.pk}/finalise"
    with calendar.frozen_time(away.objection_deadline + timedelta(days=1)):
        assert post(client_for(staff(world)), url).status_code == 404
        mine = home_election(world)
        grid = client_for(world.users["grid_worker"])
        assert post(grid, f"{API}/elections/{mine.pk}/finalise").status_code == 403
    away.refresh_from_db()
    assert away.status == ElectionStatus.PUBLISHED


# --- Export ----------------------------------------------------------------------------------------


def test_export_gives_the_pages_file_and_audits_the_reason(world: World) -> None:
    election = home_election(world)
    voter = adult(election.community, "吴选民")
    finished(election)
    client = client_for(staff(world))
    url = f"{API}/elections/{election.pk}/export"
    xlsx = post(client, url, {"fmt": "xlsx", "reason": "提交选举委员会"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert xlsx["Content-Disposition"].startswith('attachment; filename="roll-')
    assert xlsx["Cache-Control"] == "no-store"
    as_csv = post(client, url, {"fmt": "csv", "reason": "提交选举委员会"})
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[1][1] == "吴选民" and rows[1][-1].endswith(voter.id_number[-4:])
    assert voter.id_number not in as_csv.content.decode("utf-8-sig")
    events = AuditEvent.objects.filter(
        action="participation.roll_export", object_id=str(election.pk)
    )
    assert [e.reason for e in events] == ["提交选举委员会", "提交选举委员会"]


def test_export_refusals(world: World) -> None:
    election = home_election(world)
    adult(election.community, "吴选民")
    client = client_for(staff(world))
    url = f"{API}/elections/{election.pk}/export"
    early = post(client, url, {"fmt": "xlsx", "reason": "提交选举委员会"})
    assert early.status_code == 422 and "确定后" in early.json()["message"]
    finished(election)
    short = post(client, url, {"fmt": "xlsx", "reason": "要"})
    assert short.status_code == 422 and fields(short) == ["reason"]
    odd = post(client, url, {"fmt": "pdf", "reason": "提交选举委员会"})
    assert odd.status_code == 422 and fields(odd) == ["fmt"]
    body = {"fmt": "xlsx", "reason": "提交选举委员会"}
    grid = post(client_for(world.users["grid_worker"]), url, body)
    assert grid.status_code == 403
    assert post(client_for(world.outsider), url, body).status_code == 404
    assert not AuditEvent.objects.filter(action="participation.roll_export").exists()


# --- Lists -----------------------------------------------------------------------------------------


def test_staff_list_applications_objections_and_removed_entries(world: World) -> None:
    election = home_election(world)
    made = pending_registration(election)
    objection = pending_objection(election)
    entry = RollEntry.objects.get(election=election, resident=objection.subject)
    actions.remove_entry(entry=entry, by=staff(world), reason="已迁往外地")
    client = client_for(staff(world))
    requests = client.get(f"{API}/elections/{election.pk}/registrations").json()
    assert [r["id"] for r in requests["results"]] == [made.pk]
    assert requests["results"][0]["name"] == "郑外来"
    assert made.resident.id_number not in json.dumps(requests, ensure_ascii=False)
    objections = client.get(f"{API}/elections/{election.pk}/objections").json()
    assert [o["id"] for o in objections["results"]] == [objection.pk]
    assert objections["results"][0]["kind"] == "wrongly_included"
    removed = client.get(f"{API}/elections/{election.pk}/roll/removed").json()
    assert [(r["name"], r["removed_reason"]) for r in removed["results"]] == [
        ("王在册", "已迁往外地")
    ]


def test_lists_are_scoped(world: World) -> None:
    away = away_election(world)
    pending_registration(away)
    client = client_for(staff(world))
    for tail in ("registrations", "objections", "roll/removed"):
        found = client.get(f"{API}/elections/{away.pk}/{tail}")
        assert found.status_code == 404 and fields(found) == ["election_id"], tail
    resident = client_for(world.users["resident"])
    assert resident.get(f"{API}/elections/{away.pk}/registrations").status_code == 403


def test_lists_take_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    election = home_election(world)
    for n in range(6):
        pending_registration(election, f"申请人{n}")
    voters = [adult(election.community, f"选民{n}") for n in range(18)]
    published(election)
    for voter in voters[:6]:
        objection_to(election, voter)
    for entry in RollEntry.objects.filter(election=election, resident__in=voters[6:12]):
        actions.remove_entry(entry=entry, by=staff(world), reason="核实后除名")
    client = client_for(staff(world))
    client.get(f"{API}/elections/{election.pk}/registrations")  # warm the session and caches
    for tail in ("registrations", "objections", "roll/removed", "roll"):
        with django_assert_max_num_queries(8):
            found = client.get(f"{API}/elections/{election.pk}/{tail}")
        assert found.status_code == 200 and found.json()["count"] >= 6, tail
