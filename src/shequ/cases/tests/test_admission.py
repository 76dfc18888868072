"""The catalogue's actions and admission workflow (准入制度), every transition allowed and refused.

The world's roles sit at 320302…: community staff at 320302001001, township staff at 320302001, the
county official at 320302. 320303 is the other county; ``world.outsider`` is community staff there.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from shequ.cases import actions, queries
from shequ.cases.models import AbolishedCertificate, ItemStatus, ServiceItem
from shequ.cases.tests.factories import item_values, make_item
from shequ.cases.workflow import ADMISSION
from shequ.core.models import AuditEvent
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME = "320302001001"
OTHER = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def _draft(world: World, code: str = "ELD-1", region: str = HOME) -> ServiceItem:
    return actions.create_item(
        code=code, region=world.regions[region], by=world.users["community_staff"], **item_values()
    )


def test_community_staff_draft_an_item_at_their_community_audited(world: World) -> None:
    item = _draft(world)
    assert item.status == ItemStatus.DRAFT
    assert item.required_materials[0] == {
        "name": "居民身份证",
        "note": "本人",
        "copies": 1,
        "original_required": True,
    }
    assert AuditEvent.objects.filter(action="cases.item.create").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "高龄 津贴"}, "code", "事项编码只能由字母、数字和短横线组成"),
        ({"code": "-X"}, "code", "事项编码只能由字母、数字和短横线组成"),
        ({"time_limit_value": -3}, "time_limit_value", "办理时限应为正整数"),
        ({"time_limit_value": 0}, "time_limit_value", "办理时限应为正整数"),
        ({"channels": ["window", "fax"]}, "channels", "受理渠道"),
        ({"channels": []}, "channels", "受理渠道"),
        ({"category": "astrology"}, "category", "请选择事项类别"),
        ({"name": "  "}, "name", "请填写事项名称"),
        (
            {"required_materials": [{"name": " ", "copies": 1}]},
            "required_materials",
            "没有填写名称",
        ),
        ({"required_materials": [{"name": "户口簿", "copies": 0}]}, "required_materials", "份数"),
        (
            {"attributes": [{"code": "a", "datatype": "string", "description": "甲"}] * 2},
            "attributes",
            "重复",
        ),
        (
            {
                "attributes": [
                    {"code": "kind", "datatype": "singlevaluelist", "description": "类型"}
                ]
            },
            "attributes",
            "请填写可选项",
        ),
        (
            {"attributes": [{"code": "x", "datatype": "blob", "description": "甲"}]},
            "attributes",
            "类型不正确",
        ),
        (
            {"attributes": [{"code": "a b", "datatype": "string", "description": "甲"}]},
            "attributes",
            "字段的代码",
        ),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_written(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    code = overrides.pop("code", "OK-1")
    with pytest.raises(ValidationError) as caught:
        actions.create_item(
            code=code,
            region=world.regions[HOME],
            by=world.users["community_staff"],
            **item_values(**overrides),
        )
    assert message in " ".join(caught.value.message_dict[field])
    assert not ServiceItem.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="cases.").exists()


def test_a_duplicate_code_is_refused_whatever_its_case(world: World) -> None:
    _draft(world, "ELD-1")
    with pytest.raises(ValidationError) as caught:
        _draft(world, "eld-1")
    assert "已被使用" in caught.value.message_dict["code"][0]
    assert ServiceItem.objects.count() == 1


def test_staff_cannot_draft_outside_their_place(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _draft(world, region=OTHER)
    with pytest.raises(PermissionDenied):
        actions.create_item(
            code="X-1",
            region=world.regions["320302001201"],  # a sibling community
            by=world.users["community_staff"],
            **item_values(),
        )
    assert not ServiceItem.objects.exists()


def test_a_grid_worker_may_read_but_not_draft(world: World) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_item(
            code="X-1", region=world.regions[HOME], by=world.users["grid_worker"], **item_values()
        )


def test_full_admission_path_community_item(world: World) -> None:
    staff, county = world.users["community_staff"], world.users["county_official"]
    item = _draft(world)
    actions.submit_item(item=item, by=staff)
    assert item.status == ItemStatus.PENDING_ADMISSION
    assert list(queries.admission_queue(county)) == [item]
    actions.refuse_item(item=item, by=county, reason="依据不足")
    assert item.status == ItemStatus.REFUSED and item.admission_note == "依据不足"
    actions.update_item(item=item, by=staff, legal_basis="《徐州市养老服务条例》")
    actions.submit_item(item=item, by=staff)
    actions.admit_item(item=item, by=county)
    item.refresh_from_db()
    assert item.status == ItemStatus.ADMITTED
    assert item.admitted_by == county and item.admitted_at is not None
    assert list(queries.admitted_items_for(world.regions[HOME])) == [item]
    actions.withdraw_item(item=item, by=staff, reason="政策调整")
    assert item.status == ItemStatus.WITHDRAWN
    assert not queries.admitted_items_for(world.regions[HOME]).exists()
    names = list(
        AuditEvent.objects.filter(action__startswith="cases.item")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert names == [
        "cases.item.create",
        "cases.item.submit",
        "cases.item.refuse",
        "cases.item.update",
        "cases.item.submit",
        "cases.item.admit",
        "cases.item.withdraw",
    ]


FIRE = {
    "submit": lambda item, by: actions.submit_item(item=item, by=by),
    "publish": lambda item, by: actions.publish_item(item=item, by=by),
    "admit": lambda item, by: actions.admit_item(item=item, by=by),
    "refuse": lambda item, by: actions.refuse_item(item=item, by=by, reason="不符合要求"),
    "withdraw": lambda item, by: actions.withdraw_item(item=item, by=by, reason="停办"),
}
ACTOR = {
    "submit": "community_staff",
    "publish": "county_official",
    "admit": "county_official",
    "refuse": "county_official",
    "withdraw": "community_staff",
}


@pytest.mark.parametrize("name", [t.name for t in ADMISSION.transitions])
@pytest.mark.parametrize("state", ItemStatus.values)
def test_every_transition_from_every_state(world: World, name: str, state: str) -> None:
    """Allowed exactly from the declared sources; refused elsewhere with nothing changed."""
    transition = ADMISSION.get(name)
    # County items never pass through the admission states; a community item can never be published.
    county_states = (ItemStatus.DRAFT, ItemStatus.ADMITTED, ItemStatus.WITHDRAWN)
    level = "320302" if name == "publish" and state in county_states else HOME
    item = make_item(region=world.regions[level], code="W-1", status=state)
    by = world.users[ACTOR[name]]
    if state in transition.sources:
        FIRE[name](item, by)
        item.refresh_from_db()
        assert item.status == transition.target
    else:
        with pytest.raises(ValidationError):
            FIRE[name](item, by)
        item.refresh_from_db()
        assert item.status == state


def test_county_items_are_published_without_admission_and_community_items_are_not(
    world: World,
) -> None:
    county = world.users["county_official"]
    county_item = make_item(region=world.regions["320302"], code="C-1")
    with pytest.raises(ValidationError, match="无需准入"):
        actions.submit_item(item=county_item, by=county)
    actions.publish_item(item=county_item, by=county)
    assert county_item.status == ItemStatus.ADMITTED
    community_item = _draft(world)
    with pytest.raises(ValidationError, match="准入审核后"):
        actions.publish_item(item=community_item, by=world.users["community_staff"])


def test_only_a_covering_county_may_admit(world: World) -> None:
    item = make_item(region=world.regions[OTHER], code="O-1", status="pending_admission")
    for role in ("county_official", "township_staff", "community_staff"):
        with pytest.raises(PermissionDenied):
            actions.admit_item(item=item, by=world.users[role])
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_ADMISSION
    home = make_item(region=world.regions[HOME], code="H-1", status="pending_admission")
    with pytest.raises(PermissionDenied):
        actions.admit_item(item=home, by=world.users["township_staff"])
    assert not queries.admission_queue(world.users["county_official"]).filter(pk=item.pk).exists()


def test_refusal_needs_a_reason(world: World) -> None:
    item = make_item(region=world.regions[HOME], code="H-1", status="pending_admission")
    with pytest.raises(ValidationError, match="请填写不予准入的理由"):
        actions.refuse_item(item=item, by=world.users["county_official"], reason="  ")
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_ADMISSION


def test_a_second_click_on_a_stale_copy_changes_nothing(world: World) -> None:
    item = make_item(region=world.regions[HOME], code="H-1", status="pending_admission")
    first, second = ServiceItem.objects.get(pk=item.pk), ServiceItem.objects.get(pk=item.pk)
    county = world.users["county_official"]
    actions.admit_item(item=first, by=county)
    with pytest.raises(ValidationError, match="已被他人处理"):
        actions.refuse_item(item=second, by=county, reason="晚了一步")
    item.refresh_from_db()
    assert item.status == ItemStatus.ADMITTED
    assert AuditEvent.objects.filter(action="cases.item.refuse").count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_click_admits_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the conditional UPDATE is exercised above")
    world = build_world()
    item = make_item(region=world.regions[HOME], code="H-1", status="pending_admission")
    county = world.users["county_official"]
    results: list[str] = []

    def click() -> None:
        try:
            actions.admit_item(item=ServiceItem.objects.get(pk=item.pk), by=county)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "refused"]
    assert AuditEvent.objects.filter(action="cases.item.admit").count() == 1


def test_an_admitted_item_cannot_be_edited(world: World) -> None:
    item = make_item(region=world.regions[HOME], code="H-1", status="admitted")
    with pytest.raises(ValidationError, match="只有草稿"):
        actions.update_item(item=item, by=world.users["community_staff"], name="改名")


def test_an_edit_from_an_old_version_is_refused(world: World) -> None:
    item = _draft(world)
    staff = world.users["community_staff"]
    actions.update_item(item=item, by=staff, version=1, fee="免费")
    with pytest.raises(ValidationError, match="已被他人修改"):
        actions.update_item(item=item, by=staff, version=1, name="旧版本")


def test_abolished_certificate_found_by_name_or_keyword_at_and_above_the_place(
    world: World,
) -> None:
    county = world.regions["320302"]
    official = world.users["county_official"]
    kin = actions.add_abolished_certificate(
        region=county,
        name="亲属关系证明",
        reason="凭户口簿、结婚证、出生医学证明等证明亲属关系，社区不再开具。",
        keywords="亲属 父子关系 母子关系",
        by=official,
    )
    actions.add_abolished_certificate(
        region=world.regions["320303"], name="无犯罪记录证明", reason="请到公安机关开具。", by=None
    )
    home = world.regions[HOME]
    assert queries.abolished_certificate_for("我想开个父子关系的证明", home) == kin
    assert queries.abolished_certificate_for("开亲属关系证明", home) == kin
    assert (
        queries.abolished_certificate_for("无犯罪记录证明", home) is None
    )  # another county's list
    assert queries.abolished_certificate_for("办理高龄津贴", home) is None
    with pytest.raises(ValidationError, match="同名"):
        actions.add_abolished_certificate(
            region=county, name="亲属关系证明", reason="x", by=official
        )
    with pytest.raises(PermissionDenied):
        actions.add_abolished_certificate(
            region=county, name="居住证明", reason="x", by=world.users["community_staff"]
        )
    with pytest.raises(ValidationError, match="请说明取消的理由"):
        actions.add_abolished_certificate(region=home, name="居住证明", reason=" ", by=None)
    assert AbolishedCertificate.objects.count() == 2


def test_removing_an_abolished_certificate_needs_a_reason_and_the_place_and_is_audited(
    world: World,
) -> None:
    county = world.regions["320302"]
    official = world.users["county_official"]
    certificate = actions.add_abolished_certificate(
        region=county, name="居住证明", reason="凭居住证办理。", by=official
    )

    with pytest.raises(ValidationError, match="请填写删除的理由"):
        actions.remove_abolished_certificate(certificate=certificate, by=official, reason=" ")
    with pytest.raises(PermissionDenied):
        actions.remove_abolished_certificate(
            certificate=certificate, by=world.users["community_staff"], reason="恢复开具"
        )
    assert AbolishedCertificate.objects.filter(pk=certificate.pk).exists()

    actions.remove_abolished_certificate(certificate=certificate, by=official, reason="恢复开具")

    assert not AbolishedCertificate.objects.exists()
    event = AuditEvent.objects.get(action="cases.certificate.remove")
    assert (event.reason, event.object_repr) == ("恢复开具", "居住证明")
