"""Importing facilities from spreadsheets (issue #5, L1), through the pages.

The world's community head works at 320302001001 (home) and may import facilities there; community
staff may edit facilities but not import them. Files are built here: CSV in UTF-8 and GBK, Excel made
with openpyxl, a PNG renamed .xlsx. Background tasks run inline at commit
(``django_capture_on_commit_callbacks``), as without a broker. The coverage refresh an import asks
for is recorded (``refreshes``), not computed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shequ.core.models import AuditEvent, ImportStatus
from shequ.facilities import geo
from shequ.facilities.actions import imports
from shequ.facilities.models import CoverageRun, Facility, FacilityImport
from shequ.facilities.tests.factories import make_facility
from tests.imports import ImportFlow, errors_of
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME = "320302001001"
VILLAGE = "320302001201"  # the same township, not the community head's
ELSEWHERE = "320303001001"  # the other county
HEADERS = {
    "community": "社区代码",
    "external_code": "设施编码",
    "name": "设施名称",
    "category": "设施类别",
    "address": "地址",
    "lat": "纬度",
    "lng": "经度",
    "coordinate_system": "坐标系",
    "operator": "运营方",
    "floor_area_m2": "建筑面积",
    "activity_area_m2": "居民活动用房面积",
    "commercial_area_m2": "商业面积",
    "capacity": "容量",
    "status": "状态",
    "mon": "周一",
    "tue": "周二",
    "wed": "周三",
    "thu": "周四",
    "fri": "周五",
    "sat": "周六",
    "sun": "周日",
    "note": "备注",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


class _Refreshes:
    """The coverage runs asked for, oldest first, read from the database (each a dict with its
    ``reason``); the computation itself is the coverage tests' business."""

    def _runs(self) -> list[dict[str, Any]]:
        return list(CoverageRun.objects.order_by("requested_at", "id").values("reason", "status"))

    def __len__(self) -> int:
        return len(self._runs())

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._runs()[index]


@pytest.fixture
def refreshes() -> _Refreshes:
    return _Refreshes()


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def head(world: World) -> Any:
    return world.users["community_head"]


@pytest.fixture
def client(head: Any) -> Client:
    return client_for(head)


def row(n: int, **cells: str) -> dict[str, str]:
    """A meal point in the home community, open on weekdays, with its own code F<n>."""
    values = {
        "community": HOME,
        "external_code": f"F{n:03d}",
        "name": f"幸福助餐点{n}",
        "category": "助餐点",
        "address": f"幸福路{n}号",
        "lat": f"{34.2610 + n / 10000:.4f}",
        "lng": "117.1849",
        "operator": "幸福社区居委会",
        "floor_area_m2": "300",
        "activity_area_m2": "200",
        "capacity": "40",
        **{day: "10:30-13:00, 16:30-18:30" for day in WEEKDAYS},
    }
    values.update(cells)
    return values


FLOW = ImportFlow(
    namespace="facilities", id_kwarg="import_id", model=FacilityImport, folder="facility_imports",
    headers=HEADERS, file_name="设施.csv", region=HOME,
)  # fmt: skip
csv_bytes, upload, checked, start, files_in = (
    FLOW.csv_bytes, FLOW.upload, FLOW.checked, FLOW.start, FLOW.files_in,
)  # fmt: skip


def job_page(client: Client, job: FacilityImport) -> str:
    return html(client.get(reverse("facilities:import_job", kwargs={"import_id": job.pk})))


def snapshot() -> list[tuple[Any, ...]]:
    return list(Facility.objects.order_by("pk").values_list("pk", "version", "updated_at", "name"))


# --- Upload, dry run, import ----------------------------------------------------------------------


class TestThroughThePages:
    def test_dry_run_reports_bad_cells_and_good_rows_imports_the_rest(
        self,
        client: Client,
        world: World,
        var_dir: Path,
        refreshes: list[dict[str, Any]],
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        existing = make_facility(
            community=world.regions[HOME], name="幸福助餐点2", category="meal_point"
        )
        rows = [row(1), row(2, external_code=""), row(3, capacity="很多")]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)

        assert job.status == ImportStatus.CHECKED
        assert (job.total_rows, job.bad_rows) == (3, 1)
        assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 1, 0)
        assert errors_of(job) == [(4, "容量", "容量应为整数。")]
        page = job_page(client, job)
        assert "容量应为整数。" in page and "将跳过 1 行" in page
        assert 'value="all_or_nothing" aria-describedby="mode-all_or_nothing-help" disabled' in page
        assert not Facility.objects.exclude(pk=existing.pk).exists()  # a dry run writes nothing

        job = start(client, job, "good_rows", django_capture_on_commit_callbacks)

        assert job.status == ImportStatus.DONE
        assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 1, 0)
        assert (job.processed_rows, job.bad_rows) == (3, 1)
        created = Facility.objects.get(external_code="F001")
        assert (created.community, created.category, created.capacity) == (
            world.regions[HOME],
            "meal_point",
            40,
        )
        assert created.opening_hours["mon"] == [[630, 780], [990, 1110]]
        assert "sat" not in created.opening_hours and created.shortest_day_hours == 4.5
        assert created.created_by == job.created_by and created.version == 1
        existing.refresh_from_db()
        assert (existing.address, existing.operator, existing.version) == (
            "幸福路2号",
            "幸福社区居委会",
            2,
        )
        assert not Facility.objects.filter(name="幸福助餐点3").exists()
        assert files_in(var_dir) == []  # the upload and its side files are gone with the job
        assert "导入结果" in job_page(client, job)
        assert len(refreshes) == 1 and "设施.csv" in refreshes[0]["reason"]

    def test_all_or_nothing_imports_a_clean_file_and_audits_once_per_step(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(
            client,
            world,
            csv_bytes([row(n) for n in range(1, 6)]),
            django_capture_on_commit_callbacks,
        )
        job = start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        assert (job.status, job.created_count) == (ImportStatus.DONE, 5)
        assert Facility.objects.count() == 5
        steps = AuditEvent.objects.filter(
            object_type="facilities.FacilityImport", object_id=str(job.pk)
        )
        assert sorted(steps.values_list("action", flat=True)) == [
            "facilities.import_check",
            "facilities.import_finish",
            "facilities.import_start",
            "facilities.import_upload",
        ]
        assert not AuditEvent.objects.filter(action="facilities.facility.register").exists()

    def test_importing_the_same_file_again_changes_nothing(
        self,
        client: Client,
        world: World,
        refreshes: list[dict[str, Any]],
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        rows = [
            row(1),
            row(2, external_code="", coordinate_system="GCJ-02"),
            row(3, sat="24小时", status="暂停服务"),
        ]
        content = csv_bytes(rows)
        first = checked(client, world, content, django_capture_on_commit_callbacks)
        start(client, first, "all_or_nothing", django_capture_on_commit_callbacks)
        before = snapshot()
        assert len(before) == 3 and len(refreshes) == 1

        again = checked(client, world, content, django_capture_on_commit_callbacks)
        assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
        assert "无变化" in job_page(client, again)
        again = start(client, again, "all_or_nothing", django_capture_on_commit_callbacks)

        assert (again.status, again.unchanged_count, again.created_count) == ("done", 3, 0)
        assert snapshot() == before
        assert len(refreshes) == 1  # nothing changed: no coverage refresh

    def test_a_changed_row_updates_and_blank_cells_keep_what_is_stored(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        first = checked(client, world, csv_bytes([row(1)]), django_capture_on_commit_callbacks)
        start(client, first, "all_or_nothing", django_capture_on_commit_callbacks)
        stored = Facility.objects.get()
        sparse = {"external_code": "F001", "name": "幸福助餐点1", "category": "助餐点"}
        sparse.update(capacity="60", operator="", lat="", lng="")
        job = checked(client, world, csv_bytes([sparse]), django_capture_on_commit_callbacks)
        assert (job.created_count, job.updated_count) == (0, 1)
        start(client, job, "good_rows", django_capture_on_commit_callbacks)
        updated = Facility.objects.get()
        assert (updated.pk, updated.capacity, updated.version) == (stored.pk, 60, 2)
        assert (updated.lat, updated.lng, updated.operator) == (
            stored.lat,
            stored.lng,
            stored.operator,
        )
        assert updated.opening_hours == stored.opening_hours

    def test_a_new_code_adopts_the_facility_of_that_category_and_name(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        hand_made = make_facility(
            community=world.regions[HOME], name="幸福助餐点1", category="meal_point"
        )
        job = checked(client, world, csv_bytes([row(1)]), django_capture_on_commit_callbacks)
        assert (job.created_count, job.updated_count) == (0, 1)
        start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        hand_made.refresh_from_db()
        assert hand_made.external_code == "F001" and Facility.objects.count() == 1

    def test_a_role_without_the_import_permission_is_refused(self, world: World) -> None:
        for role in ("grid_worker", "community_staff"):
            other = client_for(world.users[role])
            for name in ("imports", "import_new", "import_template_xlsx"):
                assert other.get(reverse(f"facilities:{name}")).status_code == 403

    def test_another_countys_job_is_not_found_and_not_listed(
        self, client: Client, world: World, head: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        from shequ.facilities.tests.url_params import _imports

        theirs = _imports(world)["320303"]
        for name in ("import_job", "import_progress", "import_errors"):
            response = client.get(reverse(f"facilities:{name}", kwargs={"import_id": theirs.pk}))
            assert response.status_code == 404, name
        for name in ("import_start", "import_cancel", "import_resume"):
            response = client.post(
                reverse(f"facilities:{name}", kwargs={"import_id": theirs.pk}),
                {"mode": "good_rows"},
            )
            assert response.status_code == 404, name
        theirs.refresh_from_db()
        assert theirs.status == ImportStatus.CHECKED
        assert "【J320303】" not in html(client.get(reverse("facilities:imports")))
        with pytest.raises(PermissionDenied):  # nor through the action, whatever the page offers
            imports.begin_import(job=theirs, mode="good_rows", by=head)

    def test_history_list_queries_do_not_grow_with_jobs(
        self,
        client: Client,
        world: World,
        head: Any,
        django_capture_on_commit_callbacks: Any,
        django_assert_max_num_queries: Any,
    ) -> None:
        def listed() -> str:
            with django_assert_max_num_queries(9):
                return html(client.get(reverse("facilities:imports")))

        imports.start_import(
            file=SimpleUploadedFile("第0批.csv", csv_bytes([row(1)])),
            by=head,
            region=world.regions[HOME],
        )
        assert "第0批" in listed()
        for n in range(1, 6):
            with django_capture_on_commit_callbacks(execute=True):
                imports.start_import(
                    file=SimpleUploadedFile(f"第{n}批.csv", csv_bytes([row(n)])),
                    by=head,
                    region=world.regions[HOME],
                )
        body = listed()
        assert all(f"第{n}批" in body for n in range(6)) and "已检查" in body

    def test_progress_fragment_is_an_accessible_progress_bar(
        self, client: Client, world: World, head: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=False):
            job = imports.start_import(
                file=SimpleUploadedFile("a.csv", csv_bytes([row(1)])),
                by=head,
                region=world.regions[HOME],
            )
        url = reverse("facilities:import_progress", kwargs={"import_id": job.pk})
        response = client.get(url, HTTP_HX_REQUEST="true")
        body = html(response)
        assert 'role="progressbar"' in body and 'aria-valuenow="0"' in body
        assert 'hx-trigger="every 1s"' in body and "HX-Refresh" not in response
        imports.run_check(job_id=job.pk)
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response["HX-Refresh"] == "true"
        assert 'hx-trigger="every 1s"' not in html(response)

    def test_errors_download_lists_row_column_and_reason(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(
            client,
            world,
            csv_bytes([row(1), row(2, floor_area_m2="-5")]),
            django_capture_on_commit_callbacks,
        )
        response = client.get(reverse("facilities:import_errors", kwargs={"import_id": job.pk}))
        text = response.content.decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text))) == [
            ["行号", "列", "问题"],
            ["3", "建筑面积", "建筑面积不能为负数。"],
        ]
        assert response["Cache-Control"] == "no-store"

    def test_two_clicks_start_the_import_once(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(client, world, csv_bytes([row(1)]), django_capture_on_commit_callbacks)
        stale = FacilityImport.objects.get(pk=job.pk)  # what the second click's request read
        job = start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        assert job.status == ImportStatus.DONE
        with pytest.raises(ValidationError):
            imports.begin_import(job=stale, mode="all_or_nothing", by=job.created_by)
        response = client.post(
            reverse("facilities:import_start", kwargs={"import_id": job.pk}),
            {"mode": "all_or_nothing"},
            follow=True,
        )
        assert "当前状态下不能进行此操作" in html(response)
        assert Facility.objects.count() == 1

    def test_a_second_worker_on_the_same_job_does_nothing(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(client, world, csv_bytes([row(1)]), django_capture_on_commit_callbacks)
        job = start(client, job, "good_rows", django_capture_on_commit_callbacks)
        imports.run_import(job_id=job.pk)  # a task delivered twice
        imports.run_check(job_id=job.pk)
        assert Facility.objects.count() == 1
        job.refresh_from_db()
        assert (job.status, job.created_count) == (ImportStatus.DONE, 1)

    def test_cancel_deletes_the_upload(
        self, client: Client, world: World, var_dir: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(client, world, csv_bytes([row(1)]), django_capture_on_commit_callbacks)
        assert files_in(var_dir)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("facilities:import_cancel", kwargs={"import_id": job.pk})
            )
        job.refresh_from_db()
        assert response.status_code == 302 and job.status == ImportStatus.CANCELLED
        assert files_in(var_dir) == []
        response = client.post(
            reverse("facilities:import_start", kwargs={"import_id": job.pk}),
            {"mode": "good_rows"},
            follow=True,
        )
        assert "当前状态下不能进行此操作" in html(response)
        assert not Facility.objects.exists()

    def test_a_township_imports_into_its_communities(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        township = client_for(world.users["township_staff"])
        rows = [
            row(1),
            row(2, community=VILLAGE),
            row(3, community="320302002001"),
            row(4, community=""),
        ]
        job = checked(
            township,
            world,
            csv_bytes(rows),
            django_capture_on_commit_callbacks,
            region="320302001",
        )
        assert errors_of(job) == [
            (4, "社区代码", "社区代码不存在或不在本次导入范围内。"),
            (5, "社区代码", "请填写社区代码（12位区划代码）。"),
        ]
        start(township, job, "good_rows", django_capture_on_commit_callbacks)
        assert sorted(Facility.objects.values_list("community__code", flat=True)) == [HOME, VILLAGE]


# --- The template ------------------------------------------------------------------------------


class TestTemplate:
    def test_excel_template_has_headers_example_and_instructions(self, client: Client) -> None:
        response = client.get(reverse("facilities:import_template_xlsx"))
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        assert header == list(HEADERS.values())
        assert sheet["A2"].value == HOME and sheet["B2"].value == imports.EXAMPLE_CODE
        assert workbook.sheetnames[1] == "填写说明"
        notes = " ".join(str(cell.value) for cell in workbook.worksheets[1]["B"])
        assert "GCJ-02" in notes and "日间照料中心" in notes

    def test_csv_template_is_utf8_with_the_same_headers(self, client: Client) -> None:
        response = client.get(reverse("facilities:import_template_csv"))
        assert response["Content-Type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert lines[0] == list(HEADERS.values()) and lines[1][1] == imports.EXAMPLE_CODE

    @pytest.mark.parametrize("name", ["import_template_xlsx", "import_template_csv"])
    def test_importing_the_untouched_template_creates_nothing(
        self, client: Client, world: World, name: str, django_capture_on_commit_callbacks: Any
    ) -> None:
        template = client.get(reverse(f"facilities:{name}")).content
        suffix = "xlsx" if name.endswith("xlsx") else "csv"
        job = checked(
            client, world, template, django_capture_on_commit_callbacks, name=f"模板.{suffix}"
        )
        assert job.status == ImportStatus.FAILED and "没有数据行" in job.failure
        assert not Facility.objects.exists()

    def test_a_filled_in_excel_template_imports(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        workbook = load_workbook(
            io.BytesIO(client.get(reverse("facilities:import_template_xlsx")).content)
        )
        sheet = workbook.worksheets[0]
        sheet.append(
            [HOME, "F9", "幸福托育园", "托育机构", "幸福路9号", 34.2655, 117.1849, "", "", 500, "",
             "", 60, "运营中", "07:30-18:00"]
        )  # fmt: skip
        buffer = io.BytesIO()
        workbook.save(buffer)
        job = checked(
            client, world, buffer.getvalue(), django_capture_on_commit_callbacks, name="填好了.xlsx"
        )
        assert (job.status, job.total_rows, job.bad_rows, job.format) == ("checked", 1, 0, "xlsx")
        start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        facility = Facility.objects.get()
        assert (facility.name, facility.category, facility.lat) == (
            "幸福托育园",
            "childcare",
            34.2655,
        )
        assert facility.opening_hours == {"mon": [[450, 1080]]}


# --- Bad input ----------------------------------------------------------------------------------


class TestBadInput:
    def test_every_bad_cell_is_named_by_row_and_column(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [
            row(1, category="养鸡场"),
            row(2, lat="北纬34度"),
            row(3, activity_area_m2="400"),
            row(4, status="营业"),
            row(5, coordinate_system="BD-09"),
            row(6, name=""),
            row(7, tue="9点到5点"),
            row(8, lat="", lng=""),
            row(9, community="3203020010"),
        ]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert errors_of(job) == [
            (2, "设施类别", "设施类别不正确，可填：社区综合服务中心、社区综合服务站、日间照料中心、助餐点、养老机构、托育机构、幼儿园、社区卫生服务站、文化活动室、体育健身场地、就业服务站、残疾人之家、社工室、慈善超市、农贸市场、便利店、物业服务用房、警务室、应急避难场所、政务自助服务终端、共享停车场、开放共享运动场、共享会议室。"),
            (3, "纬度", "纬度和经度应为数字，例如 34.2610、117.1849。"),
            (4, "居民活动用房面积", "居民服务和活动用房面积（400.00）不能大于建筑面积（300.00）。"),
            (5, "状态", "状态不正确，可填：规划中、运营中、暂停服务、已关闭。"),
            (6, "坐标系", "坐标系应填 WGS-84（GPS、天地图）或 GCJ-02（高德、腾讯地图），不填按 WGS-84。"),
            (7, "设施名称", "请填写设施名称。"),
            (8, "周二", "星期二的开放时间“9点到5点”看不懂：请写成 08:30-17:30，多段用逗号分开，全天写“24小时”，不开放留空。"),
            (9, "纬度", "请填写设施的位置（纬度和经度），或在地图上点选。"),
            (10, "社区代码", "社区代码不存在或不在本次导入范围内。"),
        ]  # fmt: skip
        assert (job.bad_rows, job.created_count) == (9, 0)
        page = job_page(client, job)
        assert "有误的行（9 行）" in page and "9点到5点" in page
        response = client.post(
            reverse("facilities:import_start", kwargs={"import_id": job.pk}),
            {"mode": "all_or_nothing"},
            follow=True,
        )
        assert "不能选择“全部无误才导入”" in html(response)
        job.refresh_from_db()
        assert job.status == ImportStatus.CHECKED and not Facility.objects.exists()

    def test_overlapping_hours_are_refused(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [
            row(1, wed="08:00-12:00, 11:00-14:00"),
            row(2, sun="20:00-02:00", mon="01:00-09:00"),
        ]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert errors_of(job) == [
            (2, "周三", "星期三的开放时间“08:00-12:00”和“11:00-14:00”重叠。"),
            (3, "周一", "星期一的开放时间“20:00-02:00”和“01:00-09:00”重叠。"),
        ]
        start(client, job, "good_rows", django_capture_on_commit_callbacks)
        assert not Facility.objects.exists()

    def test_communities_outside_the_jurisdiction_are_refused_without_saying_more(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        make_facility(community=world.regions[ELSEWHERE], name="外县助餐点", category="meal_point")
        rows = [
            row(1, community=ELSEWHERE, name="外县助餐点"),
            row(2, community=VILLAGE),
            row(3, community="999999999999"),
        ]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        refused = "社区代码不存在或不在本次导入范围内。"
        assert errors_of(job) == [
            (2, "社区代码", refused),
            (3, "社区代码", refused),
            (4, "社区代码", refused),
        ]
        start(client, job, "good_rows", django_capture_on_commit_callbacks)
        assert list(Facility.objects.values_list("name", flat=True)) == ["外县助餐点"]
        # Nor can the upload itself name a place elsewhere.
        response = upload(client, world, csv_bytes([row(1)]), region=ELSEWHERE)
        assert response.status_code == 200 and "选择一个有效的选项" in html(response)

    def test_gcj02_positions_are_stored_as_wgs84(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [
            row(1, lat="34.2600", lng="117.1900", coordinate_system="GCJ-02"),
            row(2, lat="34.2600", lng="117.1900", coordinate_system="高德"),
            row(3, lat="34.2600", lng="117.1900"),
        ]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        lat, lng = geo.gcj02_to_wgs84(34.26, 117.19)
        expected = (round(float(lat), 7), round(float(lng), 7))
        stored = dict(Facility.objects.values_list("external_code", "lat"))
        assert stored["F001"] == stored["F002"] == expected[0] != stored["F003"]
        assert Facility.objects.get(external_code="F001").lng == expected[1]
        assert abs(stored["F003"] - 34.26) < 1e-9

    def test_rows_naming_one_facility_twice_name_each_other(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [
            row(1),
            row(2, external_code="F001"),
            row(3, external_code=""),
            row(4, external_code="", name="幸福助餐点3"),
            row(5, external_code="F005", name="幸福助餐点6"),
            row(6, external_code=""),
        ]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert errors_of(job) == [
            (2, "设施编码", "与第3行是同一设施：同一设施只能填一行。"),
            (3, "设施编码", "与第2行是同一设施：同一设施只能填一行。"),
            (4, "设施名称", "与第5行是同一设施：同一设施只能填一行。"),
            (5, "设施名称", "与第4行是同一设施：同一设施只能填一行。"),
            (7, "设施名称", "与第6行的设施类别和名称相同：同类同名的设施请都填写设施编码，以便区分。"),
        ]  # fmt: skip
        assert (job.bad_rows, job.created_count) == (5, 1)

    def test_excel_numbers_are_read_and_formulas_reported(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["社区代码", "设施编码", "设施名称", "设施类别", "纬度", "经度", "容量"])
        sheet.append([int(HOME), "F1", "幸福书屋", "文化活动室", 34.2612345, 117.1849, 30])
        sheet.append([int(HOME), "F2", "幸福球场", "体育健身场地", 34.2611, 117.1849, "=10*3"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        job = checked(
            client, world, buffer.getvalue(), django_capture_on_commit_callbacks, name="表.xlsx"
        )
        ((number, column, message),) = errors_of(job)
        assert (number, column) == (3, "容量") and "选择性粘贴 → 数值" in message
        start(client, job, "good_rows", django_capture_on_commit_callbacks)
        facility = Facility.objects.get()
        assert (facility.name, facility.lat, facility.capacity) == ("幸福书屋", 34.2612345, 30)

    def test_a_png_named_xlsx_is_refused_at_upload(
        self, client: Client, world: World, var_dir: Path
    ) -> None:
        png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
        response = upload(
            client,
            world,
            png,
            name="设施.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        assert response.status_code == 200
        assert "文件内容不是表格（看起来是图片）" in html(response)
        assert not FacilityImport.objects.exists() and files_in(var_dir) == []

    def test_a_file_over_the_size_limit_is_refused_while_it_arrives(
        self, client: Client, world: World, settings: Any, var_dir: Path
    ) -> None:
        settings.SHEQU_IMPORT_MAX_BYTES = 2000
        content = csv_bytes([row(n) for n in range(1, 30)])
        assert len(content) > 2000
        response = upload(client, world, content)
        assert response.status_code == 200
        assert "文件太大" in html(response) and "最大允许 2 KB" in html(response)
        assert not FacilityImport.objects.exists() and files_in(var_dir) == []

    def test_a_gbk_file_labelled_utf8_is_read_by_its_content(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [
            row(1, name="彭城街道养老服务中心", category="养老机构", operator="徐州市彭城颐养院")
        ]
        job = checked(
            client, world, csv_bytes(rows, encoding="gbk"), django_capture_on_commit_callbacks,
            content_type="text/csv; charset=utf-8",
        )  # fmt: skip
        assert (job.encoding, job.bad_rows, job.created_count) == ("gb18030", 0, 1)
        start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        facility = Facility.objects.get()
        assert (facility.name, facility.operator) == ("彭城街道养老服务中心", "徐州市彭城颐养院")

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            (["社区代码", "设施名称", "纬度", "经度"], "缺少必填的列：设施类别。"),
            (["设施名称", "类别", "纬度", "经度", "联系人"], "无法识别的列：联系人。"),
            (["设施名称", "设施类别", "经度"], "缺少必填的列：纬度。"),
        ],
    )
    def test_missing_or_unknown_headers_are_named(
        self,
        client: Client,
        world: World,
        header: list[str],
        expected: str,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        content = (",".join(header) + "\n" + ",".join(["x"] * len(header)) + "\n").encode()
        job = checked(client, world, content, django_capture_on_commit_callbacks)
        assert job.status == ImportStatus.FAILED and expected in job.failure
        assert expected in job_page(client, job)


# --- Changes made after the dry run ------------------------------------------------------------------


class TestAfterTheDryRun:
    def test_a_facility_edited_after_the_check_is_not_overwritten(
        self, client: Client, world: World, head: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        from shequ.facilities import actions

        first = checked(
            client, world, csv_bytes([row(1), row(2)]), django_capture_on_commit_callbacks
        )
        start(client, first, "all_or_nothing", django_capture_on_commit_callbacks)
        job = checked(
            client,
            world,
            csv_bytes([row(1, capacity="50"), row(2, capacity="50")]),
            django_capture_on_commit_callbacks,
        )
        assert job.updated_count == 2
        edited = Facility.objects.get(external_code="F002")
        actions.update_facility(facility=edited, by=head, capacity="45")  # a colleague, meanwhile

        job = start(client, job, "good_rows", django_capture_on_commit_callbacks)

        assert (job.status, job.updated_count, job.bad_rows) == ("done", 1, 1)
        ((number, column, message),) = errors_of(job)
        assert (number, column) == (3, "设施编码") and "被其他人登记或修改过" in message
        capacities = dict(Facility.objects.values_list("external_code", "capacity"))
        assert capacities == {"F001": 50, "F002": 45}

    def test_all_or_nothing_writes_nothing_when_a_row_fails_during_the_import(
        self, client: Client, world: World, head: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(
            client, world, csv_bytes([row(1), row(2), row(3)]), django_capture_on_commit_callbacks
        )
        # After the check, a colleague registers the last row's facility by hand.
        make_facility(
            community=world.regions[HOME],
            by=head,
            name="幸福助餐点3",
            category="meal_point",
            external_code="F003",
        )
        job = start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        assert job.status == ImportStatus.FAILED
        assert job.failure.startswith("第4行“设施编码”：该设施在检查之后被其他人登记或修改过")
        assert "没有导入任何数据" in job.failure
        assert list(Facility.objects.values_list("external_code", flat=True)) == ["F003"]
