"""Writes about voter registration (P4): an election of a community's committee, the roll built from
the registry (set-based), residents' applications and their decision, publication (公示) with an
objection deadline, objections and their handling, manual corrections, and finalising.

Every step that changes the roll locks the election row (``select_for_update``), so finalising and a
change of the roll cannot cross; status changes are conditional UPDATEs through the declared
workflows, so a double click or two clerks at once cannot both succeed. Nobody is put on the roll
who is under the minimum age on election day, deceased, moved out or merged, whatever the path."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar
from shequ.core.scoping import require_place
from shequ.core.workflow import Transition, Workflow
from shequ.participation.content import check_text
from shequ.participation.eligibility import verified_resident
from shequ.participation.models.elections import (
    Election,
    ElectionStatus,
    ObjectionKind,
    RequestStatus,
    RollBasis,
    RollEntry,
    RollObjection,
    VoterRegistration,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.registry.models import LifeStatus, ResidenceStatus, Resident
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
E = ElectionStatus
OBJECTION_WORKING_DAYS = 5
OPEN_STATUSES = (E.PREPARING, E.REGISTRATION, E.PUBLISHED)

ELECTION_FLOW = Workflow(
    transitions=[
        Transition(
            "open_registration",
            (E.PREPARING,),
            E.REGISTRATION,
            Perm.ELECTIONS,
            gettext_lazy("开始选民登记"),
        ),
        Transition(
            "publish", (E.PREPARING, E.REGISTRATION), E.PUBLISHED, Perm.ELECTIONS,
            gettext_lazy("公示名单"),
        ),
        Transition("finalise", (E.PUBLISHED,), E.FINAL, Perm.ELECTIONS, gettext_lazy("确定名单")),
    ]
)  # fmt: skip
DECISION_FLOW = Workflow(
    transitions=[
        Transition(
            "approve",
            (RequestStatus.PENDING,),
            RequestStatus.APPROVED,
            Perm.ELECTIONS,
            gettext_lazy("通过"),
        ),
        Transition(
            "reject",
            (RequestStatus.PENDING,),
            RequestStatus.REJECTED,
            Perm.ELECTIONS,
            gettext_lazy("不予通过"),
            style="danger",
        ),
    ]
)


def _refusal() -> str:
    return _("不在您的管辖范围内，或您没有管理选民登记的权限。")


def require(by: Any, community: Region) -> None:
    """``by`` (None = the system) manages elections over ``community``."""
    require_place(by, Perm.ELECTIONS, community.path, _refusal())


def age_cutoff(election_day: date, min_age: int) -> date:
    """The latest birth date of someone who is ``min_age`` or older on ``election_day``. Someone born
    on 29 February completes a year on 1 March in common years, so the cutoff for a 28 February
    election day in a common year falls on 28 February, not on the 29th."""
    year = election_day.year - min_age
    try:
        return election_day.replace(year=year)
    except ValueError:  # 29 February, in a common year
        return date(year, 2, 28)


def _day_text(day: date | None) -> str:
    return day.strftime("%Y-%m-%d") if day else ""


def ineligibility(election: Election, resident: Resident) -> str | None:
    """Why ``resident`` cannot be on the roll of ``election`` (None: they can)."""
    name = resident.name
    if resident.status == LifeStatus.DECEASED:
        return _("%(name)s已死亡，不能登记为选民。") % {"name": name}
    if resident.status == LifeStatus.MOVED_OUT:
        return _("%(name)s已迁出，不能登记为选民。") % {"name": name}
    if resident.status != LifeStatus.ACTIVE:
        return _("%(name)s的居民信息已合并或不在册，不能登记为选民。") % {"name": name}
    if resident.community_id != election.community_id:
        return _("%(name)s不是本社区登记的居民。") % {"name": name}
    if resident.birth_date is None:
        return _("%(name)s没有登记出生日期，无法核实年龄。") % {"name": name}
    if resident.birth_date > age_cutoff(election.election_day, election.min_age):
        return _("%(name)s在选举日未满%(age)d周岁，不能登记为选民。") % {
            "name": name,
            "age": election.min_age,
        }
    return None


def _locked(election: Election) -> Election:
    """The election row, locked; refused once the roll is final."""
    current = Election.objects.select_for_update().select_related("community").get(pk=election.pk)
    if current.status == E.FINAL:
        raise ValidationError(_("选民名单已确定，不能再修改。"))
    return current


def _put_on_roll(election: Election, resident: Resident, basis: str) -> RollEntry:
    """Add ``resident`` (or restore an entry removed earlier); the caller holds the election lock."""
    reason = ineligibility(election, resident)
    if reason is not None:
        raise ValidationError(reason)
    entry = RollEntry.objects.filter(election=election, resident=resident).first()
    if entry is not None:
        if entry.removed_at is None:
            raise ValidationError(_("%(name)s已在选民名单上。") % {"name": resident.name})
        entry.removed_at, entry.removed_reason, entry.basis = None, "", basis
        entry.added_at = calendar.now()
        entry.save(update_fields=["removed_at", "removed_reason", "basis", "added_at"])
        return entry
    return RollEntry.objects.create(election=election, resident=resident, basis=basis)


def _text(value: Any, field: str, *, required: str, limit: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: required})
    if len(text) > limit:
        raise ValidationError({field: _("不能超过%(n)d个字。") % {"n": limit}})
    return text


# --- The election ----------------------------------------------------------------------------------


def _clean_election(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = str(values.get("title") or "").strip()
    if not title:
        errors["title"] = _("请填写选举名称。")
    elif len(title) > 100:
        errors["title"] = _("不能超过%(n)d个字。") % {"n": 100}
    day, closes = values.get("election_day"), values.get("registration_closes")
    today = calendar.localdate()
    if not isinstance(day, date):
        errors["election_day"] = _("请填写选举日。")
    elif day < today:
        errors["election_day"] = _("选举日不能早于今天。")
    if not isinstance(closes, date):
        errors["registration_closes"] = _("请填写登记截止日期。")
    elif isinstance(day, date) and closes > day:
        errors["registration_closes"] = _("登记截止日期不能晚于选举日。")
    try:
        raw_age: Any = values.get("min_age")
        min_age = int(raw_age if raw_age not in (None, "") else 18)
        if not 16 <= min_age <= 30:
            raise ValueError
    except (TypeError, ValueError):
        errors["min_age"] = _("选民年龄须在%(low)d到%(high)d周岁之间。") % {"low": 16, "high": 30}
        min_age = 18
    try:
        raw_years: Any = values.get("include_non_registered_years")
        years = int(raw_years if raw_years not in (None, "") else 1)
        if not 0 <= years <= 50:
            raise ValueError
    except (TypeError, ValueError):
        errors["include_non_registered_years"] = _("居住年限须在0到50年之间。")
        years = 1
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "election_day": day,
        "registration_closes": closes,
        "min_age": min_age,
        "include_registered_present": bool(values.get("include_registered_present", True)),
        "include_non_registered_years": years,
    }


@transaction.atomic
def create_election(
    *, by: Any, community: Region, is_synthetic: bool = False, **values: Any
) -> Election:
    """An election of ``community``'s committee (``values``: title, election_day,
    registration_closes, min_age, include_registered_present, include_non_registered_years)."""
    require(by, community)
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("换届选举须由村(社区)组织。")})
    cleaned = _clean_election(values)
    election = Election.objects.create(
        community=community, created_by=by, is_synthetic=is_synthetic, **cleaned
    )
    audit.record("participation.election_create", obj=election, actor=by, fields=list(cleaned))
    return election


def _removal_rules(election: Election) -> list[tuple[Q, str]]:
    cutoff = age_cutoff(election.election_day, election.min_age)
    rules: list[tuple[Q, str]] = [
        (Q(resident__status=LifeStatus.DECEASED), _("已死亡")),
        (Q(resident__status=LifeStatus.MOVED_OUT), _("已迁出")),
        (Q(resident__status=LifeStatus.MERGED), _("居民信息已合并")),
        (~Q(resident__community=election.community_id), _("不再是本社区居民")),
        (
            Q(resident__birth_date__isnull=True) | Q(resident__birth_date__gt=cutoff),
            _("选举日未满%(age)d周岁") % {"age": election.min_age},
        ),
    ]
    registered = Q(basis=RollBasis.REGISTERED_PRESENT)
    if election.include_registered_present:
        rules.append(
            (
                registered & ~Q(resident__residence_status=ResidenceStatus.REGISTERED),
                _("户籍已不在本社区"),
            )
        )
    else:
        rules.append((registered, _("按登记规则不再自动登记")))
    return rules


@transaction.atomic
def build_roll(*, election: Election, by: Any) -> dict[str, int]:
    """Build (or re-build) the roll from the registry, in a few statements whatever the size of the
    community: residents on the register, of age on election day and registered here (户籍) are
    added; entries no longer eligible (deceased, moved out, merged, moved away, under age) are
    removed with the reason. Idempotent; refused once the roll is final. Returns the counts."""
    require(by, election.community)
    current = _locked(election)
    now = calendar.now()
    removed = 0
    live = RollEntry.objects.filter(election=current, removed_at__isnull=True)
    for condition, reason in _removal_rules(current):
        removed += live.filter(condition).update(removed_at=now, removed_reason=reason[:200])
    added = 0
    if current.include_registered_present:
        cutoff = age_cutoff(current.election_day, current.min_age)
        eligible = Resident.objects.filter(
            community=current.community_id,
            status=LifeStatus.ACTIVE,
            residence_status=ResidenceStatus.REGISTERED,
            birth_date__lte=cutoff,
        ).exclude(pk__in=RollEntry.objects.filter(election=current).values("resident_id"))
        new_ids = list(eligible.values_list("pk", flat=True))
        RollEntry.objects.bulk_create(
            [
                RollEntry(
                    election=current,
                    resident_id=pk,
                    basis=RollBasis.REGISTERED_PRESENT,
                    added_at=now,
                )
                for pk in new_ids
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        added = len(new_ids)
    if current.status == E.PREPARING:
        ELECTION_FLOW.fire(current, "open_registration", by=by)
    audit.record(
        "participation.roll_build",
        obj=current,
        actor=by,
        object_repr=_("新增%(added)d人，除名%(removed)d人") % {"added": added, "removed": removed},
    )
    election.status, election.version = current.status, current.version
    return {"added": added, "removed": removed}


@transaction.atomic
def add_entry(*, election: Election, resident: Resident, by: Any, reason: str) -> RollEntry:
    """Staff put a resident of the community on the roll by hand (补登), with the reason."""
    require(by, election.community)
    note = _text(reason, "reason", required=_("请填写补登原因。"), limit=200)
    current = _locked(election)
    entry = _put_on_roll(current, resident, RollBasis.MANUAL)
    audit.record("participation.roll_add", obj=entry, actor=by, region=current, reason=note)
    return entry


def _remove(entry: RollEntry, reason: str) -> None:
    moved = RollEntry.objects.filter(pk=entry.pk, removed_at__isnull=True).update(
        removed_at=calendar.now(), removed_reason=reason[:200]
    )
    if not moved:
        raise ValidationError(_("该居民已被除名，请刷新页面查看最新名单。"))
    entry.refresh_from_db()


@transaction.atomic
def remove_entry(*, entry: RollEntry, by: Any, reason: str) -> RollEntry:
    """Staff take someone off the roll, with the reason (kept with the entry)."""
    require(by, entry.election.community)
    note = _text(reason, "reason", required=_("请填写除名原因。"), limit=200)
    current = _locked(entry.election)
    _remove(entry, note)
    audit.record("participation.roll_remove", obj=entry, actor=by, region=current, reason=note)
    return entry


# --- Applications ----------------------------------------------------------------------------------


@transaction.atomic
def apply(*, election: Election, by: Any, reason: str, years_resident: Any) -> VoterRegistration:
    """A verified resident of the community applies to be on the roll (registered elsewhere, living
    here some years), before the registration closing date. One pending application each."""
    resident = verified_resident(by, election.community)
    text = _text(reason, "reason", required=_("请填写申请理由。"), limit=1000)
    check_text(text, community=election.community, field="reason")
    try:
        years = int(years_resident)
        if not 0 <= years <= 120:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"years_resident": _("请填写0到120之间的整数。")}) from None
    current = _locked(election)
    if calendar.localdate() > current.registration_closes:
        raise ValidationError(
            _("选民登记已于%(day)s截止。") % {"day": _day_text(current.registration_closes)}
        )
    problem = ineligibility(current, resident)
    if problem is not None:
        raise ValidationError(problem)
    if RollEntry.objects.filter(
        election=current, resident=resident, removed_at__isnull=True
    ).exists():
        raise ValidationError(_("您已在本次选举的选民名单上，无需申请。"))
    needed = current.include_non_registered_years
    if resident.residence_status != ResidenceStatus.REGISTERED and years < needed:
        raise ValidationError(
            {
                "years_resident": _("户籍不在本社区的居民须在本社区居住满%(n)d年才能申请登记。")
                % {"n": needed}
            }
        )
    try:
        with transaction.atomic():
            made = VoterRegistration.objects.create(
                election=current, resident=resident, user=by, reason=text, years_resident=years
            )
    except IntegrityError:
        raise ValidationError(_("您已有一份待审核的登记申请，请等待社区审核。")) from None
    audit.record("participation.registration_apply", obj=made, actor=by, region=current)
    return made


@transaction.atomic
def decide_registration(
    *,
    request: VoterRegistration,
    by: Any,
    approve: bool,
    note: str = "",
    version: int | None = None,
) -> VoterRegistration:
    """Staff approve an application (the resident goes on the roll, basis "application") or reject
    it with a note. Conditional: a second decision is refused."""
    require(by, request.election.community)
    note = str(note or "").strip()[:400]
    if not approve and not note:
        raise ValidationError({"note": _("不予通过时请填写审核意见。")})
    current = _locked(request.election)
    if version is not None:
        request.version = version
    if approve:
        resident = Resident.objects.get(pk=request.resident_id)
        DECISION_FLOW.fire(
            request, "approve", by=by, decided_by=by, decided_at=calendar.now(), decision_note=note
        )
        _put_on_roll(current, resident, RollBasis.APPLICATION)
    else:
        DECISION_FLOW.fire(
            request, "reject", by=by, decided_by=by, decided_at=calendar.now(), decision_note=note
        )
    audit.record(
        "participation.registration_" + ("approve" if approve else "reject"),
        obj=request,
        actor=by,
        region=current,
    )
    return request


# --- Publication, objections, finalising ----------------------------------------------------------


def default_objection_deadline() -> date:
    """Five working days after today, on the Chinese working calendar."""
    due = calendar.add_working_days(calendar.now(), OBJECTION_WORKING_DAYS)
    return calendar.localtime(due).date()


@transaction.atomic
def publish(
    *,
    election: Election,
    by: Any,
    objection_deadline: date | None = None,
    version: int | None = None,
) -> Election:
    """Publish the roll (公示) with the objection deadline (default: 5 working days)."""
    require(by, election.community)
    current = _locked(election)
    if version is not None:
        current.version = version
    today = calendar.localdate()
    deadline = objection_deadline or default_objection_deadline()
    if deadline < today:
        raise ValidationError({"objection_deadline": _("异议截止日期不能早于公示日期。")})
    if deadline >= current.election_day:
        raise ValidationError({"objection_deadline": _("异议截止日期须早于选举日。")})
    if not RollEntry.objects.filter(election=current, removed_at__isnull=True).exists():
        raise ValidationError(_("选民名单还是空的，请先生成名单。"))
    ELECTION_FLOW.fire(
        current, "publish", by=by, published_at=calendar.now(), objection_deadline=deadline
    )
    audit.record("participation.roll_publish", obj=current, actor=by)
    election.refresh_from_db()
    return election


@transaction.atomic
def file_objection(
    *, election: Election, by: Any, kind: str, subject: Resident, body: str
) -> RollObjection:
    """An objection to the published roll, before the deadline, by a verified resident of the
    community or by staff: someone missing (a resident of the community not on it) or someone
    wrongly included (someone on it)."""
    staff = not getattr(by, "is_resident", False)
    if staff:
        require(by, election.community)
        if by is None:
            raise PermissionDenied(_refusal())
    else:
        verified_resident(by, election.community)
    if kind not in ObjectionKind.values:
        raise ValidationError({"kind": _("请选择异议类型。")})
    text = _text(body, "body", required=_("请填写异议理由。"), limit=1000)
    check_text(text, community=election.community, field="body")
    current = Election.objects.select_related("community").get(pk=election.pk)
    if current.status != E.PUBLISHED:
        raise ValidationError(
            _("选民名单已确定，不再受理异议。")
            if current.status == E.FINAL
            else _("选民名单尚未公示，暂不受理异议。")
        )
    deadline = current.objection_deadline
    if deadline is not None and calendar.localdate() > deadline:
        raise ValidationError(_("异议期已于%(day)s截止。") % {"day": _day_text(deadline)})
    on_roll = RollEntry.objects.filter(
        election=current, resident=subject, removed_at__isnull=True
    ).exists()
    if kind == ObjectionKind.MISSING:
        if subject.community_id != current.community_id:
            raise ValidationError({"subject": _("只能就本社区的居民提出异议。")})
        if on_roll:
            raise ValidationError(
                {"subject": _("%(name)s已在选民名单上。") % {"name": subject.name}}
            )
    elif not on_roll:
        raise ValidationError({"subject": _("%(name)s不在选民名单上。") % {"name": subject.name}})
    made = RollObjection.objects.create(
        election=current, kind=kind, subject=subject, objector=by, body=text
    )
    audit.record("participation.roll_objection", obj=made, actor=by, region=current)
    return made


@transaction.atomic
def decide_objection(
    *,
    objection: RollObjection,
    by: Any,
    approve: bool,
    response: str,
    version: int | None = None,
) -> RollObjection:
    """Staff handle an objection: approved, the person missing is added (basis "objection") or the
    person wrongly included is removed with the response as the reason; rejected, with the
    response. Conditional: a second decision is refused."""
    require(by, objection.election.community)
    text = _text(response, "response", required=_("请填写处理意见。"), limit=1000)
    current = _locked(objection.election)
    if version is not None:
        objection.version = version
    subject = Resident.objects.get(pk=objection.subject_id)
    changes = {"handled_by": by, "handled_at": calendar.now(), "response": text}
    if approve:
        DECISION_FLOW.fire(objection, "approve", by=by, **changes)
        if objection.kind == ObjectionKind.MISSING:
            _put_on_roll(current, subject, RollBasis.OBJECTION)
        else:
            entry = RollEntry.objects.filter(election=current, resident=subject).first()
            if entry is None:
                raise ValidationError(_("%(name)s不在选民名单上。") % {"name": subject.name})
            _remove(entry, text)
    else:
        DECISION_FLOW.fire(objection, "reject", by=by, **changes)
    audit.record(
        "participation.roll_objection_" + ("approve" if approve else "reject"),
        obj=objection,
        actor=by,
        region=current,
    )
    return objection


@transaction.atomic
def finalise(*, election: Election, by: Any, version: int | None = None) -> Election:
    """Fix the roll once the objection period is over and nothing is pending; read-only after."""
    require(by, election.community)
    current = _locked(election)
    if version is not None:
        current.version = version
    if current.status != E.PUBLISHED:
        raise ValidationError(_("名单须先公示，异议期满后才能确定。"))
    deadline = current.objection_deadline
    if deadline is not None and calendar.localdate() <= deadline:
        raise ValidationError(
            _("异议期至%(day)s，期满后才能确定名单。") % {"day": _day_text(deadline)}
        )
    objections = RollObjection.objects.filter(
        election=current, status=RequestStatus.PENDING
    ).count()
    if objections:
        raise ValidationError(_("还有%(n)d条异议未处理。") % {"n": objections})
    requests = VoterRegistration.objects.filter(
        election=current, status=RequestStatus.PENDING
    ).count()
    if requests:
        raise ValidationError(_("还有%(n)d条登记申请未审核。") % {"n": requests})
    ELECTION_FLOW.fire(current, "finalise", by=by, finalised_at=calendar.now())
    audit.record("participation.roll_finalise", obj=current, actor=by)
    election.refresh_from_db()
    return election
