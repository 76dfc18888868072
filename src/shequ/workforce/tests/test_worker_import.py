"""Importing community workers with their posts from spreadsheets, through the pages.

Township staff (320302001) may import; community staff may not. Background tasks run inline at commit
(``django_capture_on_commit_callbacks``). Errors name the row and the column, never the value.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shequ.core.models import AuditEvent, ImportStatus
from shequ.workforce.models import CommunityWorker, WorkerImport, WorkerPost
from shequ.workforce.tests.factories_workers import id_number, make_post, make_worker
from tests.imports import ImportFlow, errors_of
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME = "320302001001"
VILLAGE = "320302001201"
ELSEWHERE = "320303001001"
HEADERS = {
    "community": "社区代码",
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "手机号",
    "education": "学历",
    "political_status": "政治面貌",
    "hiring_method": "录用方式",
    "hired_on": "入职日期",
    "post": "岗位",
    "grid": "网格编码",
    "post_started_on": "任职日期",
    "note": "备注",
}
FLOW = ImportFlow(
    namespace="workforce", id_kwarg="worker_import_id", model=WorkerImport,
    folder="worker_imports", headers=HEADERS, file_name="社工.csv", region="320302001",
)  # fmt: skip


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def client(world: World) -> Client:
    return client_for(world.users["township_staff"])


def row(n: int, **cells: str) -> dict[str, str]:
    values = {
        "community": HOME,
        "name": f"王芳{n}",
        "id_number": id_number(date(1990, 1, n), 200 + n),
        "phone": f"1391234{n:04d}",
        "education": "本科",
        "political_status": "中共党员",
        "hiring_method": "县级统一招聘",
        "hired_on": "2021-07-01",
        "post": "两委委员",
        "grid": "",
        "post_started_on": "",
        "note": "",
    }
    values.update(cells)
    return values


def test_a_file_imports_workers_with_posts_and_again_changes_nothing(
    client: Client, world: World, var_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        row(1),
        row(2, post="专职网格员", grid=f"{HOME}001"),
        row(3, community=VILLAGE, post="全科社工"),
    ]
    content = FLOW.csv_bytes(rows)

    job = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)
    assert (job.status, job.bad_rows, job.created_count) == (ImportStatus.CHECKED, 0, 3)
    assert not CommunityWorker.objects.exists()
    job = FLOW.start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.DONE and job.created_count == 3
    grid_worker = CommunityWorker.objects.get(name="王芳2")
    post = WorkerPost.objects.get(worker=grid_worker)
    assert (post.kind, post.grid.code, post.started_on) == ("grid_worker", f"{HOME}001",
                                                            date(2021, 7, 1))  # fmt: skip
    assert grid_worker.hiring_method == "county_selection" and grid_worker.status_changes.count()
    assert CommunityWorker.objects.get(name="王芳3").region.code == VILLAGE
    assert FLOW.files_in(var_dir) == []

    again = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    FLOW.start(client, again, "all_or_nothing", django_capture_on_commit_callbacks)
    assert CommunityWorker.objects.count() == 3 and WorkerPost.objects.count() == 3
    assert AuditEvent.objects.filter(action="workforce.import_finish").count() == 2


def test_bad_rows_name_row_and_column_never_the_value(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    taken = id_number(date(1980, 2, 2), 77)
    make_worker(region=world.regions[ELSEWHERE], name="【X320303】赵外", id_number=taken)
    grid_holder = make_worker(region=world.regions[HOME], name="网格老人",
                              id_number=id_number(date(1979, 3, 3), 78))  # fmt: skip
    make_post(worker=grid_holder, community=world.regions[HOME], kind="grid_worker",
              grid=world.grids[f"{HOME}001"])  # fmt: skip
    rows = [
        row(1, id_number="320302199001011234"),  # bad check digit
        row(2, id_number=taken),  # registered elsewhere
        row(3, post="专职网格员", grid=f"{VILLAGE}001"),  # the grid of another community
        row(4, community=ELSEWHERE),
        row(5, phone="12345"),
        row(6, name="网格老人", id_number=id_number(date(1979, 3, 3), 78), post="专职网格员",
            grid=f"{HOME}002"),  # a second grid post
        row(7, post="专职网格员"),  # no grid
        row(8),
        row(9, id_number=row(8)["id_number"]),  # the same person twice
        row(10),  # good
    ]  # fmt: skip

    job = FLOW.checked(client, world, FLOW.csv_bytes(rows), django_capture_on_commit_callbacks)

    found = {(r, c) for r, c, _m in errors_of(job)}
    assert {(2, "身份证号"), (3, "身份证号"), (4, "网格编码"), (5, "社区代码"), (6, "手机号"),
            (7, "网格编码"), (8, "网格编码"), (9, "身份证号"), (10, "身份证号")} <= found  # fmt: skip
    messages = " ".join(m for _r, _c, m in errors_of(job))
    assert taken not in messages and "赵外" not in messages and "12345" not in messages
    assert "已登记为社区工作者" in messages
    page = html(client.get(FLOW.url("import_job", job)))
    assert "身份证号码校验位不正确" in page and taken not in page

    job = FLOW.start(client, job, "good_rows", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and job.created_count == 1
    assert (
        CommunityWorker.objects.count() == 3
        and CommunityWorker.objects.filter(name="王芳10").exists()
    )


def test_community_staff_cannot_import_and_jobs_elsewhere_are_404(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    staff = client_for(world.users["community_staff"])
    outsider_county = client_for(world.users["county_official"])

    assert staff.get(FLOW.url("imports")).status_code == 403
    job = FLOW.checked(client, world, FLOW.csv_bytes([row(1)]), django_capture_on_commit_callbacks)
    other = client_for(world.outsider)
    assert outsider_county.get(FLOW.url("import_job", job)).status_code == 200
    assert other.get(FLOW.url("import_job", job)).status_code in (403, 404)
    assert "批量导入社区工作者" in html(client.get(FLOW.url("imports")))
    template = client.get(FLOW.url("import_template_xlsx"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/")
