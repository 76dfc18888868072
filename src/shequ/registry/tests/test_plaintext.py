"""The database never holds an ID number, a phone number or a detailed address in clear (issue #3).

Residents are registered, edited, tagged, moved, revealed and searched through the actions and through
the API, with known identifiers; then every table of the database is read with raw SQL, and no cell of
any row — registry tables, the audit trail, sessions, notifications, anything — may contain one of them.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from shequ.registry import actions
from shequ.registry.actions import MemberInput, imports, own, rentals, rights
from shequ.registry.models import (
    CareGroup,
    ConsentPurpose,
    ImportJob,
    LifeStatus,
    Relation,
    Resident,
    RightsRequestKind,
)
from shequ.registry.tests import factories as f
from tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Any) -> Any:
    """Uploaded spreadsheets are kept (sealed) under the var dir while their job runs."""
    settings.VAR_DIR = tmp_path
    return tmp_path


HOME_C, HOME_G, HOME_G2 = "320302001001", "320302001001001", "320302001001002"

ID_BY_ACTION = f.id_number_ending_in_x(date(1949, 10, 1))  # typed in lower case below
ID_BY_API = f.id_number(date(1961, 7, 1), sex="female", serial=37)
ID_CHANGED_TO = f.id_number(date(1972, 2, 29), sex="male", serial=59)
PHONE_BY_ACTION = "13912340001"
PHONE_BY_API = "18612340002"
PHONE_CHANGED_TO = "15012340003"
PHONE_OF_MEMBER = "17712340004"
PASSPORT = "EZ7319264"
DETAIL_BY_ACTION = "幸福里7单元1102室"
DETAIL_BY_API = "和平路88号3单元401室"
CARE_NOTE = "右腿截肢，需轮椅"
ID_BY_IMPORT = f.id_number(date(1988, 3, 3), sex="male", serial=71)
ID_BAD_IN_IMPORT = f.id_number(date(1990, 4, 4), sex="female", serial=83)[:-1] + "0"
PHONE_BY_IMPORT = "13612340005"
DETAIL_BY_IMPORT = "建国路6号2单元502室"
ID_OF_TENANT = f.id_number(date(1995, 5, 5), sex="female", serial=91)
PHONE_OF_TENANT = "13712340006"
DETAIL_OF_RENTAL = "复兴路9号1单元601室"


def clear_values() -> list[str]:
    values = [
        PHONE_BY_IMPORT,
        DETAIL_BY_IMPORT,
        PHONE_OF_TENANT,
        DETAIL_OF_RENTAL,
        PHONE_BY_ACTION,
        PHONE_BY_API,
        PHONE_CHANGED_TO,
        PHONE_OF_MEMBER,
        DETAIL_BY_ACTION,
        DETAIL_BY_API,
        CARE_NOTE,
    ]
    for number in (
        ID_BY_ACTION,
        ID_BY_API,
        ID_CHANGED_TO,
        PASSPORT,
        ID_BY_IMPORT,
        ID_BAD_IN_IMPORT,
        ID_OF_TENANT,
    ):
        # Either case, and the body without the check character.
        values += [number.upper(), number.lower(), number[:-1]]
    return values


def cell_text(cell: Any) -> str:
    if isinstance(cell, memoryview):
        cell = cell.tobytes()
    if isinstance(cell, bytes):
        return cell.decode("utf-8", "replace")
    if isinstance(cell, dict | list):
        return json.dumps(cell, ensure_ascii=False)
    return str(cell)


def every_cell() -> dict[str, list[str]]:
    """Each table's cells as text, read with raw SQL."""
    tables: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            tables[table] = [cell_text(cell) for row in cursor.fetchall() for cell in row]
    return tables


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def register_everything() -> None:
    world = build_world()
    staff = world.users["community_staff"]
    community, grid = world.regions[HOME_C], world.grids[HOME_G]

    # Through the actions, as the web pages and the import do.
    household = actions.register_household(
        community=community,
        grid=grid,
        address_detail=DETAIL_BY_ACTION,
        members=[
            f.member("张三", number=ID_BY_ACTION.lower(), phone=f"+86 {PHONE_BY_ACTION}"),
            f.member("张小", Relation.CHILD, phone=PHONE_OF_MEMBER),
            f.member("Anna", Relation.OTHER_RELATIVE, id_type="passport", number=PASSPORT.lower()),
        ],
        by=staff,
    )
    head = household.head
    assert head is not None
    tag = actions.tag_care_group(
        resident=head,
        group=CareGroup.DISABLED,
        start_date=date(2020, 1, 1),
        disability_category="physical",
        disability_grade=2,
        note=CARE_NOTE,
        by=staff,
    )
    actions.end_care_group(tag=tag, end_date=date(2024, 1, 1), by=staff)
    for who, field_name in ((head, "id_number"), (head, "phone"), (household, "address_detail")):
        actions.reveal(obj=who, field_name=field_name, reason="入户核实身份", by=staff)
    # A duplicate attempt, refused, leaves nothing behind either.
    with pytest.raises(ValidationError):
        f.household(community, [f.member("重复", number=ID_BY_ACTION)], grid=grid, by=staff)

    # Through the API, signed in with a session.
    client = Client()
    client.force_login(staff)
    created = post(
        client,
        "/api/v1/registry/households",
        {
            "community_code": HOME_C,
            "grid_code": HOME_G2,
            "address_detail": DETAIL_BY_API,
            "members": [
                {"name": "李四", "relation": "head", "id_number": ID_BY_API, "phone": PHONE_BY_API}
            ],
        },
    )
    assert created.status_code == 201, created.content
    li = Resident.objects.get(name="李四")
    edited = client.patch(
        f"/api/v1/registry/residents/{li.pk}",
        json.dumps({"version": 1, "id_number": ID_CHANGED_TO, "phone": PHONE_CHANGED_TO}),
        content_type="application/json",
    )
    assert edited.status_code == 200, edited.content
    for field_name in ("id_number", "phone", "address_detail"):
        revealed = post(
            client,
            f"/api/v1/registry/residents/{li.pk}/reveal",
            {"field": field_name, "reason": "办理居住证明"},
        )
        assert revealed.status_code == 200
    for q in (ID_CHANGED_TO.lower(), PHONE_CHANGED_TO, "ls"):
        assert client.get("/api/v1/registry/residents", {"q": q}).json()["count"] == 1

    # Moves and departures, which end memberships and tags.
    actions.move_member(
        resident=Resident.objects.get(name="张小"),
        to_household=li.household,
        relation=Relation.GRANDCHILD,
        by=staff,
    )
    actions.record_departure(
        resident=head, status=LifeStatus.MOVED_OUT, on=timezone.localdate(), by=staff
    )

    # A spreadsheet import with a good household and a bad row (its error names no value).
    content = (
        "户编号,与户主关系,姓名,证件号码,手机号,网格编号,单元室号等详细地址\n"
        f"1,户主,王五,{ID_BY_IMPORT},{PHONE_BY_IMPORT},001,{DETAIL_BY_IMPORT}\n"
        f"2,户主,赵六,{ID_BAD_IN_IMPORT},,001,\n"
    ).encode("gb18030")
    job = imports.start_import(
        file=ContentFile(content, name="居民.csv"), by=staff, region=community
    )
    imports.run_check(job_id=job.pk)
    job = imports.begin_import(job=ImportJob.objects.get(pk=job.pk), mode="good_rows", by=staff)
    imports.run_import(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.bad_rows) == ("done", 1, 1), job.errors

    # Rental housing with a tenant registered on the spot, a consent and a rights request.
    rental = actions.register_rental(
        community=community,
        grid=grid,
        landlord=li,
        registered_on=date(2024, 1, 1),
        address_detail=DETAIL_OF_RENTAL,
        by=staff,
    )
    tenancy = rentals.register_tenant(
        rental=rental,
        start_date=date(2024, 2, 1),
        member=MemberInput(name="钱七", id_number=ID_OF_TENANT, phone=PHONE_OF_TENANT),
        by=staff,
    )
    own.set_consent(
        resident=tenancy.tenant, purpose=ConsentPurpose.ACTIVITY_NOTICES, granted=True, by=staff
    )
    request = rights.submit_rights_request(
        resident=tenancy.tenant,
        kind=RightsRequestKind.CORRECTION,
        subject="phone",
        details=f"手机号应为 {PHONE_OF_TENANT}",
        by=staff,
    )
    rights.accept_rights_request(rights_request=request, by=staff)


def test_no_table_holds_an_id_number_phone_or_address_in_clear() -> None:
    register_everything()

    tables = every_cell()

    # The scan reads what it should: the registry's tables, the audit trail and the sessions, with
    # the names (kept in clear by design) found where they are.
    for table in (
        "registry_resident",
        "registry_household",
        "registry_importjob",
        "registry_rental",
        "registry_rightsrequest",
        "core_auditevent",
        "django_session",
    ):
        assert tables.get(table), f"{table} was not read or is empty"
    assert any("张三" in cell for cell in tables["registry_resident"])
    assert any("registry.reveal" in cell for cell in tables["core_auditevent"])
    leaks = [
        f"{table}: {value!r} in {cell[:80]!r}"
        for table, cells in tables.items()
        for cell in cells
        for value in clear_values()
        if value in cell
    ]
    assert not leaks, "\n".join(leaks)


def test_the_check_would_see_a_value_stored_in_clear() -> None:
    """The scan itself works on this database: a value written in clear is found."""
    register_everything()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_resident SET name = %s WHERE name = %s", [PHONE_BY_ACTION, "张小"]
        )

    tables = every_cell()

    assert any(PHONE_BY_ACTION in cell for cell in tables["registry_resident"])
