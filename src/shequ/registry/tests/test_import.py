"""Importing households and residents from spreadsheets (issue #3), through the pages and the actions.

The world's community staff works at 320302001001 (home); ``world.outsider`` is community staff at
320303001001 in the other county. Files are built here, in the test: CSV in UTF-8 and GBK, Excel made
with openpyxl (merged cells, formulas), a PNG renamed .xlsx, files just over a lowered size limit.
Background tasks run inline at commit (``django_capture_on_commit_callbacks``), as without a broker.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shequ.core.models import AuditEvent, ImportStatus
from shequ.registry import actions
from shequ.registry.actions import MemberInput, imports
from shequ.registry.models import (
    DuplicateCandidate,
    DuplicateReason,
    Household,
    HouseholdMembership,
    IdType,
    ImportJob,
    Relation,
    Resident,
)
from shequ.registry.tests.url_params import synthetic_id
from shequ.territory.models import Estate
from tests.imports import ImportFlow, errors_of
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME_COMMUNITY = "320302001001"
HOME_GRID = "320302001001001"
OTHER_COMMUNITY = "320303001001"
HEADERS = {
    "household": "户编号(同一户填相同编号)",
    "relation": "与户主关系",
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "sex": "性别",
    "birth_date": "出生日期",
    "phone": "手机号",
    "residence_status": "人口类别",
    "community": "村(社区)代码",
    "grid": "网格编号",
    "estate": "小区",
    "building": "楼栋",
    "address": "单元室号等详细地址",
}


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def staff(world: World) -> Any:
    return world.users["community_staff"]


@pytest.fixture
def client(staff: Any) -> Client:
    return client_for(staff)


def pid(serial: int, born: date = date(1980, 1, 1), area: str = "320302") -> str:
    """A valid ID number; serials past 999 move the birth date on by a day per thousand."""
    return synthetic_id(area, serial % 1000, born + timedelta(days=serial // 1000))


def person(key: str, relation: str, name: str, serial: int, **cells: str) -> dict[str, str]:
    return {"household": key, "relation": relation, "name": name, "id_number": pid(serial), **cells}


def family(key: str, serial: int, *, address: str = "1单元101室") -> list[dict[str, str]]:
    """A head, a spouse and a child; the head's row carries the address."""
    return [
        person(key, "户主", f"张{key}", serial, grid="001", address=address, phone="13900001111"),
        person(key, "配偶", f"李{key}", serial + 1),
        person(key, "子女", f"张小{key}", serial + 2),
    ]


FLOW = ImportFlow(
    namespace="registry", id_kwarg="job_id", model=ImportJob, folder="imports", headers=HEADERS,
    file_name="居民.csv", region=HOME_COMMUNITY,
)  # fmt: skip
csv_bytes, upload, checked, start, files_in = (
    FLOW.csv_bytes, FLOW.upload, FLOW.checked, FLOW.start, FLOW.files_in,
)  # fmt: skip


class TestThroughThePages:
    def test_upload_check_and_import_good_rows(
        self, client: Client, world: World, var_dir: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [*family("1", 11), *family("2", 21), *family("3", 31)]
        rows[4]["id_number"] = rows[4]["id_number"][:-1] + (
            "0" if rows[4]["id_number"][-1] != "0" else "1"
        )
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)

        job.refresh_from_db()
        assert job.status == ImportStatus.CHECKED
        assert (job.total_rows, job.bad_rows) == (9, 1)
        assert (job.created_count, job.updated_count, job.unchanged_count) == (6, 0, 0)
        assert errors_of(job) == [(6, "证件号码", "身份证号码校验位不正确，请核对是否输错。")]
        page = html(client.get(reverse("registry:import_job", kwargs={"job_id": job.pk})))
        assert "身份证号码校验位不正确" in page and "将跳过 3 行" in page
        assert rows[4]["id_number"] not in page  # a cell's value is never shown
        assert 'value="all_or_nothing" aria-describedby="mode-all_or_nothing-help" disabled' in page

        job = start(client, job, "good_rows", django_capture_on_commit_callbacks)

        assert job.status == ImportStatus.DONE
        assert (job.created_count, job.updated_count, job.unchanged_count) == (6, 0, 0)
        assert (job.processed_rows, job.bad_rows) == (9, 1)
        assert Resident.objects.count() == 6
        assert not Resident.objects.filter(name__in=["张2", "李2", "张小2"]).exists()
        home = Household.objects.get(head__name="张1")
        assert home.number.startswith(HOME_COMMUNITY + "-")
        assert home.grid == world.grids[HOME_GRID]
        assert home.address_detail == "1单元101室"
        assert sorted(home.members.values_list("relation", flat=True)) == [
            "child",
            "head",
            "spouse",
        ]
        assert HouseholdMembership.objects.filter(household=home, left_on__isnull=True).count() == 3
        head = home.head
        assert (
            head is not None and head.phone == "13900001111" and head.birth_date == date(1980, 1, 1)
        )
        assert head.grid == world.grids[HOME_GRID] and head.name_keys.strip()
        assert files_in(var_dir) == []  # the upload and its side files are gone with the job
        page = html(client.get(reverse("registry:import_job", kwargs={"job_id": job.pk})))
        assert "导入结果" in page and "跳过了 3 行" in page

    def test_stored_values_are_encrypted_and_the_upload_too(
        self, client: Client, world: World, var_dir: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = family("1", 11, address="9单元909室")
        content = csv_bytes(rows)
        with django_capture_on_commit_callbacks(execute=False):
            response = upload(client, world, content)
        assert response.status_code == 302
        (stored,) = files_in(var_dir)
        raw = stored.read_bytes()
        assert rows[0]["id_number"].encode() not in raw and "张1".encode() not in raw

        job = ImportJob.objects.get()
        imports.run_check(job_id=job.pk)
        job.refresh_from_db()
        for side in files_in(var_dir):
            assert rows[0]["id_number"].encode() not in side.read_bytes()
        with django_capture_on_commit_callbacks(execute=True):
            imports.begin_import(job=job, mode="all_or_nothing", by=job.created_by)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, phone FROM registry_resident")
            stored_values = [value for row in cursor.fetchall() for value in row if value]
            cursor.execute("SELECT address_detail FROM registry_household")
            stored_values += [row[0] for row in cursor.fetchall()]
        assert stored_values and all(value.startswith("v1$") for value in stored_values)

    def test_a_role_without_the_import_permission_is_refused(self, world: World) -> None:
        for role in ("grid_worker", "township_staff", "county_official"):
            other = client_for(world.users[role])
            assert other.get(reverse("registry:imports")).status_code == 403
            assert other.get(reverse("registry:import_template_xlsx")).status_code == 403

    def test_another_communitys_job_is_not_found_and_not_listed(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        assert world.outsider is not None
        with django_capture_on_commit_callbacks(execute=True):
            theirs = imports.start_import(
                file=SimpleUploadedFile("【外县】.csv", csv_bytes(family("1", 11))),
                by=world.outsider,
                region=world.regions[OTHER_COMMUNITY],
            )
        for name in ("import_job", "import_progress", "import_errors"):
            response = client.get(reverse(f"registry:{name}", kwargs={"job_id": theirs.pk}))
            assert response.status_code == 404, name
        for name in ("import_start", "import_cancel", "import_resume"):
            response = client.post(
                reverse(f"registry:{name}", kwargs={"job_id": theirs.pk}), {"mode": "good_rows"}
            )
            assert response.status_code == 404, name
        theirs.refresh_from_db()
        assert theirs.status == ImportStatus.CHECKED
        assert "【外县】" not in html(client.get(reverse("registry:imports")))

    def test_history_list_queries_do_not_grow_with_jobs(
        self,
        client: Client,
        world: World,
        staff: Any,
        django_capture_on_commit_callbacks: Any,
        django_assert_max_num_queries: Any,
    ) -> None:
        for n in range(6):
            with django_capture_on_commit_callbacks(execute=True):
                imports.start_import(
                    file=SimpleUploadedFile(f"第{n}批.csv", csv_bytes(family(str(n), 10 + 3 * n))),
                    by=staff,
                    region=world.regions[HOME_COMMUNITY],
                )
        with django_assert_max_num_queries(9):
            response = client.get(reverse("registry:imports"))
        body = html(response)
        assert body.count("第") >= 6 and "已检查" in body

    def test_progress_fragment_is_an_accessible_progress_bar(
        self, client: Client, world: World, staff: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=False):
            job = imports.start_import(
                file=SimpleUploadedFile("a.csv", csv_bytes(family("1", 11))),
                by=staff,
                region=world.regions[HOME_COMMUNITY],
            )
        url = reverse("registry:import_progress", kwargs={"job_id": job.pk})
        response = client.get(url, HTTP_HX_REQUEST="true")
        body = html(response)
        assert 'role="progressbar"' in body and 'aria-valuemin="0"' in body
        assert 'aria-valuenow="0"' in body and 'hx-trigger="every 1s"' in body
        assert "HX-Refresh" not in response
        imports.run_check(job_id=job.pk)
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response["HX-Refresh"] == "true"
        assert 'hx-trigger="every 1s"' not in html(response)

    def test_errors_download_lists_row_column_and_reason(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = family("1", 11)
        rows[1]["phone"] = "12345"
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        response = client.get(reverse("registry:import_errors", kwargs={"job_id": job.pk}))
        text = response.content.decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text))) == [
            ["行号", "列", "问题"],
            ["3", "手机号", "请输入11位中国大陆手机号码（以1开头）。"],
        ]
        assert "12345" not in text and response["Cache-Control"] == "no-store"

    def test_two_clicks_start_the_import_once(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(client, world, csv_bytes(family("1", 11)), django_capture_on_commit_callbacks)
        stale = ImportJob.objects.get(pk=job.pk)  # what the second click's request read
        job = start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        assert job.status == ImportStatus.DONE
        with pytest.raises(ValidationError):
            imports.begin_import(job=stale, mode="all_or_nothing", by=job.created_by)
        response = client.post(
            reverse("registry:import_start", kwargs={"job_id": job.pk}),
            {"mode": "all_or_nothing"},
            follow=True,
        )
        assert "当前状态下不能进行此操作" in html(response)
        assert Resident.objects.count() == 3
        steps = AuditEvent.objects.filter(object_type="registry.ImportJob", object_id=str(job.pk))
        assert sorted(steps.values_list("action", flat=True)) == [
            "registry.import_check",
            "registry.import_finish",
            "registry.import_start",
            "registry.import_upload",
        ]
        assert not AuditEvent.objects.filter(action="registry.register_resident").exists()

    def test_cancel_deletes_the_upload(
        self, client: Client, world: World, var_dir: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(client, world, csv_bytes(family("1", 11)), django_capture_on_commit_callbacks)
        assert files_in(var_dir)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("registry:import_cancel", kwargs={"job_id": job.pk}))
        job.refresh_from_db()
        assert response.status_code == 302 and job.status == ImportStatus.CANCELLED
        assert files_in(var_dir) == []
        response = client.post(
            reverse("registry:import_start", kwargs={"job_id": job.pk}),
            {"mode": "good_rows"},
            follow=True,
        )
        assert "当前状态下不能进行此操作" in html(response)
        assert not Resident.objects.exists()


class TestTemplate:
    def test_excel_template_has_headers_example_and_instructions(self, client: Client) -> None:
        response = client.get(reverse("registry:import_template_xlsx"))
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        assert header[:5] == [
            "户编号(同一户填相同编号)",
            "与户主关系",
            "姓名",
            "证件类型",
            "证件号码",
        ]
        assert sheet["A2"].value == imports.EXAMPLE_KEY and sheet["E2"].number_format == "@"
        assert workbook.sheetnames[1] == "填写说明"
        assert any("示例" in str(cell.value) for cell in workbook.worksheets[1]["B"])

    @pytest.mark.parametrize("name", ["import_template_xlsx", "import_template_csv"])
    def test_importing_the_untouched_template_creates_nobody(
        self, client: Client, world: World, name: str, django_capture_on_commit_callbacks: Any
    ) -> None:
        template = client.get(reverse(f"registry:{name}")).content
        suffix = "xlsx" if name.endswith("xlsx") else "csv"
        job = checked(
            client, world, template, django_capture_on_commit_callbacks, name=f"模板.{suffix}"
        )
        job.refresh_from_db()
        assert job.status == ImportStatus.FAILED
        assert "没有数据行" in job.failure
        assert not Resident.objects.exists()

    def test_a_filled_in_excel_template_imports(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        workbook = load_workbook(
            io.BytesIO(client.get(reverse("registry:import_template_xlsx")).content)
        )
        sheet = workbook.worksheets[0]
        sheet.append(
            ["1", "户主", "王五", "居民身份证", pid(41), "", "", "", "", HOME_COMMUNITY, "001"]
        )
        buffer = io.BytesIO()
        workbook.save(buffer)
        job = checked(
            client, world, buffer.getvalue(), django_capture_on_commit_callbacks, name="填好了.xlsx"
        )
        job.refresh_from_db()
        assert (job.status, job.total_rows, job.bad_rows, job.format) == ("checked", 1, 0, "xlsx")
        job = start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        assert Resident.objects.get().name == "王五"


# --- Bad input ----------------------------------------------------------------------------------


class TestBadInput:
    def test_wrong_checksum_impossible_dates_and_mismatches(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        impossible = "32030219900230" + "123"
        from shequ.core.validators import id_check_character

        rows = [
            person("1", "户主", "甲", 11, sex="女"),  # the number says male
            person("1", "配偶", "乙", 12, birth_date="1980-02-30"),
            {"household": "1", "relation": "子女", "name": "丙",
             "id_number": impossible + id_check_character(impossible)},
            person("1", "父母", "丁", 13, birth_date="1979/12/31"),  # the number says 1980-01-01
            person("1", "兄弟姐妹", "戊", 14, phone="1390000"),
            person("1", "同事", "己", 15),
            {"household": "", "relation": "户主", "name": "庚", "id_number": pid(16)},
            {"household": "2", "relation": "户主", "name": "辛", "id_type": "护照", "id_number": ""},
        ]  # fmt: skip
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert errors_of(job) == [
            (2, "性别", "性别与身份证号码不符。"),
            (3, "出生日期", "出生日期不存在（例如 2 月 30 日），请核对。"),
            (4, "证件号码", "身份证号码中的出生日期不存在。"),
            (5, "出生日期", "出生日期与身份证号码不符。"),
            (6, "手机号", "请输入11位中国大陆手机号码（以1开头）。"),
            (7, "与户主关系", "与户主关系不正确，可填：户主、配偶、子女、父母、祖父母/外祖父母、孙子女/外孙子女、兄弟姐妹、媳婿、其他亲属、非亲属。"),
            (8, "户编号(同一户填相同编号)", "请填写户编号；同一户的成员填相同的编号。"),
            (9, "证件号码", "请填写证件号码。"),
        ]  # fmt: skip
        assert job.bad_rows == 8 and job.created_count == 0

    def test_an_id_twice_in_the_file_names_both_rows(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [*family("1", 11), *family("2", 21)]
        rows[5]["id_number"] = rows[0]["id_number"]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert errors_of(job) == [
            (2, "证件号码", "证件号码与第7行重复：同一个人只能填一行。"),
            (7, "证件号码", "证件号码与第2行重复：同一个人只能填一行。"),
        ]
        assert (job.bad_rows, job.created_count) == (2, 0)

    def test_a_household_split_over_the_file_is_reported(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [*family("1", 11), *family("2", 21)]
        rows.append(person("1", "子女", "张末", 31))
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        messages = errors_of(job)
        assert [(row, column) for row, column, _m in messages] == [
            (2, "户编号(同一户填相同编号)"),
            (8, "户编号(同一户填相同编号)"),
            (8, "与户主关系"),
        ]
        assert "同一户的成员请填写在相邻的行" in messages[0][2]

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            (["户编号", "关系", "姓名"], "缺少必填的列：证件号码。请使用导入模板中的列名。"),
            (
                ["户编号", "与户主关系", "姓名", "身份证"],
                "缺少必填的列：证件号码。无法识别的列：身份证。",
            ),
            (["户编号", "与户主关系", "姓名", "证件号码", "备注"], "无法识别的列：备注。"),
            (["户编号", "姓名", "姓名", "证件号码"], "列“姓名”出现了不止一次。"),
        ],
    )
    def test_missing_or_renamed_headers_are_named(
        self,
        client: Client,
        world: World,
        header: list[str],
        expected: str,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        content = (
            ",".join(header) + "\n" + ",".join(["1", "户主", "甲", pid(11)][: len(header)]) + "\n"
        ).encode()
        job = checked(client, world, content, django_capture_on_commit_callbacks)
        job.refresh_from_db()
        assert job.status == ImportStatus.FAILED
        assert expected in job.failure
        page = html(client.get(reverse("registry:import_job", kwargs={"job_id": job.pk})))
        assert expected in page

    def test_title_rows_blank_rows_and_spelled_out_values(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        lines = [
            "某某社区居民信息登记表,,,,",
            "户编号,关系,姓名,身份证号,性别",
            f"1,本人,甲,{pid(11)},男",
            ",,,,",
            "",
            f"1,妻,乙,{pid(12, sex_date := date(1982, 3, 4))},",
            f"1,长子,丙,x{pid(13)},",
        ]
        content = ("\n".join(lines) + "\n").encode()
        job = checked(client, world, content, django_capture_on_commit_callbacks)
        assert errors_of(job) == [(7, "证件号码", "身份证号码应为18位：17位数字加1位数字或X。")]
        assert (job.total_rows, job.bad_rows) == (3, 1)
        assert sex_date.year == 1982

    def test_excel_merged_cells_formulas_and_numbers_for_ids(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(list(HEADERS.values())[:7])
        sheet.append(["1", "户主", "甲", "", pid(11), "", ""])
        sheet.append(["", "配偶", "乙", "", pid(12), "", "=DATE(1980,1,1)"])
        numeric = next(pid(s) for s in range(13, 40) if pid(s)[-1].isdigit())
        sheet.append(["2", "户主", "丙", "", int(numeric), "", ""])
        sheet.append(["3", "户主", "丁", "", pid(14), "", "1980-01-01"])
        sheet.merge_cells("A2:A3")
        buffer = io.BytesIO()
        workbook.save(buffer)
        job = checked(
            client, world, buffer.getvalue(), django_capture_on_commit_callbacks, name="表.xlsx"
        )
        found = errors_of(job)
        assert [(row, column) for row, column, _m in found] == [
            (2, "户编号(同一户填相同编号)"),
            (3, "户编号(同一户填相同编号)"),
            (3, "出生日期"),
            (4, "证件号码"),
        ]
        assert "合并单元格（A2:A3）" in found[0][2]
        assert "选择性粘贴 → 数值" in found[2][2]
        assert "存成了数字" in found[3][2]
        assert job.created_count == 1  # 丁 only

    def test_a_png_named_xlsx_is_refused_at_upload(
        self, client: Client, world: World, var_dir: Path
    ) -> None:
        png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
        response = upload(
            client,
            world,
            png,
            name="居民.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        assert response.status_code == 200
        assert "文件内容不是表格（看起来是图片）" in html(response)
        assert not ImportJob.objects.exists() and files_in(var_dir) == []

    def test_a_zip_that_is_not_a_workbook_is_refused(self, client: Client, world: World) -> None:
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
        response = upload(client, world, buffer.getvalue(), name="居民.xlsx")
        assert "不是 Excel（.xlsx）表格" in html(response)
        assert not ImportJob.objects.exists()

    def test_a_file_over_the_size_limit_is_refused_while_it_arrives(
        self, client: Client, world: World, settings: Any, var_dir: Path
    ) -> None:
        settings.SHEQU_IMPORT_MAX_BYTES = 2000
        content = csv_bytes(family("1", 11) * 20)
        assert len(content) > 2000
        response = upload(client, world, content)
        assert response.status_code == 200
        assert "文件太大" in html(response) and "最大允许 2 KB" in html(response)
        assert not ImportJob.objects.exists() and files_in(var_dir) == []
        with pytest.raises(ValidationError, match="文件太大"):
            imports.start_import(
                file=SimpleUploadedFile("a.csv", content),
                by=world.users["community_staff"],
                region=world.regions[HOME_COMMUNITY],
            )

    def test_a_gbk_file_labelled_utf8_is_read_by_its_content(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [*family("1", 11), person("2", "户主", "欧阳娜娜", 21, estate="")]
        content = csv_bytes(rows, encoding="gbk")
        job = checked(
            client, world, content, django_capture_on_commit_callbacks,
            content_type="text/csv; charset=utf-8",
        )  # fmt: skip
        job.refresh_from_db()
        assert (job.encoding, job.bad_rows, job.created_count) == ("gb18030", 0, 4)
        start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
        assert Resident.objects.get(
            id_number_index__isnull=False, name="欧阳娜娜"
        ).name_keys.strip()

    def test_an_id_registered_in_another_county_says_nothing_of_where_or_whom(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        elsewhere = actions.register_household(
            community=world.regions[OTHER_COMMUNITY],
            grid=world.grids[OTHER_COMMUNITY + "001"],
            members=[MemberInput(name="【外县人】", relation=Relation.HEAD, id_number=pid(11))],
        )
        job = checked(client, world, csv_bytes(family("1", 11)), django_capture_on_commit_callbacks)
        (error,) = errors_of(job)
        assert error[:2] == (2, "证件号码")
        assert "已在本次导入范围以外登记" in error[2]
        page = html(client.get(reverse("registry:import_job", kwargs={"job_id": job.pk})))
        for secret in ("【外县人】", elsewhere.number, "320303", "【320303"):
            assert secret not in page and secret not in error[2]

    def test_places_must_exist_and_lie_in_scope(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [
            person("1", "户主", "甲", 11, community=OTHER_COMMUNITY),
            person("2", "户主", "乙", 12, grid="009"),
            person("3", "户主", "丙", 13, estate="没有这个小区"),
            person("4", "户主", "丁", 14, building="1号楼"),
            person("5", "户主", "戊", 15, community="320302002001"),
        ]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert errors_of(job) == [
            (2, "村(社区)代码", "村(社区)代码不存在或不在本次导入范围内。"),
            (3, "网格编号", "该村(社区)中没有这个网格编号。"),
            (4, "小区", "该村(社区)中没有这个小区（自然村），请先在区域管理中添加。"),
            (5, "楼栋", "填写楼栋时，请同时填写小区。"),
            (6, "村(社区)代码", "村(社区)代码不存在或不在本次导入范围内。"),
        ]

    def test_one_head_per_household(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [
            person("1", "户主", "甲", 11),
            person("1", "户主", "乙", 12),
            person("2", "配偶", "丙", 13),
        ]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert errors_of(job) == [
            (3, "与户主关系", "本户已有户主（第2行）：每户只能有一名户主。"),
            (4, "与户主关系", "本户（第4行起）没有户主：每户须有且只有一名户主。"),
        ]


# --- Modes, upserts, conflicts, resuming ----------------------------------------------------------


class TestImporting:
    def test_all_or_nothing_is_refused_with_bad_rows(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = family("1", 11)
        rows[2]["name"] = ""
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        response = client.post(
            reverse("registry:import_start", kwargs={"job_id": job.pk}),
            {"mode": "all_or_nothing"},
            follow=True,
        )
        assert "不能选择“全部无误才导入”" in html(response)
        job.refresh_from_db()
        assert job.status == ImportStatus.CHECKED and not Resident.objects.exists()

    def test_all_or_nothing_writes_nothing_when_a_row_fails_during_the_import(
        self, client: Client, world: World, staff: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [*family("1", 11), *family("2", 21), *family("3", 31)]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        # After the check, a colleague registers the last family's child by hand.
        actions.register_household(
            community=world.regions[HOME_COMMUNITY],
            grid=world.grids[HOME_GRID],
            members=[MemberInput(name="张小3", relation=Relation.HEAD, id_number=pid(33))],
            by=staff,
        )
        before = (
            Resident.objects.count(),
            Household.objects.count(),
            HouseholdMembership.objects.count(),
        )

        job = start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)

        assert job.status == ImportStatus.FAILED
        # The child is now head of the colleague's household, which the file's household leads to.
        assert job.failure.startswith("第8行“与户主关系”：户主只能在户页面通过“更换户主”变更")
        assert "没有导入任何数据" in job.failure
        after = (
            Resident.objects.count(),
            Household.objects.count(),
            HouseholdMembership.objects.count(),
        )
        assert after == before

    def test_someone_registered_after_the_check_is_not_registered_twice(
        self, client: Client, world: World, staff: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [*family("1", 11), *family("2", 21)]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert job.created_count == 6
        actions.register_household(
            community=world.regions[HOME_COMMUNITY],
            grid=world.grids[HOME_GRID],
            members=[MemberInput(name="李2", relation=Relation.HEAD, id_number=pid(22))],
            by=staff,
        )

        job = start(client, job, "good_rows", django_capture_on_commit_callbacks)

        assert (job.status, job.created_count, job.bad_rows) == ("done", 3, 2)
        assert (
            Resident.objects.filter(
                id_number_index=Resident.objects.get(name="李2").id_number_index
            ).count()
            == 1
        )
        assert set(Resident.objects.values_list("name", flat=True)) == {
            "张1",
            "李1",
            "张小1",
            "李2",
        }
        assert [row for row, _column, _message in errors_of(job)] == [5, 6]

    def test_good_rows_skips_every_row_of_a_household_with_a_bad_row(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [*family("1", 11), *family("2", 21)]
        rows[5]["birth_date"] = "not a date"
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        job = start(client, job, "good_rows", django_capture_on_commit_callbacks)
        assert (job.status, job.created_count, job.bad_rows) == ("done", 3, 1)
        assert set(Resident.objects.values_list("name", flat=True)) == {"张1", "李1", "张小1"}

    def test_importing_the_same_file_again_changes_nothing(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [*family("1", 11), *family("2", 21)]
        rows.append(
            {"household": "2", "relation": "孙子女/外孙子女", "name": "张无证", "id_type": "无证件"}
        )
        content = csv_bytes(rows)
        first = start(
            client,
            checked(client, world, content, django_capture_on_commit_callbacks),
            "all_or_nothing",
            django_capture_on_commit_callbacks,
        )
        assert (first.status, first.created_count) == ("done", 7)
        versions = dict(Resident.objects.values_list("pk", "version"))
        households = dict(Household.objects.values_list("pk", "version"))
        memberships = HouseholdMembership.objects.count()

        again = checked(client, world, content, django_capture_on_commit_callbacks)
        again.refresh_from_db()
        assert (
            again.bad_rows,
            again.created_count,
            again.updated_count,
            again.unchanged_count,
        ) == (0, 0, 0, 7)
        again = start(client, again, "good_rows", django_capture_on_commit_callbacks)

        assert (again.status, again.created_count, again.updated_count, again.unchanged_count) == (
            "done",
            0,
            0,
            7,
        )
        assert dict(Resident.objects.values_list("pk", "version")) == versions
        assert dict(Household.objects.values_list("pk", "version")) == households
        assert HouseholdMembership.objects.count() == memberships

    def test_changed_rows_update_the_records_found_by_id_number(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = family("1", 11)
        start(
            client,
            checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks),
            "good_rows",
            django_capture_on_commit_callbacks,
        )
        estate = Estate.objects.get(grid=world.grids[HOME_GRID])
        rows[1]["phone"] = "13800002222"
        rows[2]["relation"] = "孙子女/外孙子女"
        rows[0]["estate"] = estate.name
        rows[0]["phone"] = ""  # a blank cell leaves the stored phone alone
        job = start(
            client,
            checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks),
            "good_rows",
            django_capture_on_commit_callbacks,
        )
        assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 3, 0)
        spouse = Resident.objects.get(name="李1")
        assert spouse.phone == "13800002222" and spouse.version == 2
        assert Resident.objects.get(name="张1").phone == "13900001111"
        child = Resident.objects.get(name="张小1")
        assert child.relation == Relation.GRANDCHILD
        assert child.memberships.get(left_on__isnull=True).relation == Relation.GRANDCHILD
        home = Household.objects.get()
        assert home.estate == estate and home.version == 2

    def test_a_household_number_in_the_file_adds_to_that_household(
        self, client: Client, world: World, staff: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        home = actions.register_household(
            community=world.regions[HOME_COMMUNITY],
            grid=world.grids[HOME_GRID],
            members=[MemberInput(name="户主甲", relation=Relation.HEAD, id_number=pid(11))],
            by=staff,
        )
        rows = [
            {"household": home.number, "relation": "子女", "name": "新生儿", "id_type": "无证件"},
            {"household": home.number, "relation": "户主", "name": "户主甲", "id_number": pid(11)},
        ]
        job = start(
            client,
            checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks),
            "all_or_nothing",
            django_capture_on_commit_callbacks,
        )
        assert (job.created_count, job.unchanged_count) == (1, 1)
        baby = Resident.objects.get(name="新生儿")
        assert baby.household == home and baby.id_type == IdType.NONE and baby.id_number == ""
        rows[1]["relation"] = "配偶"
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert errors_of(job) == [
            (3, "与户主关系", "户主只能在户页面通过“更换户主”变更，导入不能更改户主。")
        ]

    def test_imported_people_join_the_duplicate_review_queue(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        earlier = actions.register_household(
            community=world.regions[HOME_COMMUNITY],
            members=[MemberInput(name="张1", relation=Relation.HEAD, id_number=pid(901))],
        ).head
        job = checked(client, world, csv_bytes(family("1", 11)), django_capture_on_commit_callbacks)

        job = start(client, job, "good_rows", django_capture_on_commit_callbacks)

        assert job.status == ImportStatus.DONE
        imported = Resident.objects.get(name="张1", household__head__name="张1", pk__gt=earlier.pk)
        candidate = DuplicateCandidate.objects.get()
        assert (candidate.resident_id, candidate.other_id) == (earlier.pk, imported.pk)
        assert candidate.reason == DuplicateReason.SAME_NAME_BIRTH_DATE

    def test_a_row_without_an_id_number_must_say_so(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [
            {"household": "1", "relation": "户主", "name": "甲", "id_type": "无证件"},
            {"household": "2", "relation": "户主", "name": "乙"},
        ]
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        assert [(row, column) for row, column, _m in errors_of(job)] == [
            (2, "户编号(同一户填相同编号)"),
            (3, "证件号码"),
        ]
        assert "至少为一名成员填写证件号码" in job.errors[0]["message"]
        assert "证件类型填“无证件”" in job.errors[1]["message"]

    @pytest.mark.parametrize("mode", ["good_rows", "all_or_nothing"])
    def test_a_household_edited_after_the_check_is_not_overwritten(
        self,
        client: Client,
        world: World,
        staff: Any,
        mode: str,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        rows = [*family("1", 11), *family("2", 21)]
        start(
            client,
            checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks),
            "good_rows",
            django_capture_on_commit_callbacks,
        )
        rows[1]["phone"] = "13800003333"
        rows[4]["phone"] = "13800004444"
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        # Between the check and the import, a colleague edits the first family's spouse.
        spouse = Resident.objects.get(name="李1")
        actions.update_resident(resident=spouse, changes={"phone": "13700005555"}, by=staff)

        job = start(client, job, mode, django_capture_on_commit_callbacks)

        assert Resident.objects.get(name="李1").phone == "13700005555"
        if mode == "good_rows":
            assert (job.status, job.updated_count, job.unchanged_count) == ("done", 1, 2)
            assert Resident.objects.get(name="李2").phone == "13800004444"
            assert errors_of(job)[-1][:2] == (2, "户编号(同一户填相同编号)")
            assert "检查之后被其他人修改过" in errors_of(job)[-1][2]
        else:
            assert job.status == ImportStatus.FAILED and "检查之后被其他人修改过" in job.failure
            assert Resident.objects.get(name="李2").phone == ""

    @pytest.mark.parametrize("mode", ["good_rows", "all_or_nothing"])
    def test_an_import_that_stopped_half_way_is_resumed(
        self,
        client: Client,
        world: World,
        var_dir: Path,
        mode: str,
        monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        monkeypatch.setattr(imports, "BATCH_ROWS", 200)
        padding = "号" * 150  # long rows: the file spans several encrypted chunks of 1 MiB
        rows = []
        for n in range(800):
            members = family(f"H{n}", 10 * n + 1, address=f"{n}室{padding}")
            for member in members:  # every row repeats the address, as offices' sheets often do
                member.update(grid="001", address=f"{n}室{padding}")
            rows += members
        job = checked(client, world, csv_bytes(rows), django_capture_on_commit_callbacks)
        job.refresh_from_db()
        assert (job.total_rows, job.bad_rows) == (2400, 0)
        stored = var_dir / "imports" / job.stored_name
        intact = stored.read_bytes()
        assert len(intact) > 1_100_000
        damaged = bytearray(intact)
        damaged[len(intact) - 100] ^= 0xFF  # the storage fails under the second chunk
        stored.write_bytes(bytes(damaged))

        job = start(client, job, mode, django_capture_on_commit_callbacks)

        assert job.status == ImportStatus.FAILED
        written = Resident.objects.count()
        if mode == "good_rows":
            assert (
                0 < job.processed_rows < 2400 and written == job.created_count == job.processed_rows
            )
        else:
            assert written == 0
        page = html(client.get(reverse("registry:import_job", kwargs={"job_id": job.pk})))
        assert "继续导入" in page
        stored.write_bytes(intact)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("registry:import_resume", kwargs={"job_id": job.pk}))
        job.refresh_from_db()
        assert response.status_code == 302
        assert (job.status, job.processed_rows, job.created_count) == ("done", 2400, 2400)
        assert Resident.objects.count() == 2400 and Household.objects.count() == 800

    def test_a_job_whose_worker_died_can_be_resumed_only_once_stale(
        self, client: Client, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = checked(client, world, csv_bytes(family("1", 11)), django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=False):  # the worker never runs
            client.post(
                reverse("registry:import_start", kwargs={"job_id": job.pk}), {"mode": "good_rows"}
            )
        job.refresh_from_db()
        assert job.status == ImportStatus.IMPORTING
        url = reverse("registry:import_resume", kwargs={"job_id": job.pk})
        assert "仍在进行中" in html(client.post(url, follow=True))
        ImportJob.objects.filter(pk=job.pk).update(
            updated_at=job.updated_at - timedelta(minutes=10)
        )
        assert "继续导入" in html(
            client.get(reverse("registry:import_job", kwargs={"job_id": job.pk}))
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)
        job.refresh_from_db()
        assert (job.status, job.created_count) == ("done", 3)


def test_a_thousand_rows_with_bad_ones_reported(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """The demo's done-when: a community worker imports a 1,000-row spreadsheet with bad rows
    reported (about 5 %), through the pages."""
    rows: list[dict[str, str]] = []
    bad_households = set()
    serial = 0
    n = 0
    while len(rows) < 1000:
        n += 1
        size = min((1, 2, 3, 4)[n % 4], 1000 - len(rows))
        for member in range(size):
            serial += 1
            relation = "户主" if member == 0 else ("配偶" if member == 1 else "子女")
            cells: dict[str, str] = {"phone": f"139{serial:08d}"} if member == 0 else {}
            if member == 0:
                cells.update(grid="001", address=f"{n}号")
            rows.append(person(f"A{n}", relation, f"居民{serial}", serial, **cells))
    for index in range(0, 1000, 20):  # 50 bad rows of several kinds
        row = rows[index]
        kind = (index // 20) % 5
        if kind == 0:
            row["id_number"] = row["id_number"][:-1] + ("1" if row["id_number"][-1] != "1" else "2")
        elif kind == 1:
            row["phone"] = "1234"
        elif kind == 2:
            row["birth_date"] = "2001-13-01"
        elif kind == 3:
            row["name"] = ""
        else:
            row["sex"] = "男女"
        bad_households.add(row["household"])
    good_rows = [row for row in rows if row["household"] not in bad_households]

    job = checked(
        client, world, csv_bytes(rows), django_capture_on_commit_callbacks, name="千人.csv"
    )
    job.refresh_from_db()
    assert (job.total_rows, job.bad_rows, len(job.errors)) == (1000, 50, 50)
    assert job.created_count == len(good_rows)
    page = html(client.get(reverse("registry:import_job", kwargs={"job_id": job.pk})))
    assert "有误的行（50 行）" in page

    job = start(client, job, "good_rows", django_capture_on_commit_callbacks)

    assert (job.status, job.processed_rows, job.created_count) == ("done", 1000, len(good_rows))
    assert Resident.objects.count() == len(good_rows)
    assert Household.objects.count() == len({row["household"] for row in good_rows})
    assert Household.objects.filter(head__isnull=True).count() == 0
