"""Importing community social organisations and service providers from spreadsheets: upload, dry
run, import.

The steps, states and promises are every import's (``core.import_jobs``). What is the organizations
app's:

- **Social organisations** (``OrgImport``): a row is one organisation at a township or community
  (所在地代码; may be left out when the import goes to one township or community). It is matched by
  统一社会信用代码 when given, otherwise by place and name; a known organisation is updated, a new one
  registered, so importing the same file again changes nothing. 品牌社会组织 (是/否) designates or
  revokes the brand.
- **Service providers** (``ProviderImport``): a row is one provider at a county or township, matched
  by 统一社会信用代码 (required). Property companies need ``organizations.manage_property``, the
  others ``organizations.edit`` (``actions.providers.perm_for``).
- Every row is written through the pages' own actions (``actions.social.register_organization`` …,
  ``actions.providers.register_provider`` …), so the same rules, jurisdiction checks and audit
  events apply. The dry run runs those actions too, inside a savepoint it rolls back: what it reports
  is what the import will meet.
- A blank cell leaves the stored value alone. Errors name the row and the column, never the value.
- At import time every row is checked and written again (under a lock of the import's place); a row
  whose organisation was registered or changed by someone after the dry run is not overwritten (the row
  is skipped, or all or nothing refused).
"""

from __future__ import annotations

import struct
import unicodedata
from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import spreadsheets
from shequ.core.import_jobs import (
    CREATED,
    MAX_ERRORS,
    UNCHANGED,
    UPDATED,
    Aborted,
    Applied,
    Importer,
    RepeatedRows,
)
from shequ.core.models import AbstractImportJob
from shequ.core.scoping import require_place
from shequ.core.spreadsheets import Column, SpreadsheetError
from shequ.core.validators import uscc_check_character, validate_phone, validate_uscc
from shequ.organizations import tasks
from shequ.organizations.actions import providers as provider_actions
from shequ.organizations.actions import social as social_actions
from shequ.organizations.models import (
    OrgImport,
    OrgKind,
    Provider,
    ProviderImport,
    ProviderKind,
    RegistrationStatus,
    SocialOrganization,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.territory.models import Level, Region

BATCH_ROWS = 200
EXAMPLE_NAME = "示例"  # the template's example row carries this name and is never imported
YES = ("是", "y", "yes", "true", "1", "√", "✓")
NO = ("否", "n", "no", "false", "0", "×")

J = TypeVar("J", bound=AbstractImportJob)

ColumnSpec = tuple[str, Any, bool, tuple[str, ...], str]


def _columns(specs: tuple[ColumnSpec, ...]) -> list[Column]:
    with translation.override("zh-hans"):
        chinese = {key: str(label) for key, label, *_rest in specs}
    return [
        Column(key, str(label), required, (chinese[key], *aliases), kind)
        for key, label, required, aliases, kind in specs
    ]


ORG_COLUMNS: tuple[ColumnSpec, ...] = (
    ("region", gettext_lazy("所在地代码"), False,
     ("社区代码", "村(社区)代码", "镇(街道)代码", "区划代码", "所在社区代码"), "identifier"),
    ("name", gettext_lazy("组织名称"), True, ("名称", "社会组织名称"), "text"),
    ("kind", gettext_lazy("组织类型"), False, ("类型", "类别"), "text"),
    ("registration", gettext_lazy("登记备案"), False, ("登记备案方式", "登记/备案"), "text"),
    ("uscc", gettext_lazy("统一社会信用代码"), False, ("信用代码", "社会信用代码"), "identifier"),
    ("filing_number", gettext_lazy("备案编号"), False, ("备案号",), "identifier"),
    ("founded_on", gettext_lazy("成立日期"), False, ("成立时间",), "date"),
    ("leader_name", gettext_lazy("负责人"), False, ("负责人姓名",), "text"),
    ("contact_phone", gettext_lazy("联系电话"), False, ("手机号", "电话"), "identifier"),
    ("members", gettext_lazy("成员数"), False, ("成员人数", "人数"), "text"),
    ("services", gettext_lazy("服务内容"), False, ("主要服务", "服务项目"), "text"),
    ("is_brand", gettext_lazy("品牌社会组织"), False, ("是否品牌社会组织", "品牌"), "text"),
)  # fmt: skip

PROVIDER_COLUMNS: tuple[ColumnSpec, ...] = (
    ("region", gettext_lazy("登记地区代码"), False,
     ("所在地代码", "区划代码", "县(区)代码", "镇(街道)代码"), "identifier"),
    ("kind", gettext_lazy("服务类型"), False, ("类型", "类别"), "text"),
    ("name", gettext_lazy("名称"), True, ("服务主体名称", "企业名称", "机构名称"), "text"),
    ("uscc", gettext_lazy("统一社会信用代码"), True, ("信用代码", "社会信用代码"), "identifier"),
    ("legal_representative", gettext_lazy("法定代表人"), False, ("法人代表", "法人"), "text"),
    ("contact_phone", gettext_lazy("联系电话"), False, ("电话", "手机号"), "identifier"),
    ("address", gettext_lazy("经营地址"), False, ("地址",), "text"),
    ("services", gettext_lazy("服务内容"), False, ("经营范围",), "text"),
    ("is_state_owned", gettext_lazy("国有企业"), False, ("是否国有企业", "国有"), "text"),
)  # fmt: skip

ORG_LIMITS = {"name": 120, "leader_name": 60, "filing_number": 40, "services": 4000}
PROVIDER_LIMITS = {"name": 150, "legal_representative": 60, "address": 200, "services": 2000}


def fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _choice_map(choices: Any, extra: dict[str, str] | None = None) -> dict[str, str]:
    found: dict[str, str] = {}
    for value, label in choices.choices:
        found[fold(value)] = value
        found[fold(str(label))] = value
        with translation.override("zh-hans"):
            found[fold(str(label))] = value
    for text, value in (extra or {}).items():
        found[fold(text)] = value
    return found


def labels_of(choices: Any) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in choices.choices)


def _yes_no(text: str) -> bool | None:
    folded = fold(text)
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise ValidationError(_("请填“是”或“否”，不填则不改变。"))


# --- One row's plan -----------------------------------------------------------------------------------


@dataclass(slots=True)
class RowPlan:
    number: int
    errors: list[tuple[str, str]]
    cells: dict[str, str] = field(default_factory=dict)  # the row's values, to keep out of messages
    region: Region | None = None
    target: Any = None  # the organisation or provider the row matched
    values: dict[str, Any] = field(default_factory=dict)  # for the actions, as typed
    brand: bool | None = None
    changes: bool = False  # does the row change the matched record's fields
    key: str = ""  # the row's identity within the file
    outcome: str = ""

    def error(self, key: str, message: str) -> None:
        self.errors.append((key, message))


class Context:
    """What checking and writing the rows of one job needs: its place, its importer's rights, lookups
    cached for the job."""

    def __init__(self, job: Any, columns: list[Column]) -> None:
        self.job = job
        self.by = job.created_by
        self.region = job.region
        self.import_scope = self.by.jurisdiction(OrganizationsPerm.IMPORT)
        self.labels = {column.key: str(column.label) for column in columns}
        self._regions: dict[str, Region | None] = {}

    def allows(self, path: str) -> bool:
        return path.startswith(self.region.path) and self.import_scope.covers_path(path)

    def place(self, code: str) -> Region | None:
        if code not in self._regions:
            self._regions[code] = Region.objects.filter(code=code).defer("geometry").first()
        return self._regions[code]


def _region_of(
    ctx: Context, plan: RowPlan, row: spreadsheets.Row, levels: tuple[str, ...], wrong_level: str
) -> Region | None:
    """The row's place: its code, or the import's place when the code is left out and that place may
    hold the row."""
    code = row.get("region")
    if not code:
        if ctx.region.level in levels:
            return ctx.region
        plan.error("region", _("请填写%(column)s。") % {"column": ctx.labels["region"]})
        return None
    region = ctx.place(code)
    if region is None:
        plan.error("region", _("区划代码不存在，请核对。"))
        return None
    if not ctx.allows(region.path):
        plan.error("region", _("该地区不在本次导入范围内。"))
        return None
    if region.level not in levels:
        plan.error("region", wrong_level)
        return None
    return region


def _limits(plan: RowPlan, row: spreadsheets.Row, limits: dict[str, int]) -> None:
    for key, limit in limits.items():
        if len(row.get(key)) > limit:
            plan.error(key, _("最多%(limit)s个字。") % {"limit": limit})


def _same_text(current: Any, text: str) -> bool:
    return str(current or "") == text


# --- Social organisations -----------------------------------------------------------------------------

ORG_TEXT = ("name", "filing_number", "leader_name", "services")


class OrgRows:
    """How a row of the social organisations' sheet is checked and written."""

    columns = ORG_COLUMNS
    kinds = _choice_map(OrgKind)
    registrations = _choice_map(
        RegistrationStatus,
        {"登记": "registered", "已登记": "registered", "民政": "registered", "备案": "filed",
         "街道备案": "filed", "乡镇备案": "filed"},
    )  # fmt: skip
    # The actions' field names → the sheet's columns; what a field-less message of a step concerns.
    fields = {"brand_since": "is_brand", "reason": "is_brand", "version": "name"}

    @staticmethod
    def denied() -> tuple[str, str]:
        return ("region", _("您没有在该地区登记或修改社会组织的权限。"))

    def plan(self, ctx: Context, row: spreadsheets.Row) -> RowPlan:
        get = row.get
        plan = RowPlan(number=row.number, errors=list(row.problems), cells=row.values)
        troubled = {key for key, _message in row.problems}
        uscc = ""
        if get("uscc") and "uscc" not in troubled:
            try:
                uscc = validate_uscc(get("uscc"))
            except ValidationError as exc:
                plan.error("uscc", exc.messages[0])
        known = (
            SocialOrganization.objects.filter(uscc=uscc).select_related("region").first()
            if uscc
            else None
        )
        if known is not None and not get("region") and ctx.allows(known.region.path):
            plan.region = known.region  # a blank cell keeps the organisation where it is
        elif "region" not in troubled:
            plan.region = _region_of(
                ctx, plan, row, (Level.TOWNSHIP, Level.COMMUNITY),
                _("社区社会组织应登记到镇(街道)或村(社区)。"),
            )  # fmt: skip
        _limits(plan, row, ORG_LIMITS)
        values: dict[str, Any] = {key: get(key) for key in ORG_TEXT if get(key)}
        for key, mapping, choices in (
            ("kind", self.kinds, OrgKind),
            ("registration", self.registrations, RegistrationStatus),
        ):
            if get(key):
                value = mapping.get(fold(get(key)))
                if value is None:
                    plan.error(key, _("可填：%(labels)s。") % {"labels": labels_of(choices)})
                else:
                    values[key] = value
        if uscc:
            values["uscc"] = uscc
        if get("founded_on"):
            values["founded_on"] = get("founded_on")
        if get("members"):
            values["members"] = get("members")
        phone = get("contact_phone")
        if phone and "contact_phone" not in troubled:
            try:
                values["contact_phone"] = validate_phone(phone)
            except ValidationError as exc:
                plan.error("contact_phone", exc.messages[0])
        if get("is_brand"):
            try:
                plan.brand = _yes_no(get("is_brand"))
            except ValidationError as exc:
                plan.error("is_brand", exc.messages[0])
        if not get("name") and "name" not in troubled:
            plan.error("name", _("请填写组织名称。"))

        existing = None
        if uscc:
            existing = known
            plan.key = f"uscc:{uscc}"
        elif plan.region is not None and get("name"):
            existing = (
                SocialOrganization.objects.filter(region=plan.region, name=get("name"))
                .select_related("region")
                .first()
            )
            plan.key = f"name:{plan.region.pk}:{get('name')}"
        if existing is not None and not ctx.allows(existing.region.path):
            plan.error(
                "uscc", _("该统一社会信用代码已被本次导入范围以外的社会组织登记，不能导入。")
            )
            existing = None
        elif (
            existing is not None
            and plan.region is not None
            and existing.region_id != plan.region.pk
        ):
            plan.error(
                "region",
                _(
                    "该组织已登记在另一个镇(街道)或村(社区)，导入不能变更其所在地，请在组织页面处理。"
                ),
            )
        plan.target = existing
        plan.values = values
        if existing is None:
            for key in ("kind", "registration"):
                if key not in values and not any(k == key for k, _m in plan.errors):
                    plan.error(
                        key, _("新登记的组织请填写%(column)s。") % {"column": ctx.labels[key]}
                    )
        if plan.errors:
            return plan
        if existing is None:
            plan.outcome = CREATED
            return plan
        plan.changes = not self._same(existing, values)
        brand_moves = plan.brand is not None and plan.brand != existing.is_brand
        plan.outcome = UPDATED if plan.changes or brand_moves else UNCHANGED
        return plan

    @staticmethod
    def _same(org: SocialOrganization, values: dict[str, Any]) -> bool:
        for key, value in values.items():
            current = getattr(org, key)
            if key == "founded_on":
                try:
                    if current != date.fromisoformat(value):
                        return False
                except ValueError:
                    return False
            elif key == "members":
                if str(current) != str(value).strip():
                    return False
            elif not _same_text(current, value):
                return False
        return True

    def write(self, ctx: Context, plan: RowPlan, version: int) -> None:
        """Write the row through the organisation actions; a step's refusal (``StepRefused``) is
        reported under the column it concerns."""
        assert plan.region is not None
        org = plan.target
        if org is None:
            org = _step(
                "name",
                social_actions.register_organization,
                region=plan.region,
                by=ctx.by,
                **plan.values,
            )
        elif plan.changes:
            org = _step(
                "name",
                social_actions.update_organization,
                organization=org,
                by=ctx.by,
                version=version,
                **plan.values,
            )
        if plan.brand is True and not org.is_brand:
            _step("is_brand", social_actions.designate_brand, organization=org, by=ctx.by)
        elif plan.brand is False and org.is_brand:
            _step(
                "is_brand",
                social_actions.revoke_brand,
                organization=org,
                by=ctx.by,
                reason=_("批量导入：表格中“品牌社会组织”填“否”。"),
            )


# --- Service providers --------------------------------------------------------------------------------

PROVIDER_TEXT = ("name", "legal_representative", "address", "services")


class ProviderRows:
    """How a row of the service providers' sheet is checked and written."""

    columns = PROVIDER_COLUMNS
    kinds = _choice_map(ProviderKind, {"养老": "elderly_care", "托育": "childcare",
                                       "家政": "housekeeping", "物业": "property"})  # fmt: skip
    fields = {
        "version": "uscc",
        "handling_unit": "name",
        "social_organization": "name",
        "is_red_property": "kind",
        "red_property_since": "kind",
    }

    @staticmethod
    def denied() -> tuple[str, str]:
        return (
            "kind",
            _(
                "您没有登记或修改此类服务主体的权限：物业服务企业须有物业管理权限，其他须有社会组织登记权限。"
            ),
        )

    def plan(self, ctx: Context, row: spreadsheets.Row) -> RowPlan:
        get = row.get
        plan = RowPlan(number=row.number, errors=list(row.problems), cells=row.values)
        troubled = {key for key, _message in row.problems}
        uscc = ""
        if "uscc" not in troubled:
            if not get("uscc"):
                plan.error("uscc", _("请填写统一社会信用代码。"))
            else:
                try:
                    uscc = validate_uscc(get("uscc"))
                except ValidationError as exc:
                    plan.error("uscc", exc.messages[0])
        existing = (
            Provider.objects.filter(uscc=uscc).select_related("region").first() if uscc else None
        )
        if existing is not None and not get("region") and ctx.allows(existing.region.path):
            plan.region = existing.region  # a blank cell keeps the provider where it is
        elif "region" not in troubled:
            plan.region = _region_of(
                ctx, plan, row, (Level.COUNTY, Level.TOWNSHIP),
                _("服务主体应登记到县(区)或乡镇(街道)，不能登记到村(社区)或市。"),
            )  # fmt: skip
        _limits(plan, row, PROVIDER_LIMITS)
        values: dict[str, Any] = {key: get(key) for key in PROVIDER_TEXT if get(key)}
        if get("kind"):
            kind = self.kinds.get(fold(get("kind")))
            if kind is None:
                plan.error("kind", _("可填：%(labels)s。") % {"labels": labels_of(ProviderKind)})
            else:
                values["kind"] = kind
        if uscc:
            values["uscc"] = uscc
        phone = get("contact_phone")
        if phone and "contact_phone" not in troubled:
            try:
                values["contact_phone"] = provider_actions.clean_phone(phone)
            except ValidationError as exc:
                plan.error("contact_phone", exc.messages[0])
        if get("is_state_owned"):
            try:
                values["is_state_owned"] = _yes_no(get("is_state_owned"))
            except ValidationError as exc:
                plan.error("is_state_owned", exc.messages[0])
        if not get("name") and "name" not in troubled:
            plan.error("name", _("请填写服务主体名称。"))

        if uscc:
            plan.key = f"uscc:{uscc}"
            if existing is not None and not ctx.allows(existing.region.path):
                plan.error(
                    "uscc",
                    _("该统一社会信用代码已被本次导入范围以外的服务主体登记，不能导入。"),
                )
                existing = None
        plan.target = existing
        plan.values = values
        if (
            existing is None
            and "kind" not in values
            and "kind" not in troubled
            and not any(k == "kind" for k, _m in plan.errors)
        ):
            plan.error("kind", _("新登记的服务主体请填写服务类型。"))
        if plan.errors:
            return plan
        if existing is None:
            plan.outcome = CREATED
            return plan
        assert plan.region is not None
        same = existing.region_id == plan.region.pk and all(
            getattr(existing, key) == value if key == "is_state_owned"
            else _same_text(getattr(existing, key), value)
            for key, value in values.items()
        )  # fmt: skip
        plan.changes = not same
        plan.outcome = UNCHANGED if same else UPDATED
        return plan

    def write(self, ctx: Context, plan: RowPlan, version: int) -> None:
        assert plan.region is not None
        if plan.target is None:
            _step("name", provider_actions.register_provider, region=plan.region, by=ctx.by,
                  **plan.values)  # fmt: skip
        elif plan.changes:
            _step("name", provider_actions.update_provider, provider=plan.target, by=ctx.by,
                  version=version, region=plan.region, **plan.values)  # fmt: skip


class StepRefused(Exception):
    """An action refused a row: its messages by field, and the column a field-less message concerns."""

    def __init__(self, column: str, exc: Exception) -> None:
        super().__init__(column)
        self.column = column
        self.exc = exc


def _step(column: str, action: Any, **kwargs: Any) -> Any:
    try:
        return action(**kwargs)
    except (ValidationError, PermissionDenied) as exc:
        raise StepRefused(column, exc) from exc


def _scrub(message: str, plan: RowPlan) -> str:
    """A message of an action never repeats a cell's value (a phone, a code, a name), as typed or as
    normalised."""
    values = [*plan.cells.values(), *(v for v in plan.values.values() if isinstance(v, str))]
    for value in sorted(values, key=len, reverse=True):
        if len(value) >= 2 and value in message:
            message = message.replace(value, "…")
    return message


def _refusals(
    refused: StepRefused,
    plan: RowPlan,
    labels: dict[str, str],
    fields: dict[str, str],
    denied: tuple[str, str],
) -> list[tuple[str, str]]:
    exc = refused.exc
    if isinstance(exc, PermissionDenied):
        return [denied]
    assert isinstance(exc, ValidationError)
    found: list[tuple[str, str]] = []
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            key = fields.get(name, name)
            if key not in labels:
                key = refused.column
            found += [(key, _scrub(message, plan)) for message in messages[:1]]
    else:
        found += [(refused.column, _scrub(message, plan)) for message in exc.messages[:1]]
    return found


class _Rollback(Exception):
    """Ends the dry run's savepoint: the actions ran, nothing stays."""


# --- The plan file: per row, the record it matched and whether it is bad -----------------------------

PLAN_RECORD = struct.Struct("<IIIB")  # row number, matched id (0: new), its version, bad


@dataclass(frozen=True)
class PlanRecord:
    number: int
    target: int
    version: int
    bad: bool


def read_plan(path: Path) -> Iterator[PlanRecord]:
    with open(path, "rb") as stream:
        while chunk := stream.read(PLAN_RECORD.size * 4096):
            for number, target, version, bad in PLAN_RECORD.iter_unpack(chunk):
                yield PlanRecord(number, target, version, bool(bad))


def _data_rows(sheet: spreadsheets.Sheet) -> Iterator[spreadsheets.Row]:
    for row in sheet:
        if row.get("name") == EXAMPLE_NAME:
            continue
        yield row


def _conflict() -> str:
    return _(
        "该记录在检查之后被其他人登记或修改过，为免覆盖他人的修改，本行未导入。请重新上传检查后再导入。"
    )


Rows = OrgRows | ProviderRows
Item = tuple[spreadsheets.Row, PlanRecord]


@dataclass
class _Run:
    importer: _RowImporter[Any]
    job: Any
    ctx: Context

    def batches(self, stream: IO[bytes], *, after: int) -> Iterator[tuple[list[Item], int]]:
        sheet = self.importer.sheet(self.job, stream)
        records = read_plan(self.importer.path(self.job, ".plan"))
        batch: list[Item] = []
        done = 0
        for row in _data_rows(sheet):
            record = next(records, None)
            if record is None or record.number != row.number:
                raise SpreadsheetError(_("文件内容与检查时不一致，请重新上传。"))
            done += 1
            if done <= after:
                continue
            batch.append((row, record))
            if len(batch) >= BATCH_ROWS:
                yield batch, len(batch)
                batch = []
        if batch:
            yield batch, len(batch)

    def apply(self, batch: list[Item], *, abort: bool, attempt: int) -> Applied:
        return self.importer.apply(self.ctx, batch, abort=abort)


class _RowImporter(Importer[J]):
    """An import whose rows are written one by one through the app's actions."""

    rows: Rows
    edit_permissions: tuple[str, ...]
    refusal: str | Any

    def check_region(self, by: Any, region: Region) -> None:
        require_place(by, OrganizationsPerm.IMPORT, region.path, str(self.refusal))
        for permission in self.edit_permissions:
            if by.has_permission(permission) and by.jurisdiction(permission).covers_path(
                region.path
            ):
                return
        raise PermissionDenied(str(self.refusal))

    def may_act(self, job: J, by: Any) -> None:
        require_place(by, OrganizationsPerm.IMPORT, job.region.path, str(self.refusal))  # type: ignore[attr-defined]

    def columns(self) -> list[Column]:
        return _columns(self.rows.columns)

    def context(self, job: J) -> Context:
        return Context(job, self.columns())

    def run(self, job: J) -> _Run:
        return _Run(self, job, self.context(job))

    def _try(self, ctx: Context, plan: RowPlan, version: int) -> list[tuple[str, str]]:
        """Write the row; its refusals by column (none: written)."""
        try:
            with transaction.atomic():
                self.rows.write(ctx, plan, version)
        except StepRefused as refused:
            return _refusals(refused, plan, ctx.labels, self.rows.fields, self.rows.denied())
        return []

    def _rehearse(self, ctx: Context, plan: RowPlan) -> list[tuple[str, str]]:
        """The row written and rolled back: what the actions would refuse."""
        version = plan.target.version if plan.target is not None else 0
        problems: list[tuple[str, str]] = []
        try:
            with transaction.atomic():
                problems = self._try(ctx, plan, version)
                raise _Rollback
        except _Rollback:
            pass
        return problems

    def dry_run(self, job: J, sheet: spreadsheets.Sheet) -> dict[str, Any]:
        ctx = self.context(job)
        labels = ctx.labels
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        plans: list[tuple[int, int, int, list[tuple[str, str]], str]] = []
        repeated = RepeatedRows()
        key_column: dict[int, str] = {}
        for row in _data_rows(sheet):
            plan = self.rows.plan(ctx, row)
            target = plan.target
            matched = (target.pk, target.version) if target is not None else (0, 0)
            if not plan.errors and plan.outcome != UNCHANGED:
                plan.errors = self._rehearse(ctx, plan)
            plans.append((plan.number, *matched, plan.errors, plan.outcome))
            if plan.key:
                key_column[plan.number] = "uscc" if plan.key.startswith("uscc:") else "name"
                repeated.add(plan.key, plan.number)
            if len(plans) % BATCH_ROWS == 0:
                self.check_progress(job, sheet, len(plans))
        same = {
            number: _("与第%(rows)s行是同一组织：同一组织只能填一行。") % {"rows": listed}
            for number, listed in repeated.others().items()
        }
        errors: list[dict[str, Any]] = []
        bad_rows = 0
        with open(self.path(job, ".plan"), "wb") as out:
            for number, target, version, problems, outcome in plans:
                if number in same:
                    problems = [*problems, (key_column[number], same[number])]
                bad = bool(problems)
                if bad:
                    bad_rows += 1
                    room = MAX_ERRORS - len(errors)
                    errors += [
                        {"row": number, "column": labels.get(key, ""), "message": str(message)}
                        for key, message in problems[: max(room, 0)]
                    ]
                else:
                    counts[outcome] += 1
                out.write(PLAN_RECORD.pack(number, target, version, int(bad)))
        return {
            "total_rows": len(plans),
            "checked_rows": len(plans),
            "bad_rows": bad_rows,
            "created_count": counts[CREATED],
            "updated_count": counts[UPDATED],
            "unchanged_count": counts[UNCHANGED],
            "errors": errors,
        }

    def apply(self, ctx: Context, items: list[Item], *, abort: bool) -> Applied:
        """Check one batch again under a lock of the import's place and write its good rows."""
        list(Region.objects.select_for_update().filter(pk=ctx.region.pk).values_list("pk"))
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        errors: list[dict[str, Any]] = []

        def refuse(number: int, problems: list[tuple[str, str]]) -> None:
            if abort:
                key, message = problems[0]
                raise Aborted.at(number, ctx.labels.get(key, ""), message)
            errors.extend(
                {"row": number, "column": ctx.labels.get(key, ""), "message": str(message)}
                for key, message in problems
            )

        for row, record in items:
            if record.bad:
                continue
            plan = self.rows.plan(ctx, row)
            target = plan.target
            problems = plan.errors
            if not problems and (
                (target.pk if target is not None else 0) != record.target
                or (target is not None and target.version != record.version)
            ):
                problems = [("uscc" if row.get("uscc") else "name", _conflict())]
            if not problems and plan.outcome != UNCHANGED:
                problems = self._try(ctx, plan, record.version)
            if problems:
                refuse(plan.number, problems)
                continue
            counts[plan.outcome] += 1
        return counts, errors, len({error["row"] for error in errors})

    @abstractmethod
    def example(self, community_code: str) -> dict[str, str]: ...


class _Organizations(_RowImporter[OrgImport]):
    model = OrgImport
    noun = "social organization import"
    directory = "org_imports"
    permission = OrganizationsPerm.IMPORT
    finish_fields = ("organizations",)
    check_task = tasks.check_org_import
    run_task = tasks.run_org_import
    rows = OrgRows()
    edit_permissions = (OrganizationsPerm.EDIT,)
    refusal = gettext_lazy("您不能向所选的地方导入社会组织。")
    empty_file = gettext_lazy("表格中没有数据行（名称为“示例”的示例行不会导入）。")
    clash_all_or_nothing = gettext_lazy(
        "导入时有其他人同时登记了相同的社会组织，没有写入任何数据。请点击“继续导入”重新导入。"
    )
    clash_good_rows = gettext_lazy(
        "导入时有其他人同时登记了相同的社会组织。已导入的部分保留，可点击“继续导入”。"
    )
    sheet_title = gettext_lazy("社区社会组织")
    general_note = gettext_lazy(
        "每行一个社区社会组织。有统一社会信用代码的按代码匹配已登记的组织，没有的按所在地和名称匹配；"
        "空白的格子不会清除已登记的信息，重复导入同一文件不会重复登记。"
    )

    def example(self, community_code: str) -> dict[str, str]:
        return {
            "region": community_code,
            "name": EXAMPLE_NAME,
            "kind": str(OrgKind.MUTUAL_HELP.label),
            "registration": str(RegistrationStatus.FILED.label),
            "uscc": "",
            "filing_number": "备-2024-001",
            "founded_on": "2020-05-01",
            "leader_name": "张敏",
            "contact_phone": "13912345678",
            "members": "25",
            "services": "独居老人探访、邻里互助",
            "is_brand": "否",
        }

    def notes(self) -> dict[str, str]:
        return {
            "region": _("组织所在村(社区)或镇(街道)的区划代码，须在本次导入范围内；导入到一个村(社区)或镇(街道)时可以不填。"),
            "name": _("最多120个字。同一地方的组织名称不能重复。名称为“示例”的行不会导入。"),
            "kind": _("新登记的组织必填。可填：%(labels)s。") % {"labels": labels_of(OrgKind)},
            "registration": _("新登记的组织必填。可填：%(labels)s（也可填“登记”或“备案”）。") % {"labels": labels_of(RegistrationStatus)},
            "uscc": _("18位统一社会信用代码，民政登记的组织必填，备案的组织不填；填了的按此匹配已登记的组织。请把这一列设为“文本”格式。"),
            "filing_number": _("街道(乡镇)备案的组织必填。"),
            "founded_on": _("日期，如 2020-05-01，不能晚于今天。"),
            "leader_name": _("最多60个字。"),
            "contact_phone": _("11位手机号。"),
            "members": _("整数。"),
            "services": _("最多4000个字。"),
            "is_brand": _("填“是”认定为品牌社会组织（认定日期为导入当天），填“否”撤销认定；不填则不改变。"),
        }  # fmt: skip

    def choices(self) -> dict[str, list[str]]:
        return {
            "kind": [str(label) for _v, label in OrgKind.choices],
            "registration": [str(label) for _v, label in RegistrationStatus.choices],
            "is_brand": ["是", "否"],
        }


class _Providers(_RowImporter[ProviderImport]):
    model = ProviderImport
    noun = "provider import"
    directory = "provider_imports"
    permission = OrganizationsPerm.IMPORT
    finish_fields = ("providers",)
    check_task = tasks.check_provider_import
    run_task = tasks.run_provider_import
    rows = ProviderRows()
    edit_permissions = (OrganizationsPerm.EDIT, OrganizationsPerm.MANAGE_PROPERTY)
    refusal = gettext_lazy("您不能向所选的地方导入服务主体。")
    empty_file = gettext_lazy("表格中没有数据行（名称为“示例”的示例行不会导入）。")
    clash_all_or_nothing = gettext_lazy(
        "导入时有其他人同时登记了相同统一社会信用代码的服务主体，没有写入任何数据。请点击“继续导入”重新导入。"
    )
    clash_good_rows = gettext_lazy(
        "导入时有其他人同时登记了相同统一社会信用代码的服务主体。已导入的部分保留，可点击“继续导入”。"
    )
    sheet_title = gettext_lazy("服务主体")
    general_note = gettext_lazy(
        "每行一个服务主体，按统一社会信用代码匹配已登记的服务主体；空白的格子不会清除已登记的信息，"
        "重复导入同一文件不会重复登记。物业服务企业须有物业管理权限，其他须有社会组织登记权限。"
    )

    def example(self, community_code: str) -> dict[str, str]:
        county = community_code[:6]
        return {
            "region": county,
            "kind": str(ProviderKind.ELDERLY_CARE.label),
            "name": EXAMPLE_NAME,
            "uscc": _example_uscc(county or "320302"),
            "legal_representative": "李明",
            "contact_phone": "0516-83801234",
            "address": "幸福路1号",
            "services": "居家养老上门服务、助餐",
            "is_state_owned": "否",
        }

    def notes(self) -> dict[str, str]:
        return {
            "region": _("登记地县(区)或乡镇(街道)的区划代码，须在本次导入范围内；导入到一个县(区)或乡镇(街道)时可以不填。"),
            "kind": _("新登记的服务主体必填。可填：%(labels)s。") % {"labels": labels_of(ProviderKind)},
            "name": _("最多150个字。名称为“示例”的行不会导入。"),
            "uscc": _("18位统一社会信用代码，按此匹配已登记的服务主体。请把这一列设为“文本”格式。"),
            "legal_representative": _("最多60个字。"),
            "contact_phone": _("11位手机号，或带区号的固定电话（例如 0516-83801234）。"),
            "address": _("最多200个字。"),
            "services": _("最多2000个字。"),
            "is_state_owned": _("填“是”或“否”；不填则新登记的为“否”，已登记的不改变。"),
        }  # fmt: skip

    def choices(self) -> dict[str, list[str]]:
        return {
            "kind": [str(label) for _v, label in ProviderKind.choices],
            "is_state_owned": ["是", "否"],
        }


def _example_uscc(area: str) -> str:
    first17 = f"91{area}MA1W0001"[:17].ljust(17, "0")
    return first17 + uscc_check_character(first17)


ORG_IMPORTER = _Organizations()
PROVIDER_IMPORTER = _Providers()


def run_org_check(*, job_id: int) -> None:
    ORG_IMPORTER.run_check(job_id=job_id)


def run_org_import(*, job_id: int) -> None:
    ORG_IMPORTER.run_import(job_id=job_id)


def run_provider_check(*, job_id: int) -> None:
    PROVIDER_IMPORTER.run_check(job_id=job_id)


def run_provider_import(*, job_id: int) -> None:
    PROVIDER_IMPORTER.run_import(job_id=job_id)
