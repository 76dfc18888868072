"""Importing service providers from spreadsheets, through the pages.

County officials (320302) and township staff (320302001) may import; community staff may not.
Background tasks run inline at commit (``django_capture_on_commit_callbacks``). Errors name the row and
the column, never the value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.models import AuditEvent, ImportStatus
from shequ.organizations.models import Provider, ProviderImport
from shequ.organizations.tests.factories_providers import make_provider, uscc
from tests.imports import ImportFlow, errors_of
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

COUNTY = "320302"
TOWNSHIP = "320302001"
HEADERS = {
    "region": "登记地区代码",
    "kind": "服务类型",
    "name": "名称",
    "uscc": "统一社会信用代码",
    "legal_representative": "法定代表人",
    "contact_phone": "联系电话",
    "address": "经营地址",
    "services": "服务内容",
    "is_state_owned": "国有企业",
}


class ProviderFlow(ImportFlow):
    """The provider pages' URL names carry the prefix ``provider_`` (``organizations:provider_imports``)."""

    def url(self, name: str, job: Any = None) -> str:
        return super().url(f"provider_{name}", job)


FLOW = ProviderFlow(
    namespace="organizations", id_kwarg="provider_import_id", model=ProviderImport,
    folder="provider_imports", headers=HEADERS, file_name="服务主体.csv", region=COUNTY,
)  # fmt: skip
url = FLOW.url


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def client(world: World) -> Client:
    return client_for(world.users["county_official"])


def row(n: int, **cells: str) -> dict[str, str]:
    values = {
        "region": COUNTY,
        "kind": "养老服务",
        "name": f"颐康养老服务中心{n}",
        "uscc": uscc(COUNTY, 900 + n),
        "legal_representative": "周明",
        "contact_phone": f"1385550{n:04d}",
        "address": f"和平路{n}号",
        "services": "居家养老上门服务",
        "is_state_owned": "否",
    }
    values.update(cells)
    return values


def test_a_file_registers_providers_and_again_changes_nothing(
    client: Client, world: World, var_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        row(1),
        row(
            2, region=TOWNSHIP, kind="物业服务", is_state_owned="是", contact_phone="0516-83801234"
        ),
        row(3, kind="托育", region=""),
    ]
    content = FLOW.csv_bytes(rows)

    job = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)
    assert (job.status, job.bad_rows, job.created_count) == (ImportStatus.CHECKED, 0, 3), errors_of(
        job
    )
    assert not Provider.objects.exists()
    job = FLOW.start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.DONE and job.created_count == 3
    second = Provider.objects.get(name="颐康养老服务中心2")
    assert (second.region.code, second.kind, second.is_state_owned) == (TOWNSHIP, "property", True)
    assert second.contact_phone == "0516-83801234"
    third = Provider.objects.get(name="颐康养老服务中心3")
    assert (third.region.code, third.kind, third.is_state_owned) == (COUNTY, "childcare", False)
    assert AuditEvent.objects.filter(action="organizations.provider.register").count() == 3
    assert FLOW.files_in(var_dir) == []

    again = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    FLOW.start(client, again, "all_or_nothing", django_capture_on_commit_callbacks)
    assert Provider.objects.count() == 3
    assert not AuditEvent.objects.filter(action="organizations.provider.update").exists()


def test_a_file_updates_a_known_provider_by_its_code(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    known = make_provider(region=world.regions[COUNTY], kind="housekeeping", name="旧名家政",
                          uscc=uscc(COUNTY, 950))  # fmt: skip
    rows = [{"uscc": uscc(COUNTY, 950), "name": "新名家政", "region": TOWNSHIP,
             "is_state_owned": "是"}]  # fmt: skip
    content = FLOW.csv_bytes(rows, columns=["region", "name", "uscc", "is_state_owned"])

    job = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)
    assert (job.bad_rows, job.updated_count) == (0, 1), errors_of(job)
    FLOW.start(client, job, "good_rows", django_capture_on_commit_callbacks)

    known.refresh_from_db()
    assert (known.name, known.region.code, known.is_state_owned) == ("新名家政", TOWNSHIP, True)
    # Blank cells kept: the phone, the address and the kind.
    assert (known.kind, known.address, known.contact_phone) == (
        "housekeeping", "解放路 18 号", "13812345678")  # fmt: skip


def test_bad_rows_name_row_and_column_never_the_value(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    elsewhere = uscc("320303", 960)
    make_provider(region=world.regions["320303"], name="【X320303】外区物业", uscc=elsewhere)
    good = uscc(COUNTY, 961)
    bad = good[:17] + ("0" if good[-1] != "0" else "1")
    twice = uscc(COUNTY, 962)
    rows = [
        row(1, uscc=bad),  # 2: bad check character
        row(2, uscc=elsewhere),  # 3: registered in another county
        row(3, region="999999"),  # 4: no such place
        row(4, region="320303"),  # 5: outside the import's place
        row(5, kind="餐饮服务"),  # 6: no such kind
        row(6, contact_phone="12345"),  # 7: not a phone
        row(7, uscc=twice),  # 8: the same code twice in the file
        row(8, uscc=twice),  # 9
        row(9, uscc=""),  # 10: the code is required
        row(10, region="320302001001"),  # 11: a community is not a provider's place
        row(11),  # 12: good
        row(12, is_state_owned="大概"),  # 13
    ]
    job = FLOW.checked(client, world, FLOW.csv_bytes(rows), django_capture_on_commit_callbacks)

    found = {(r, c) for r, c, _m in errors_of(job)}
    assert {
        (2, "统一社会信用代码"), (3, "统一社会信用代码"), (4, "登记地区代码"), (5, "登记地区代码"),
        (6, "服务类型"), (7, "联系电话"), (8, "统一社会信用代码"), (9, "统一社会信用代码"),
        (10, "统一社会信用代码"), (11, "登记地区代码"), (13, "国有企业"),
    } <= found  # fmt: skip
    assert not any(r == 12 for r, _c in found)
    assert job.bad_rows == 11 and job.created_count == 1
    messages = " ".join(m for _r, _c, m in errors_of(job))
    for value in (bad, elsewhere, "12345", twice, "外区物业", "餐饮服务"):
        assert value not in messages
    page = html(client.get(url("import_job", job)))
    assert "校验位" in page and "12345" not in page and elsewhere not in page

    job = FLOW.start(client, job, "good_rows", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and job.created_count == 1
    assert Provider.objects.filter(name="颐康养老服务中心11").exists()
    assert Provider.objects.count() == 2


def test_all_or_nothing_leaves_nothing_when_a_row_fails_on_the_way(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [row(1), row(2), row(3)]
    job = FLOW.checked(client, world, FLOW.csv_bytes(rows), django_capture_on_commit_callbacks)
    assert job.created_count == 3
    make_provider(region=world.regions[COUNTY], name="抢先登记", uscc=row(2)["uscc"])

    job = FLOW.start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.FAILED and "第3行" in job.failure
    assert Provider.objects.count() == 1


def test_permissions_and_jurisdiction(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    staff = client_for(world.users["community_staff"])
    assert staff.get(url("imports")).status_code == 403
    job = FLOW.checked(client, world, FLOW.csv_bytes([row(1)]), django_capture_on_commit_callbacks)
    township = client_for(world.users["township_staff"])
    # The township sees the county's job? No: it covers only its township.
    assert township.get(url("import_job", job)).status_code == 404
    assert client.get(url("import_job", job)).status_code == 200
    from shequ.accounts import actions as accounts
    from shequ.accounts.models import Role

    other = accounts.create_staff_user(username="other-county", full_name="外区", password=None)
    accounts.assign_role(user=other, role=Role.objects.get(code="county_official"),
                         region=world.regions["320303"])  # fmt: skip
    outsider = client_for(other)
    assert outsider.get(url("import_job", job)).status_code == 404
    assert outsider.get(url("import_progress", job)).status_code == 404
    assert job.file_name not in html(outsider.get(url("imports")))
    response = FLOW.upload(client, world, FLOW.csv_bytes([row(1)]), region="320303")
    assert response.status_code == 200 and ProviderImport.objects.count() == 1

    listing = html(client.get(url("imports")))
    assert "批量导入服务主体" in listing and job.file_name in listing
    assert url("import_new") in listing
    template = client.get(url("import_template_xlsx"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/")
    assert (
        client.get(url("import_template_csv"))
        .content.decode("utf-8-sig")
        .startswith("登记地区代码")
    )
    new_page = html(client.get(url("import_new")))
    assert "上传服务主体表格" in new_page and url("import_template_csv") in new_page
    assert reverse("organizations:providers") in new_page  # the crumbs lead back to the providers


def test_the_import_list_reads_a_bounded_number_of_queries(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    user = world.users["county_official"]
    for n in range(40):
        ProviderImport.objects.create(region=world.regions[COUNTY], created_by=user,
                                      file_name=f"p{n}.csv", format="csv")  # fmt: skip
    with django_assert_max_num_queries(12):
        response = client.get(url("imports"))
    assert response.status_code == 200 and "p39.csv" in html(response)


def test_property_rows_need_the_property_right(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """An importer with organizations.edit but without manage_property imports care providers, not
    property companies: the row is refused under 服务类型."""
    from shequ.accounts import actions as accounts
    from shequ.accounts.models import Role

    role = Role.objects.create(
        code="care_importer", name="养老服务导入员",
        permissions=["organizations.view", "organizations.edit", "organizations.import"],
    )  # fmt: skip
    user = accounts.create_staff_user(username="care-importer", full_name="导入员", password=None)
    accounts.assign_role(user=user, role=role, region=world.regions[COUNTY])
    client = client_for(user)
    rows = [row(1), row(2, kind="物业服务")]

    job = FLOW.checked(client, world, FLOW.csv_bytes(rows), django_capture_on_commit_callbacks)

    assert [(r, c) for r, c, _m in errors_of(job)] == [(3, "服务类型")]
    assert "物业管理权限" in errors_of(job)[0][2]
    job = FLOW.start(client, job, "good_rows", django_capture_on_commit_callbacks)
    assert job.created_count == 1 and list(Provider.objects.values_list("kind", flat=True)) == [
        "elderly_care"
    ]
