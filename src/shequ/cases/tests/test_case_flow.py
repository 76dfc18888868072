"""The case workflow end to end through the actions: intake, acceptance, dispatch, whistle, handling,
verification, closing, rating; deadlines in working days; the sweep."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from shequ.cases.actions import handling, ratings
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.actions.sweep import sweep_deadlines
from shequ.cases.models import Callback, Case, CaseKind, CaseStatus, Channel, DeadlineState
from shequ.cases.numbers import grouped, parse
from shequ.core import calendar
from tests.world import HOME, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _photo() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG")
    out.seek(0)
    out.name = "scene.jpg"
    return out


def _submit(world, **overrides) -> Case:
    values = dict(
        channel=Channel.WINDOW,
        kind=CaseKind.COMPLAINT,
        category="environment",
        description="小区门口垃圾堆积三天无人清运",
        region=world.regions[HOME["community"]],
        requester_name="张三",
        requester_phone="13912345678",
    )
    values.update(overrides)
    return submit_case(Intake(**values), by=world.users["community_staff"])


def test_number_is_readable_and_checked(world):
    case = _submit(world)
    number = case.number
    assert len(number) == 14 and number.isdigit()
    assert parse(grouped(number)) == (case.pk, number[:6])
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert parse(wrong) is None
    assert ratings.case_by_number(grouped(number)) == case


def test_full_flow_with_whistle_and_bad_rating(world):
    desk, township = world.users["community_staff"], world.users["township_staff"]
    unit, grid_worker = world.users["unit_handler"], world.users["grid_worker"]
    resident = world.users["resident"]
    case = submit_case(
        Intake(
            channel=Channel.ONLINE,
            kind=CaseKind.COMPLAINT,
            category="environment",
            description="<script>alert(1)</script>路灯不亮",
            grid=world.grids[HOME["grid"]],
            requester=resident,
            photos=[_photo()],
        )
    )
    assert "<script>" not in case.description
    assert case.photos.count() == 1
    handling.accept(case=case, by=desk)
    assert case.owner == desk and case.due_at is not None
    handling.dispatch(case=case, by=township, lead=world.units["320302"])
    handling.whistle(case=case, by=township, units=[world.units["320302"]], note="请民政局到场")
    handling.report_in(case=case, by=unit, note="已到场")
    handling.sign(case=case, by=unit)
    handling.handle(case=case, by=unit, result="已更换灯泡", photos=[_photo()])
    handling.verify(case=case, by=grid_worker, passed=True)
    handling.close(case=case, by=desk)
    assert case.status == CaseStatus.CLOSED
    with pytest.raises(PermissionDenied):
        ratings.rate(case=case, requester=world.users["community_head"], stars=5)
    ratings.rate(case=case, requester=resident, stars=1, comment="灯又坏了")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.rectification
    assert Callback.objects.filter(case=case, done_at__isnull=True).count() == 1
    kinds = list(case.events.values_list("kind", flat=True))
    assert "whistle" in kinds and "report_in" in kinds and "rating" in kinds


def test_concurrent_acceptance_only_one_wins(world):
    case = _submit(world)
    stale = Case.objects.get(pk=case.pk)
    handling.accept(case=case, by=world.users["community_staff"])
    with pytest.raises(ValidationError):
        handling.accept(case=stale, by=world.users["community_head"])
    case.refresh_from_db()
    assert case.owner == world.users["community_staff"]


def test_outsider_cannot_accept(world):
    case = _submit(world)
    with pytest.raises(PermissionDenied):
        handling.accept(case=case, by=world.outsider)


def test_deadline_after_national_day_and_sweep(world):
    with calendar.frozen_time(datetime(2026, 9, 30, 10, 0)) as clock:
        case = _submit(world)
        handling.accept(case=case, by=world.users["community_staff"])
        due = calendar.localtime(case.due_at)
        # Five working days from 30 September: the National Day holiday does not count, so the
        # case falls due after it.
        assert due.date() > datetime(2026, 10, 8).date()
        clock.move_to(datetime(2026, 10, 9, 9, 0))
        sweep_deadlines()
        case.refresh_from_db()
        assert case.deadline_state == DeadlineState.OVERDUE  # the 1-working-day dispatch stage


def test_photo_that_is_not_an_image_leaves_nothing(world):
    bad = io.BytesIO(b"not an image at all")
    bad.name = "x.jpg"
    with pytest.raises(ValidationError):
        _submit(world, photos=[bad])
    assert Case.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_conflicting_transitions_at_once_only_one_wins() -> None:
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the conditional UPDATE is exercised above")
    world = build_world()
    case = _submit(world)
    results: list[str] = []

    def click(step) -> None:
        try:
            step(Case.objects.get(pk=case.pk))
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=click,
            args=(lambda c: handling.accept(case=c, by=world.users["community_staff"]),),
        ),
        threading.Thread(
            target=click,
            args=(
                lambda c: handling.reject(case=c, by=world.users["community_head"], reason="重复"),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "refused"]
    case.refresh_from_db()
    assert case.version == 2
    assert case.events.filter(kind="transition").count() == 2  # submit + the winner


def test_every_transition_fires_only_from_its_sources(world):
    from shequ.cases.workflow import CASE

    case = _submit(world)
    for transition in CASE.transitions:
        for status in CaseStatus.values:
            Case.objects.filter(pk=case.pk).update(status=status)
            case.refresh_from_db()
            if status in transition.sources:
                continue
            with pytest.raises(ValidationError):
                CASE.fire(case, transition.name, by=None)
            case.refresh_from_db()
            assert case.status == status


def test_staff_cannot_take_in_a_case_for_a_place_outside_their_jurisdiction(world):
    with pytest.raises(PermissionDenied):
        _submit(world, region=world.regions["320303001001"])
    assert Case.objects.count() == 0


def test_old_idempotency_keys_are_forgotten(world):
    from datetime import timedelta

    from shequ.cases.actions.intake import purge_idempotency_records, submit_once

    with calendar.frozen_time(calendar.now() - timedelta(days=8)):
        submit_once(
            Intake(channel=Channel.WINDOW, kind=CaseKind.COMPLAINT, category="environment",
                   description="旧的请求", region=world.regions[HOME["community"]],
                   requester_name="张三", requester_phone="13912345678"),
            key="k-1", owner="user:1", fingerprint="f", by=world.users["community_staff"],
        )  # fmt: skip
    assert purge_idempotency_records() == 1


def test_console_shows_what_waits_on_cases(world):
    from shequ.cases.actions import ratings as rating_actions
    from tests.pages import client_for, html

    case = _submit(world)
    desk = world.users["community_staff"]
    page = html(client_for(desk).get("/"))
    assert "待受理的诉求" in page
    handling.accept(case=case, by=desk)
    handling.start_self(case=case, by=desk)
    handling.handle(case=case, by=desk, result="已清运")
    handling.verify(case=case, by=desk, passed=True)
    handling.close(case=case, by=desk)
    rating_actions.rate(case=case, requester=_Follower(case.pk), stars=2)
    page = html(client_for(desk).get("/"))
    assert "差评待回访" in page and "/cases/callbacks/" in page


class _Follower:
    def __init__(self, case_id):
        self.follow_case_id, self.pk = case_id, None


def test_merging_tells_every_requester(world, django_capture_on_commit_callbacks):
    from shequ.core.models import Delivery, Notification

    resident = world.users["resident"]
    kept = _submit(world)  # a phone-only requester: told by SMS
    duplicate = submit_case(
        Intake(channel=Channel.ONLINE, kind=CaseKind.COMPLAINT, category="environment",
               description="小区门口垃圾没人清运", region=world.regions[HOME["community"]],
               requester=resident)
    )  # fmt: skip
    sms_before = Delivery.objects.filter(topic="cases.progress").count()
    with django_capture_on_commit_callbacks(execute=True):
        handling.merge(case=duplicate, into=kept, by=world.users["township_staff"])
    duplicate.refresh_from_db()
    assert duplicate.status == CaseStatus.MERGED and duplicate.duplicate_of == kept
    assert Notification.objects.filter(recipient=resident, subject__contains="合并").exists()
    # The resident's account gets an SMS too, and the kept case's phone-only requester one.
    assert Delivery.objects.filter(topic="cases.progress").count() == sms_before + 2
    assert kept.events.filter(kind="merge").exists() and duplicate.events.exists()
