"""Reads about voter registration: the scoped election list and detail, the roll with its groups
(villager group, else grid), applications and objections, what a resident sees (the current
elections of their community, their own status, the published roll with masked names) and the
export of the final roll for the election committee (CSV or XLSX, audited with the reason)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from shequ.core import audit, calendar
from shequ.core.exports import ExportFile, safe_row, stamped_sheet
from shequ.core.masking import MASK, mask_name
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.participation.models.elections import (
    Election,
    ElectionStatus,
    RequestStatus,
    RollEntry,
    RollObjection,
    VoterRegistration,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
E = ElectionStatus
MAX_EXPORT_ROWS = 50_000


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(region.path))


def elections(user: Any, status: str = "") -> QuerySet[Election]:
    """The elections in ``user``'s subtree, newest election day first, with the roll size and the
    pending applications and objections counted in the same statement."""
    found = scoped(Election.objects.select_related("community"), user, Perm.VIEW)
    if status in E.values:
        found = found.filter(status=status)
    return found.annotate(
        on_roll=Count("entries", filter=Q(entries__removed_at__isnull=True), distinct=True),
        pending_requests=Count(
            "requests", filter=Q(requests__status=RequestStatus.PENDING), distinct=True
        ),
        pending_objections=Count(
            "objections", filter=Q(objections__status=RequestStatus.PENDING), distinct=True
        ),
    ).order_by("-election_day", "-pk")


def election_detail(user: Any, election_id: int) -> Election:
    return get_scoped_or_404(
        Election.objects.select_related("community", "created_by"),
        user,
        Perm.VIEW,
        pk=election_id,
    )


def entry_detail(user: Any, roll_entry_id: int) -> RollEntry:
    return get_scoped_or_404(
        RollEntry.objects.select_related("election__community", "resident"),
        user,
        Perm.VIEW,
        pk=roll_entry_id,
    )


def request_detail(user: Any, registration_id: int) -> VoterRegistration:
    return get_scoped_or_404(
        VoterRegistration.objects.select_related("election__community", "resident"),
        user,
        Perm.VIEW,
        pk=registration_id,
    )


def objection_detail(user: Any, roll_objection_id: int) -> RollObjection:
    return get_scoped_or_404(
        RollObjection.objects.select_related("election__community", "subject"),
        user,
        Perm.VIEW,
        pk=roll_objection_id,
    )


def roll(election: Election, q: str = "") -> QuerySet[RollEntry]:
    """The entries on the roll (not removed), by group and name."""
    found = RollEntry.objects.filter(election=election, removed_at__isnull=True).select_related(
        "resident__grid", "resident__household__villager_group"
    )
    q = q.strip()
    if q:
        found = found.filter(resident__name__contains=q)
    return found.order_by(
        "resident__household__villager_group__name", "resident__grid__name", "resident__name", "pk"
    )


def removed(election: Election) -> QuerySet[RollEntry]:
    return (
        RollEntry.objects.filter(election=election, removed_at__isnull=False)
        .select_related("resident")
        .order_by("-removed_at", "pk")
    )


def requests(election: Election) -> QuerySet[VoterRegistration]:
    return (
        VoterRegistration.objects.filter(election=election)
        .select_related("resident", "decided_by")
        .order_by("status", "created_at", "pk")
    )


def objections(election: Election) -> QuerySet[RollObjection]:
    return (
        RollObjection.objects.filter(election=election)
        .select_related("subject", "objector", "handled_by")
        .order_by("status", "created_at", "pk")
    )


def group_of(entry: RollEntry) -> str:
    """Villager group (村民小组) if the household has one, else the grid, else ""."""
    resident = entry.resident
    household = resident.household
    if household is not None and household.villager_group is not None:
        return str(household.villager_group.name)
    if resident.grid is not None:
        return str(resident.grid.name)
    return ""


# --- Residents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyElection:
    election: Election
    entry: RollEntry | None
    pending: VoterRegistration | None
    last_request: VoterRegistration | None
    can_apply: bool
    can_object: bool


def current_elections(me: Resident) -> list[MyElection]:
    """The elections of the resident's community that are not over, with their own status."""
    today = calendar.localdate()
    found = list(
        Election.objects.select_related("community")
        .filter(community=me.community_id, election_day__gte=today)
        .order_by("election_day", "pk")
    )
    ids = [e.pk for e in found]
    entries = {
        e.election_id: e
        for e in RollEntry.objects.filter(election_id__in=ids, resident=me).select_related(
            "resident"
        )
    }
    asked: dict[int, VoterRegistration] = {}
    for made in VoterRegistration.objects.filter(election_id__in=ids, resident=me).order_by(
        "created_at", "pk"
    ):
        asked[made.election_id] = made
    rows = []
    for election in found:
        entry = entries.get(election.pk)
        last = asked.get(election.pk)
        on_roll = entry is not None and entry.removed_at is None
        pending = last if last is not None and last.status == RequestStatus.PENDING else None
        rows.append(
            MyElection(
                election=election,
                entry=entry,
                pending=pending,
                last_request=last,
                can_apply=(
                    election.status != E.FINAL
                    and today <= election.registration_closes
                    and not on_roll
                    and pending is None
                ),
                can_object=objection_open(election),
            )
        )
    return rows


def objection_open(election: Election) -> bool:
    return election.status == E.PUBLISHED and (
        election.objection_deadline is None or calendar.localdate() <= election.objection_deadline
    )


def resident_election(me: Resident, election_id: int) -> Election:
    """An election of the resident's own community, else 404."""
    found = (
        Election.objects.select_related("community")
        .filter(pk=election_id, community=me.community_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def household_subjects(me: Resident) -> list[Resident]:
    """Whom a resident may say is missing: themself and the active members of their household."""
    if me.household_id is None:
        return [me]
    members = list(
        Resident.objects.filter(household_id=me.household_id, status=LifeStatus.ACTIVE).order_by(
            "pk"
        )
    )
    members.sort(key=lambda r: r.pk != me.pk)
    return members


@dataclass(frozen=True)
class PublicRow:
    entry_id: int
    resident_id: int
    name: str
    group: str


def public_roll(election: Election, me: Resident | None) -> list[PublicRow]:
    """The published roll as a resident sees it: names masked (their own in full), with the group;
    never an ID number or birth date."""
    rows = []
    for entry in roll(election):
        own = me is not None and entry.resident_id == me.pk
        rows.append(
            PublicRow(
                entry_id=entry.pk,
                resident_id=entry.resident_id,
                name=entry.resident.name if own else mask_name(entry.resident.name),
                group=group_of(entry),
            )
        )
    return rows


# --- Export ----------------------------------------------------------------------------------------


def mask_last_four(value: str) -> str:
    """Only the last four characters of an ID number stay visible."""
    value = (value or "").strip().upper()
    if len(value) < 8:
        return MASK * len(value)
    return MASK * (len(value) - 4) + value[-4:]


def _age(born: date | None, day: date) -> int | str:
    if born is None:
        return ""
    return day.year - born.year - (0 if (day.month, day.day) >= (born.month, born.day) else 1)


def export_roll(*, user: Any, election: Election, reason: str, fmt: str = "xlsx") -> ExportFile:
    """The final roll for the election committee: name, sex, age on election day, basis, group and
    the ID number with only the last four shown. The reason (at least 4 characters) is audited."""
    if not may(user, Perm.ELECTIONS, election.community):
        raise PermissionDenied(_("不在您的管辖范围内，或您没有管理选民登记的权限。"))
    if election.status != E.FINAL:
        raise ValidationError(_("名单确定后才能导出。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("请说明导出的事由（至少4个字）。")})
    if fmt not in ("xlsx", "csv"):
        raise ValidationError({"fmt": _("请选择导出格式。")})
    header = [
        _("序号"),
        _("姓名"),
        _("性别"),
        _("选举日年龄"),
        _("登记依据"),
        _("村民小组/网格"),
        _("证件号码（后四位）"),
    ]
    entries = roll(election)
    rows = []
    for number, entry in enumerate(entries.iterator(chunk_size=2000), start=1):
        resident = entry.resident
        rows.append(
            [
                number,
                resident.name,
                resident.get_sex_display(),
                _age(resident.birth_date, election.election_day),
                entry.get_basis_display(),
                group_of(entry),
                mask_last_four(resident.id_number),
            ]
        )
    stamp = calendar.localtime().strftime("%Y%m%d-%H%M%S")
    title = _("%(title)s选民名单") % {"title": election.title}
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(safe_row(row))
        content = out.getvalue().encode("utf-8")
    else:
        sheet = stamped_sheet(user, title, header, sheet_name=_("选民名单"))
        for row in rows:
            sheet.append(row)
        content = sheet.content()
    with transaction.atomic():
        audit.record(
            "participation.roll_export",
            obj=election,
            actor=user,
            fields=["id_number"],
            reason=reason,
        )
    return ExportFile(filename=f"roll-{election.pk}-{stamp}.{fmt}", content=content, rows=len(rows))


def manageable_communities(user: Any) -> QuerySet[Region]:
    """Communities where the user may organise an election."""
    return scoped(
        Region.objects.filter(level=Level.COMMUNITY).defer("geometry"), user, Perm.ELECTIONS
    ).order_by("path")
