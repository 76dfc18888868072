"""Writes about visits to vulnerable residents (G2): visit rules as data (a county's or the city's),
plan generation (set-based, idempotent), assigning a visitor, and recording a visit whose findings
open one case in the same transaction.

Plan generation is one ``INSERT … SELECT`` per (rule, period, chunk of communities): the residents,
their care-group tags and the grid workers are joined in the database, never loaded as objects
(bench/bench_visit_plans.py). The unique constraint (rule, resident, period) makes re-running it add
only what is new.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from shequ.care.models import (
    FINDING_FOLLOW_UP,
    Finding,
    FollowUp,
    Visit,
    VisitFrequency,
    VisitMode,
    VisitorKind,
    VisitPlan,
    VisitPlanStatus,
    VisitRule,
)
from shequ.care.permissions import CarePerm
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.models import CaseKind, Category, Channel, Priority
from shequ.cases.permissions import CasesPerm
from shequ.core import audit, calendar, images
from shequ.core.scoping import require_place
from shequ.registry.models import CareGroup, LifeStatus, Resident
from shequ.territory.models import Level, Region

REFUSED = _("不在您的管辖范围内，或您没有此项权限。")
RULE_LEVELS = (Level.COUNTY, Level.CITY)
CHECKLIST_MAX_ITEMS = 12
CHECKLIST_ITEM_MAX = 40
NOTE_MAX = 2000
CHUNK = 500
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
LAT_RANGE, LNG_RANGE = (18.0, 54.0), (73.0, 135.5)
ELDERLY_GROUPS = frozenset(
    {
        CareGroup.EXTREME_POVERTY,
        CareGroup.EMPTY_NEST_ELDERLY,
        CareGroup.LIVING_ALONE_ELDERLY,
        CareGroup.OLDEST_OLD,
        CareGroup.DEPENDENT_ELDERLY,
    }
)


def _require(by: Any, perm: str, path: str) -> None:
    require_place(by, perm, path, str(REFUSED))


# --- Rules ------------------------------------------------------------------------------------------


def default_rules() -> list[dict[str, Any]]:
    """The recommended rules (民政部门常见做法): a county adopts them with one button and edits them."""
    home = [_("居住环境是否安全"), _("饮食起居是否正常"), _("身体状况是否良好")]
    elderly = [*home, _("取暖或降温设施是否正常"), _("是否按时服药")]
    child = [_("监护人是否在位"), _("是否正常上学"), _("身心状况是否良好"), _("居住环境是否安全")]
    V, F_, M = VisitorKind, VisitFrequency, VisitMode
    rows = [
        (CareGroup.EXTREME_POVERTY, M.IN_PERSON, F_.MONTHLY, V.GRID_WORKER, elderly),
        (CareGroup.LIVING_ALONE_ELDERLY, M.PHONE, F_.WEEKLY, V.GRID_WORKER, [_("是否接通电话"), *home]),
        (CareGroup.LIVING_ALONE_ELDERLY, M.IN_PERSON, F_.MONTHLY, V.GRID_WORKER, elderly),
        (CareGroup.DEPENDENT_ELDERLY, M.IN_PERSON, F_.MONTHLY, V.GRID_WORKER, [*elderly, _("照护人是否在位")]),
        (CareGroup.CHILD_IN_DIFFICULTY, M.IN_PERSON, F_.QUARTERLY, V.COMMUNITY_WORKER, child),
        (CareGroup.LEFT_BEHIND_CHILD, M.IN_PERSON, F_.MONTHLY, V.COMMUNITY_WORKER, child),
        (CareGroup.DISABLED, M.IN_PERSON, F_.QUARTERLY, V.GRID_WORKER, [*home, _("辅具是否需要更换")]),
        (CareGroup.DIBAO, M.IN_PERSON, F_.QUARTERLY, V.COMMUNITY_WORKER, [*home, _("家庭收入是否有变化")]),
    ]  # fmt: skip
    return [
        {"group": g, "mode": m, "frequency": f, "visitor_kind": v, "checklist": [str(i) for i in c]}
        for g, m, f, v, c in rows
    ]


def clean_checklist(items: Any) -> list[str]:
    if isinstance(items, str):
        items = items.splitlines()
    cleaned = [str(item).strip() for item in items or [] if str(item).strip()]
    cleaned = list(dict.fromkeys(cleaned))
    if not cleaned:
        raise ValidationError({"checklist": _("请至少填写一项探访要点。")})
    if len(cleaned) > CHECKLIST_MAX_ITEMS:
        raise ValidationError(
            {"checklist": _("探访要点最多 %(n)d 项。") % {"n": CHECKLIST_MAX_ITEMS}}
        )
    if any(len(item) > CHECKLIST_ITEM_MAX for item in cleaned):
        raise ValidationError(
            {"checklist": _("每项探访要点不能超过 %(n)d 个字。") % {"n": CHECKLIST_ITEM_MAX}}
        )
    return cleaned


def _check_rule_fields(frequency: str, visitor_kind: str) -> None:
    errors = {}
    if frequency not in VisitFrequency.values:
        errors["frequency"] = _("请选择探访频次。")
    if visitor_kind not in VisitorKind.values:
        errors["visitor_kind"] = _("请选择探访人。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_rule(
    *,
    region: Region,
    group: str,
    mode: str,
    frequency: str,
    visitor_kind: str,
    checklist: Any,
    by: Any,
) -> VisitRule:
    """A rule for one care group and mode, set by a county or the city for its subtree."""
    _require(by, CarePerm.CONFIGURE, region.path)
    errors = {}
    if region.level not in RULE_LEVELS:
        errors["region"] = _("探访规则只能由县(市、区)或市设置。")
    if group not in CareGroup.values:
        errors["group"] = _("请选择关爱类别。")
    if mode not in VisitMode.values:
        errors["mode"] = _("请选择探访方式。")
    if errors:
        raise ValidationError(errors)
    _check_rule_fields(frequency, visitor_kind)
    items = clean_checklist(checklist)
    if VisitRule.objects.filter(region=region, group=group, mode=mode).exists():
        raise ValidationError({"group": _("该区域已有这一类别、这一方式的探访规则，请直接修改。")})
    try:
        with transaction.atomic():
            rule = VisitRule.objects.create(
                region=region,
                group=group,
                mode=mode,
                frequency=frequency,
                visitor_kind=visitor_kind,
                checklist=items,
                updated_by=by,
                updated_at=calendar.now(),
            )
    except IntegrityError:
        raise ValidationError(
            {"group": _("该区域已有这一类别、这一方式的探访规则，请直接修改。")}
        ) from None
    audit.record("care.rule_create", obj=rule, actor=by, fields=["group", "mode", "frequency"])
    return rule


@transaction.atomic
def edit_rule(
    *,
    rule: VisitRule,
    version: int,
    frequency: str,
    visitor_kind: str,
    checklist: Any,
    is_active: bool = True,
    by: Any,
) -> VisitRule:
    """Change a rule's frequency, visitor, checklist or switch it off (conditional on ``version``).
    Plans already made keep their rule; switching a rule off cancels its future planned visits the
    next time plans are generated."""
    _require(by, CarePerm.CONFIGURE, rule.region.path)
    _check_rule_fields(frequency, visitor_kind)
    items = clean_checklist(checklist)
    changed = VisitRule.objects.filter(pk=rule.pk, version=version).update(
        frequency=frequency,
        visitor_kind=visitor_kind,
        checklist=items,
        is_active=is_active,
        updated_by=by,
        updated_at=calendar.now(),
        version=F("version") + 1,
    )
    if changed != 1:
        raise ValidationError({"version": _("该规则刚刚已被他人修改，请刷新页面后再改。")})
    rule.refresh_from_db()
    audit.record(
        "care.rule_edit",
        obj=rule,
        actor=by,
        fields=["frequency", "visitor_kind", "checklist", "is_active"],
    )
    return rule


def deactivate_rule(*, rule: VisitRule, version: int, by: Any) -> VisitRule:
    return edit_rule(
        rule=rule,
        version=version,
        frequency=rule.frequency,
        visitor_kind=rule.visitor_kind,
        checklist=rule.checklist,
        is_active=False,
        by=by,
    )


@transaction.atomic
def load_default_rules(*, region: Region, by: Any) -> int:
    """ "Use the recommended rules": adds each recommended rule the region does not have yet."""
    _require(by, CarePerm.CONFIGURE, region.path)
    if region.level not in RULE_LEVELS:
        raise ValidationError({"region": _("探访规则只能由县(市、区)或市设置。")})
    have = set(VisitRule.objects.filter(region=region).values_list("group", "mode"))
    now = calendar.now()
    made = [
        VisitRule(region=region, updated_by=by, updated_at=now, **row)
        for row in default_rules()
        if (row["group"], row["mode"]) not in have
    ]
    VisitRule.objects.bulk_create(made, ignore_conflicts=True)
    audit.record(
        "care.rule_defaults", obj=region, actor=by, fields=["rules"], object_repr=region.name
    )
    return len(made)


# --- Periods ----------------------------------------------------------------------------------------


def period_of(day: date, frequency: str) -> tuple[date, date]:
    """The (first, last) day of the week, month or quarter containing ``day``."""
    if frequency == VisitFrequency.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    first_month = day.month if frequency == VisitFrequency.MONTHLY else (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    months = 1 if frequency == VisitFrequency.MONTHLY else 3
    year, month = divmod(first_month - 1 + months, 12)
    return start, date(day.year + year, month + 1, 1) - timedelta(days=1)


def periods_in_month(month_start: date, frequency: str) -> list[tuple[date, date]]:
    """The periods of ``frequency`` overlapping the month that starts on ``month_start``."""
    _start, month_end = period_of(month_start, VisitFrequency.MONTHLY)
    found: list[tuple[date, date]] = []
    day = month_start
    while day <= month_end:
        period = period_of(day, frequency)
        if period not in found:
            found.append(period)
        day = period[1] + timedelta(days=1)
    return found


def due_date(period_end: date) -> date:
    """The period's last working day (a visit is due before a weekend or a holiday, not after)."""
    day = period_end
    for _i in range(31):
        if calendar.is_working_day(day):
            return day
        day -= timedelta(days=1)
    return period_end


# --- Which rules are in force -----------------------------------------------------------------------


def ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{x}/" for x in parts[: i + 1]) for i in range(len(parts))]


def rules_in_force(communities: list[tuple[int, str]]) -> dict[int, list[VisitRule]]:
    """For each (community id, path): for every (group, mode) the active rule of the nearest region
    above it (a county's rule beats the city's). Two queries whatever the number of communities."""
    if not communities:
        return {}
    paths = {p for _pk, path in communities for p in ancestor_paths(path)}
    rules = list(
        VisitRule.objects.filter(is_active=True, region__path__in=paths).select_related("region")
    )
    by_path: dict[str, list[VisitRule]] = defaultdict(list)
    for rule in rules:
        by_path[rule.region.path].append(rule)
    answer: dict[int, list[VisitRule]] = {}
    for pk, path in communities:
        chosen: dict[tuple[str, str], VisitRule] = {}
        for prefix in ancestor_paths(path):  # root first: nearer regions overwrite
            for rule in by_path.get(prefix, ()):
                chosen[(rule.group, rule.mode)] = rule
        answer[pk] = sorted(chosen.values(), key=lambda r: (r.group, r.mode))
    return answer


# --- Plan generation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    created: int
    cancelled: int
    communities: int


def _communities_under(region: Region) -> list[tuple[int, str]]:
    found = Region.objects.filter(path__under=region.path, level=Level.COMMUNITY)
    return list(found.order_by("path").values_list("pk", "path"))


TARGET_COLUMNS = 8  # rule, community, group, mode, period start, due date, period end, grid worker?
TARGET_CHUNK = 400  # targets per statement: 3,200 parameters, well inside SQLite's limit


def _insert_sql(targets: int) -> str:
    """One INSERT … SELECT for ``targets`` rows of (rule, community, group, mode, period start, due
    date, period end, assign the grid worker): the residents of each community with a current tag of
    the rule's group, joined to the grid worker of their grid."""
    from shequ.accounts.models import Role, RoleAssignment, User
    from shequ.registry.models import CareGroupTag

    q = connection.ops.quote_name
    plan, res, tag = (
        q(VisitPlan._meta.db_table),
        q(Resident._meta.db_table),
        q(CareGroupTag._meta.db_table),
    )
    ra, role, user = (
        q(RoleAssignment._meta.db_table),
        q(Role._meta.db_table),
        q(User._meta.db_table),
    )
    sqlite = connection.vendor == "sqlite"
    verb = "INSERT OR IGNORE INTO" if sqlite else "INSERT INTO"
    tail = "" if sqlite else " ON CONFLICT DO NOTHING"
    # PostgreSQL types the first VALUES row; SQLite takes them as they come.
    first = (
        "(%s, %s, %s, %s, %s, %s, %s, %s)"
        if sqlite
        else "(%s::bigint, %s::bigint, %s::text, %s::text, %s::date, %s::date, %s::date, %s::boolean)"
    )
    values = ", ".join([first] + ["(%s, %s, %s, %s, %s, %s, %s, %s)"] * (targets - 1))
    # Table and column names come from the models; every value is a parameter. The INSERT comes first (its query carries
    # the WITH), so drivers report the rows it added.
    return (
        f"{verb} {plan} (rule_id, resident_id, community_id, grid_id, {q('group')}, mode, "  # noqa: S608
        "period_start, due_date, visitor_id, status, created_at, version, is_synthetic) "
        f"WITH v (rule_id, community_id, grp, mode, pstart, due, pend, gw) AS (VALUES {values}), "
        # The grid workers in post today: one per grid (the lowest id, so re-runs agree).
        f"w AS (SELECT ra.grid_id AS grid_id, MIN(ra.user_id) AS user_id FROM {ra} ra "
        f"JOIN {role} ro ON ro.id = ra.role_id JOIN {user} u ON u.id = ra.user_id "
        "WHERE ro.code = %s AND ra.grid_id IS NOT NULL AND ra.revoked_at IS NULL "
        "AND (ra.valid_from IS NULL OR ra.valid_from <= %s) "
        "AND (ra.valid_until IS NULL OR ra.valid_until >= %s) AND u.is_active "
        "GROUP BY ra.grid_id) "
        "SELECT v.rule_id, r.id, r.community_id, r.grid_id, v.grp, v.mode, v.pstart, v.due, "
        "CASE WHEN v.gw THEN w.user_id ELSE NULL END, %s, %s, 1, %s "
        f"FROM v JOIN {res} r ON r.community_id = v.community_id AND r.status = %s "
        f"JOIN {tag} t ON t.resident_id = r.id AND t.{q('group')} = v.grp "
        "AND t.start_date <= v.pend AND (t.end_date IS NULL OR t.end_date >= v.pstart) "
        "LEFT JOIN w ON w.grid_id = r.grid_id WHERE true" + tail
    )


@transaction.atomic
def generate_plans(
    *, region: Region, period_start: date, by: Any, is_synthetic: bool = False
) -> Generated:
    """Plans for the month containing ``period_start``: one per (resident of a care group in the
    region's subtree × rule in force for their community × period of the rule overlapping the month).
    Re-running adds only new ones; future planned visits of residents who left the group, moved
    away or died, or whose rule is no longer in force, are cancelled."""
    _require(by, CarePerm.PLAN, region.path)
    month_start = date(period_start.year, period_start.month, 1)
    today = calendar.localdate()
    now = calendar.now()
    communities = _communities_under(region)
    in_force = rules_in_force(communities)
    targets: list[tuple[Any, ...]] = []
    for community_id, found in in_force.items():
        for rule in found:
            grid_worker = rule.visitor_kind == VisitorKind.GRID_WORKER
            for start, end in periods_in_month(month_start, rule.frequency):
                targets.append(
                    (rule.pk, community_id, rule.group, rule.mode, start, due_date(end), end,
                     grid_worker)
                )  # fmt: skip
    created = 0
    with connection.cursor() as cursor:
        for i in range(0, len(targets), TARGET_CHUNK):
            chunk = targets[i : i + TARGET_CHUNK]
            params: list[Any] = [x for row in chunk for x in row]
            params += ["grid_worker", today, today, VisitPlanStatus.PLANNED, now, is_synthetic]
            params.append(LifeStatus.ACTIVE)
            cursor.execute(_insert_sql(len(chunk)), params)
            created += max(cursor.rowcount, 0)
    cancelled = _cancel_stale(communities, in_force, today)
    audit.record(
        "care.plans_generate",
        obj=region,
        actor=by,
        fields=["visit_plans"],
        object_repr=f"{region.name} {month_start:%Y-%m}",
    )
    return Generated(created=created, cancelled=cancelled, communities=len(communities))


def _cancel_stale(
    communities: list[tuple[int, str]], in_force: dict[int, list[VisitRule]], today: date
) -> int:
    """Cancel planned visits not yet due whose resident is no longer in the group (or in the
    registry), or whose rule no longer applies to the community."""
    from shequ.registry.models import CareGroupTag

    if not communities:
        return 0
    current_tag = CareGroupTag.objects.filter(
        resident_id=OuterRef("resident_id"),
        group=OuterRef("group"),
        start_date__lte=today,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    future = VisitPlan.objects.filter(status=VisitPlanStatus.PLANNED, due_date__gte=today)
    # Group communities by the set of rules in force, so one UPDATE serves each group.
    groups: dict[frozenset[int], list[int]] = defaultdict(list)
    for pk, _path in communities:
        groups[frozenset(r.pk for r in in_force.get(pk, []))].append(pk)
    cancelled = 0
    for rule_ids, ids in groups.items():
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            stale = future.filter(community_id__in=chunk).filter(
                ~Q(rule_id__in=list(rule_ids))
                | ~Q(resident__status=LifeStatus.ACTIVE)
                | ~Q(resident__community_id=F("community_id"))
                | ~Exists(current_tag)
            )
            cancelled += VisitPlan.objects.filter(pk__in=stale.values("pk")).update(
                status=VisitPlanStatus.CANCELLED, version=F("version") + 1
            )
    return cancelled


# --- Assigning a visitor ----------------------------------------------------------------------------


def may_visit_in(user: Any, plan: VisitPlan) -> bool:
    """Whether ``user`` may be assigned ``plan``: an active staff member holding care.visit over the
    resident's grid (or community), or the resident account of an active volunteer registered in the
    plan's community or of a party member checked in there."""
    if user is None or not user.is_active:
        return False
    if getattr(user, "is_resident", False):
        return user.pk in community_helpers(plan.community_id)
    place = plan.grid.path if plan.grid_id and plan.grid else plan.community.path
    return bool(
        user.has_permission(CarePerm.VISIT) and user.jurisdiction(CarePerm.VISIT).covers_path(place)
    )


def community_helpers(community_id: int) -> set[int]:
    """Account ids of the community's active volunteers and checked-in party members."""
    from shequ.volunteering.models import (
        CheckInStatus,
        PartyMember,
        Volunteer,
        VolunteerStatus,
    )

    volunteers = Volunteer.objects.filter(
        community_id=community_id,
        status=VolunteerStatus.ACTIVE,
        resident__account__isnull=False,
        resident__account__is_active=True,
    ).values_list("resident__account_id", flat=True)
    members = PartyMember.objects.filter(
        is_active=True,
        in_service=True,
        checkins__community_id=community_id,
        checkins__status=CheckInStatus.CONFIRMED,
        resident__account__isnull=False,
        resident__account__is_active=True,
    ).values_list("resident__account_id", flat=True)
    return set(volunteers) | set(members)


@transaction.atomic
def assign_plan(*, plan: VisitPlan, visitor: Any, version: int | None = None, by: Any) -> VisitPlan:
    """The community assigns (or reassigns) a planned visit to a visitor of that community."""
    _require(by, CarePerm.PLAN, plan.community.path)
    if not may_visit_in(visitor, plan):
        raise ValidationError(
            {"visitor": _("所选探访人不是本社区的网格员、社区工作者、志愿者或报到党员。")}
        )
    expected = plan.version if version is None else version
    changed = VisitPlan.objects.filter(
        pk=plan.pk, status=VisitPlanStatus.PLANNED, version=expected
    ).update(visitor=visitor, version=F("version") + 1)
    if changed != 1:
        raise ValidationError(
            {"visitor": _("该探访计划刚刚已被他人处理或已完成，请刷新页面后再试。")}
        )
    plan.refresh_from_db()
    audit.record("care.plan_assign", obj=plan, actor=by, fields=["visitor"])
    return plan


# --- Recording a visit ------------------------------------------------------------------------------


@dataclass
class VisitInput:
    mode: str
    visited_at: datetime | None = None
    answers: dict[str, Any] | None = None
    findings: list[str] | None = None
    note: str = ""
    photo: Any = None
    photo_consent: bool = False
    latitude: float | None = None
    longitude: float | None = None
    located_at: datetime | None = None
    request_key: str = ""


def may_record_for(user: Any, resident: Resident, plan: VisitPlan | None = None) -> bool:
    """Staff holding care.visit over the resident's grid (or, without a grid, community); or the
    visitor the plan is assigned to."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if plan is not None and plan.visitor_id == user.pk:
        return True
    if getattr(user, "is_resident", False):
        return False
    place = resident.grid.path if resident.grid_id and resident.grid else resident.community.path
    return bool(
        user.has_permission(CarePerm.VISIT) and user.jurisdiction(CarePerm.VISIT).covers_path(place)
    )


def _clean_visit(data: VisitInput, checklist: list[str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    now = calendar.now()
    if data.mode not in VisitMode.values:
        errors["mode"] = _("请选择探访方式（上门或电话）。")
    visited_at = data.visited_at or now
    if visited_at > now + CLOCK_SKEW:
        errors["visited_at"] = _("探访时间不能晚于现在。")
    elif visited_at < now - timedelta(days=92):
        errors["visited_at"] = _("只能补录近三个月内的探访。")
    answers: dict[str, bool] = {}
    raw = data.answers or {}
    unknown = [k for k in raw if k not in checklist]
    if unknown:
        errors["answers"] = _("探访要点不属于该规则：%(items)s。") % {"items": "、".join(unknown)}
    for item in checklist:
        value = raw.get(item, False)
        if not isinstance(value, bool):
            errors["answers"] = _("探访要点只能回答“是”或“否”。")
        answers[item] = bool(value)
    findings = list(dict.fromkeys(data.findings or []))
    if any(f not in Finding.values for f in findings):
        errors["findings"] = _("发现的问题选项不正确。")
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("探访情况不能超过 %(n)d 个字。") % {"n": NOTE_MAX}
    if data.photo is not None and not data.photo_consent:
        errors["photo"] = _("拍照需征得本人同意，请勾选“本人同意拍照”或不上传照片。")
    lat, lng = data.latitude, data.longitude
    if (lat is None) != (lng is None):
        errors["location"] = _("定位坐标不完整。")
    elif (lat is not None and lng is not None) and not (
        LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1]
    ):
        errors["location"] = _("定位坐标不在有效范围内，请检查定位。")
    located_at = data.located_at if lat is not None else None
    if located_at is not None and located_at > now + CLOCK_SKEW:
        errors["location"] = _("定位时间不能晚于现在。")
    key = (data.request_key or "").strip()
    if len(key) > 64:
        errors["request_key"] = _("请求标识过长。")
    if errors:
        raise ValidationError(errors)
    photo = None
    if data.photo is not None:
        try:
            photo = images.reencode(data.photo, size=getattr(data.photo, "size", None))
        except ValidationError as exc:
            raise ValidationError({"photo": exc.messages}) from exc
    return {
        "mode": data.mode,
        "visited_at": visited_at,
        "answers": answers,
        "findings": findings,
        "note": note,
        "photo": photo,
        "photo_consent": bool(data.photo_consent and photo is not None),
        "latitude": lat,
        "longitude": lng,
        "located_at": located_at or (now if lat is not None else None),
        "request_key": key or None,
    }


def _replayed(key: str | None, by: Any) -> Visit | None:
    if not key:
        return None
    found = Visit.objects.select_related("case").filter(request_key=key).first()
    if found is None:
        return None
    if found.visitor_id != getattr(by, "pk", None):
        raise ValidationError({"request_key": _("该请求标识已被使用，请刷新页面后重新填写。")})
    return found


def record_visit(
    *,
    by: Any,
    data: VisitInput,
    plan: VisitPlan | None = None,
    resident: Resident | None = None,
    is_synthetic: bool = False,
) -> Visit:
    """A visit to ``plan``'s resident (the plan becomes done) or an unplanned one to ``resident``.
    Findings open one case (channel home visit) in the same transaction. A retry with the same
    ``request_key`` answers the visit made the first time, and opens nothing new."""
    if by is None:
        raise PermissionDenied(_("探访必须由探访人本人记录。"))
    existing = _replayed(data.request_key.strip() or None, by)
    if existing is not None:
        return existing
    try:
        return _record(by=by, data=data, plan=plan, resident=resident, is_synthetic=is_synthetic)
    except (IntegrityError, ValidationError):
        # The same submission raced in on another connection: answer with the winner's visit.
        existing = _replayed(data.request_key.strip() or None, by)
        if existing is not None:
            return existing
        raise


@transaction.atomic
def _record(
    *, by: Any, data: VisitInput, plan: VisitPlan | None, resident: Resident | None,
    is_synthetic: bool,
) -> Visit:  # fmt: skip
    if plan is not None:
        resident = plan.resident
    if resident is None:
        raise ValidationError({"resident": _("请选择探访对象。")})
    if not may_record_for(by, resident, plan):
        raise PermissionDenied(_("该居民不在您负责的网格或辖区内，不能记录探访。"))
    if resident.status != LifeStatus.ACTIVE:
        raise ValidationError({"resident": _("该居民已不在册，不能记录探访。")})
    checklist = list(plan.rule.checklist) if plan is not None else []
    clean = _clean_visit(data, checklist)
    photo = clean.pop("photo")
    if plan is not None:
        if plan.status == VisitPlanStatus.CANCELLED:
            raise ValidationError({"plan": _("该探访计划已取消。")})
        done = VisitPlan.objects.filter(
            pk=plan.pk, status=VisitPlanStatus.PLANNED, version=plan.version
        ).update(status=VisitPlanStatus.DONE, done_at=clean["visited_at"], version=F("version") + 1)
        if done != 1:
            raise ValidationError(
                {"plan": _("该探访计划已有人完成探访。如确需再次探访，请记录为计划外探访。")}
            )
    visit = Visit(
        plan=plan,
        resident=resident,
        community=resident.community,
        grid=resident.grid,
        visitor=by,
        recorded_at=calendar.now(),
        is_synthetic=is_synthetic,
        **clean,
    )
    if photo is not None:
        visit.photo.save(
            f"visit-{calendar.now():%Y%m%d%H%M%S}.jpg", ContentFile(photo.content), save=False
        )
    with transaction.atomic():
        visit.save()
    if visit.findings:
        visit.case = _open_case(visit, plan, by)
        visit.save(update_fields=["case"])
    audit.record(
        "care.visit_record",
        obj=visit,
        actor=by,
        fields=["mode", "visited_at", "answers", "findings", "note"],
    )
    if plan is not None:
        plan.refresh_from_db()
    return visit


def follow_up_of(findings: list[str]) -> str:
    kinds = {FINDING_FOLLOW_UP[Finding(f)] for f in findings}
    for kind in (FollowUp.EMERGENCY_ASSISTANCE, FollowUp.SOCIAL_ASSISTANCE):
        if kind in kinds:
            return kind
    return FollowUp.SERVICE_REQUEST


def _open_case(visit: Visit, plan: VisitPlan | None, by: Any) -> Any:
    """One case for the visit's findings: 救急难 on the fast track (priority emergency), a social
    assistance referral, or a service request."""
    resident = visit.resident
    follow_up = follow_up_of(visit.findings)
    names = "、".join(str(Finding(f).label) for f in visit.findings)
    elderly = plan is not None and plan.group in ELDERLY_GROUPS
    category = (
        Category.ELDERLY_CARE
        if follow_up == FollowUp.SERVICE_REQUEST and elderly
        else Category.SOCIAL_ASSISTANCE
    )
    description = _("探访发现：%(findings)s。处理方式：%(follow)s。") % {
        "findings": names,
        "follow": FollowUp(follow_up).label,
    }
    if plan is not None:
        description += _("（%(group)s，%(mode)s）") % {
            "group": CareGroup(plan.group).label,
            "mode": VisitMode(visit.mode).label,
        }
    # A resident without a phone or an account: the visitor is the contact for the case.
    phone = resident.phone or getattr(by, "phone", "") or ""
    intake = Intake(
        channel=Channel.HOME_VISIT,
        kind=CaseKind.SERVICE_REQUEST,
        category=category,
        priority=Priority.EMERGENCY
        if follow_up == FollowUp.EMERGENCY_ASSISTANCE
        else Priority.NORMAL,
        title=_("探访发现：%(findings)s") % {"findings": names},
        description=description,
        region=resident.community,
        grid=resident.grid,
        requester=resident.account,
        requester_resident=resident,
        requester_name=resident.name,
        requester_phone=phone,
        is_public=False,
    )
    # Volunteers and party members record visits but do not take in cases themselves.
    entered_by = by if by is not None and by.has_permission(CasesPerm.INTAKE) else None
    try:
        return submit_case(intake, by=entered_by)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "requester_phone" in exc.error_dict:
            raise ValidationError(
                {
                    "findings": _(
                        "该居民没有手机号且未开通账号，请在个人资料中补充您的手机号后再提交。"
                    )
                }
            ) from None
        raise
