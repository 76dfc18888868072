"""Likely duplicate records (疑似重复): finding them, and staff merging or dismissing them.

The same ID number can never be registered twice (a unique blind index). What remains are records
that are probably one person entered twice without, or with different, identifiers: the same name and
birth date, or the same name at the same address. Detection only proposes; a person decides, and a
merge keeps every record and every piece of history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit
from shequ.core.validators import id_birth_date, id_sex
from shequ.core.workflow import Transition, Workflow
from shequ.registry.actions import _place_path, _require_place
from shequ.registry.models import (
    CareGroupTag,
    DuplicateCandidate,
    DuplicateReason,
    DuplicateStatus,
    Household,
    HouseholdMembership,
    IdType,
    LifeStatus,
    Relation,
    Rental,
    Resident,
    Tenancy,
)
from shequ.registry.permissions import RegistryPerm
from shequ.territory.models import Region

DUPLICATE_WORKFLOW = Workflow(
    transitions=[
        Transition(
            name="merge",
            sources=(DuplicateStatus.OPEN,),
            target=DuplicateStatus.MERGED,
            permission=RegistryPerm.EDIT,
            label=gettext_lazy("合并，保留此记录"),
            style="danger",
        ),
        Transition(
            name="dismiss",
            sources=(DuplicateStatus.OPEN,),
            target=DuplicateStatus.DISMISSED,
            permission=RegistryPerm.EDIT,
            label=gettext_lazy("不是同一人"),
            style="secondary",
        ),
    ]
)

NOTE_MAX = DuplicateCandidate._meta.get_field("note").max_length or 200
# Ids per query: well under SQLite's and PostgreSQL's limits on bound parameters, four lists a query.
BATCH = 1000

_ROW_FIELDS = (
    "pk",
    "name",
    "birth_date",
    "household_id",
    "household__estate_id",
    "household__building_id",
    "household__villager_group_id",
    "household__address_index",
    "community__path",
)


@dataclass(frozen=True)
class _Row:
    pk: int
    name: str
    birth_date: date | None
    household_id: int | None
    # (estate, building, villager group, blind index of the detail): one door, or None if not known.
    address: tuple[Any, ...] | None
    path: str


def _row(values: tuple[Any, ...]) -> _Row:
    pk, name, born, household, estate, building, group, index, path = values
    known_place = estate is not None or building is not None or group is not None
    address = (estate, building, group, index) if index and known_place else None
    return _Row(pk, name, born, household, address, path)


def _rows(queryset: QuerySet[Resident]) -> list[_Row]:
    return [_row(values) for values in queryset.values_list(*_ROW_FIELDS)]


def _keys(row: _Row) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """What makes two records likely the same person, strongest reason first."""
    if row.birth_date is not None:
        yield DuplicateReason.SAME_NAME_BIRTH_DATE, (row.name, row.birth_date)
    if row.household_id is not None:
        yield DuplicateReason.SAME_NAME_ADDRESS, (row.name, "household", row.household_id)
    if row.address is not None:
        yield DuplicateReason.SAME_NAME_ADDRESS, (row.name, "address", row.address)


def _pairs(rows: Iterable[_Row]) -> dict[tuple[int, int], str]:
    """Every pair (lower id first) sharing a key, with the strongest reason they share."""
    groups: dict[tuple[str, tuple[Any, ...]], set[int]] = defaultdict(set)
    for row in rows:
        for reason, key in _keys(row):
            groups[(reason, key)].add(row.pk)
    order: dict[str, int] = {
        DuplicateReason.SAME_NAME_BIRTH_DATE: 0,
        DuplicateReason.SAME_NAME_ADDRESS: 1,
    }
    pairs: dict[tuple[int, int], str] = {}
    for (reason, _key), members in groups.items():
        if len(members) < 2:
            continue
        ordered = sorted(members)
        for i, low in enumerate(ordered):
            for high in ordered[i + 1 :]:
                known = pairs.get((low, high))
                if known is None or order[reason] < order[known]:
                    pairs[(low, high)] = reason
    return pairs


def _create(pairs: dict[tuple[int, int], str]) -> int:
    """Open candidates for the pairs never seen before: a dismissed or merged pair is not proposed again."""
    if not pairs:
        return 0
    lows = sorted({low for low, _high in pairs})
    seen: set[tuple[int, int]] = set()
    for start in range(0, len(lows), BATCH):
        seen.update(
            DuplicateCandidate.objects.filter(resident_id__in=lows[start : start + BATCH])
            .values_list("resident_id", "other_id")
            .iterator()
        )
    new = [
        DuplicateCandidate(resident_id=low, other_id=high, reason=reason)
        for (low, high), reason in sorted(pairs.items())
        if (low, high) not in seen
    ]
    # A concurrent detection may insert the same pair: the unique pair constraint keeps one.
    DuplicateCandidate.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    if new:
        audit.record(
            "registry.detect_duplicates",
            object_type=DuplicateCandidate._meta.label,
            object_repr=str(len(new)),
            fields=["resident", "other", "reason"],
        )
    return len(new)


def _active() -> QuerySet[Resident]:
    return Resident.objects.filter(status=LifeStatus.ACTIVE)


@transaction.atomic
def detect_duplicates(*, resident_ids: Iterable[int]) -> int:
    """Open candidates for these residents (the active ones) against every other active record.

    Set-based: a handful of queries per thousand ids, whatever their number. Returns how many
    candidates were created.
    """
    ids = sorted({int(pk) for pk in resident_ids})
    created = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        given = _rows(_active().filter(pk__in=chunk))
        if not given:
            continue
        names = {row.name for row in given}
        born = {row.birth_date for row in given if row.birth_date is not None}
        households = {row.household_id for row in given if row.household_id is not None}
        doors = {row.address[3] for row in given if row.address is not None}
        matches = _rows(
            _active().filter(
                Q(name__in=names)
                & (
                    Q(birth_date__in=born)
                    | Q(household_id__in=households)
                    | Q(household__address_index__in=doors)
                )
            )
        )
        chunk_ids = {row.pk for row in given}
        rows = {row.pk: row for row in [*given, *matches]}.values()
        pairs = {
            pair: reason
            for pair, reason in _pairs(rows).items()
            if pair[0] in chunk_ids or pair[1] in chunk_ids
        }
        created += _create(pairs)
    return created


def _names_in_groups(region: Region | None) -> set[str]:
    """Names that occur twice with the same birth date, household or door (GROUP BY, one per reason)."""
    base = _active()
    inside = Q(community__path__under=region.path) if region is not None else None
    known_place = (
        Q(household__estate__isnull=False)
        | Q(household__building__isnull=False)
        | Q(household__villager_group__isnull=False)
    )
    groupings: list[tuple[tuple[str, ...], Q]] = [
        (("name", "birth_date"), Q(birth_date__isnull=False)),
        (("name", "household_id"), Q(household__isnull=False)),
        (
            (
                "name",
                "household__estate_id",
                "household__building_id",
                "household__villager_group_id",
                "household__address_index",
            ),
            ~Q(household__address_index="") & Q(household__isnull=False) & known_place,
        ),
    ]
    names: set[str] = set()
    for fields, condition in groupings:
        groups = base.filter(condition).values(*fields).annotate(n=Count("pk")).filter(n__gt=1)
        if inside is not None:
            groups = groups.annotate(n_inside=Count("pk", filter=inside)).filter(n_inside__gt=0)
        names.update(group["name"] for group in groups.order_by())
    return names


@transaction.atomic
def scan_duplicates(*, region: Region | None = None) -> int:
    """Open candidates over the whole registry, or for pairs with a record in ``region``'s subtree.

    For the periodic job and the ``scan_duplicates`` command. Returns how many were created.
    """
    names = sorted(_names_in_groups(region))
    rows: list[_Row] = []
    for start in range(0, len(names), BATCH):
        rows += _rows(_active().filter(name__in=names[start : start + BATCH]))
    pairs = _pairs(rows)
    if region is not None:
        inside = {row.pk for row in rows if row.path.startswith(region.path)}
        pairs = {pair: r for pair, r in pairs.items() if pair[0] in inside or pair[1] in inside}
    return _create(pairs)


# --- Staff decisions -------------------------------------------------------------------------------


def _require_both(by: Any, residents: Iterable[Resident]) -> None:
    """A decision about two records needs ``registry.edit`` over both."""
    for resident in residents:
        _require_place(by, RegistryPerm.EDIT, _place_path(resident.community, resident.grid))


def _clean_note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": _("请说明为什么不是同一人，例如核实的方式。")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("说明不能超过 %(count)d 个字。") % {"count": NOTE_MAX}})
    return note


def _move_identifiers(kept: Resident, gone: Resident) -> list[str]:
    """Give ``kept`` the ID number and phone it lacks from ``gone``. The names of the fields moved."""
    moved: list[str] = []
    cleared: list[str] = []
    if not kept.id_number and gone.id_number:
        kept.id_type, kept.id_number = gone.id_type, gone.id_number
        moved += ["id_type", "id_number", "id_number_index"]
        if gone.id_type == IdType.RESIDENT_ID:
            # The ID number is the source of truth for birth date and sex.
            kept.birth_date, kept.sex = id_birth_date(gone.id_number), id_sex(gone.id_number)
            moved += ["birth_date", "sex"]
        gone.id_number = ""
        cleared += ["id_number", "id_number_index"]
    if not kept.phone and gone.phone:
        kept.phone = gone.phone
        moved += ["phone", "phone_index"]
        gone.phone = ""
        cleared += ["phone", "phone_index"]
    if cleared:
        # First, in the same transaction: the unique ID-number index may hold the number once only.
        gone.save(update_fields=cleared)
    if moved:
        kept.version = F("version") + 1
        kept.updated_at = timezone.now()
        kept.save(update_fields=[*moved, "version", "updated_at"])
        kept.refresh_from_db()
    return [name for name in moved if not name.endswith("_index")]


def _leave_household(kept: Resident, gone: Resident, *, on: date, by: Any) -> None:
    """End ``gone``'s membership; if it headed the household, ``kept`` heads it when a member, else nobody."""
    for membership in HouseholdMembership.objects.filter(
        resident=gone, left_on__isnull=True
    ).select_related("household__community", "household__grid"):
        membership.left_on, membership.left_reason = on, _("合并重复记录")
        membership.save(update_fields=["left_on", "left_reason"])
        audit.record(
            "registry.end_membership", obj=membership, actor=by, fields=["left_on", "left_reason"]
        )
    household = gone.household
    if household is None or household.head_id != gone.pk:
        return
    if kept.household_id == household.pk:
        Resident.objects.filter(pk=kept.pk).update(relation=Relation.HEAD, version=F("version") + 1)
        HouseholdMembership.objects.filter(
            resident=kept, household=household, left_on__isnull=True
        ).update(relation=Relation.HEAD)
        Household.objects.filter(pk=household.pk).update(
            head=kept, version=F("version") + 1, updated_at=timezone.now()
        )
    else:
        Household.objects.filter(pk=household.pk).update(head=None)
    audit.record("registry.change_head", obj=household, actor=by, fields=["head"])


def _carry_tags(kept: Resident, gone: Resident, *, on: date, by: Any) -> None:
    """Open care-group tags go over to ``kept`` (unless it has the group) and end on ``gone``."""
    open_tags = list(CareGroupTag.objects.filter(resident=gone, end_date__isnull=True))
    held = set(
        CareGroupTag.objects.filter(resident=kept, end_date__isnull=True).values_list(
            "group", flat=True
        )
    )
    for tag in open_tags:
        if tag.group not in held:
            carried = CareGroupTag.objects.create(
                resident=kept,
                group=tag.group,
                start_date=tag.start_date,
                source=tag.source,
                note=tag.note,
                disability_category=tag.disability_category,
                disability_grade=tag.disability_grade,
            )
            held.add(tag.group)
            audit.record(
                "registry.tag_care_group",
                obj=carried,
                actor=by,
                fields=["group", "start_date", "end_date"],
            )
        # Never before its start (a tag may begin later than today).
        tag.end_date = max(on, tag.start_date)
        tag.save(update_fields=["end_date"])
        audit.record("registry.end_care_group", obj=tag, actor=by, fields=["end_date"])


def _carry_rentals(kept: Resident, gone: Resident, *, on: date, by: Any) -> None:
    """Homes ``gone`` lets now name ``kept`` as landlord; ``gone``'s stays as tenant end and begin
    again for ``kept`` from the same day, so both records keep their history."""
    for rental in Rental.objects.filter(landlord=gone, ended_on__isnull=True).select_related(
        "community", "grid"
    ):
        rental.landlord = kept
        rental.save(update_fields=["landlord"])
        audit.record("registry.change_landlord", obj=rental, actor=by, fields=["landlord"])
    for tenancy in Tenancy.objects.filter(tenant=gone, end_date__isnull=True).select_related(
        "rental__community", "rental__grid"
    ):
        tenancy.end_date = max(on, tenancy.start_date)
        tenancy.save(update_fields=["end_date"])
        audit.record("registry.end_tenancy", obj=tenancy, actor=by, fields=["end_date"])
        rental = tenancy.rental
        already = Tenancy.objects.filter(rental=rental, tenant=kept, end_date__isnull=True)
        if rental.ended_on is None and rental.landlord_id != kept.pk and not already.exists():
            carried = Tenancy.objects.create(
                rental=rental, tenant=kept, start_date=tenancy.start_date
            )
            audit.record(
                "registry.add_tenant", obj=carried, actor=by, fields=["tenant", "start_date"]
            )


def _close_other_candidates(gone: Resident, *, by: Any, at: Any) -> None:
    """Open candidates that involve the merged record are moot: close them, saying why."""
    others = list(
        DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN)
        .filter(Q(resident=gone) | Q(other=gone))
        .select_related("resident__community", "resident__grid")
    )
    if not others:
        return
    note = _("其中一条记录已在另一次核查中合并，自动关闭。")
    DuplicateCandidate.objects.filter(
        pk__in=[c.pk for c in others], status=DuplicateStatus.OPEN
    ).update(
        status=DuplicateStatus.MERGED,
        decided_by=by,
        decided_at=at,
        note=note,
        version=F("version") + 1,
    )
    for candidate in others:
        audit.record("registry.close_duplicate", obj=candidate, actor=by, fields=["status", "note"])


@transaction.atomic
def merge_duplicate(
    *, candidate: DuplicateCandidate, keep: Resident, by: Any, note: str = ""
) -> Resident:
    """Merge the pair into ``keep``: the other record stays, marked merged into it, with its history.

    Safe under concurrent clicks: the candidate moves by a conditional update first, so a second
    merge or dismissal of the same pair fails with a clear message and changes nothing.
    """
    if keep.pk not in (candidate.resident_id, candidate.other_id):
        raise ValidationError({"keep": _("请在这两条记录中选择要保留的一条。")})
    note = _clean_note(note, required=False)
    pair = {
        resident.pk: resident
        for resident in Resident.objects.select_for_update(of=("self",))
        .select_related("community", "grid", "household")
        .filter(pk__in=[candidate.resident_id, candidate.other_id])
        .order_by("pk")
    }
    kept = pair[keep.pk]
    gone = pair[candidate.other_id if keep.pk == candidate.resident_id else candidate.resident_id]
    _require_both(by, (kept, gone))
    now = timezone.now()
    today = timezone.localdate()
    DUPLICATE_WORKFLOW.fire(
        candidate, "merge", by=by, kept=kept, decided_by=by, decided_at=now, note=note
    )
    if kept.status != LifeStatus.ACTIVE or gone.status != LifeStatus.ACTIVE:
        raise ValidationError(
            _("其中一条记录已不在册，不能合并。如两条记录不是同一人，请选择“不是同一人”。")
        )
    moved = _move_identifiers(kept, gone)
    _leave_household(kept, gone, on=today, by=by)
    _carry_tags(kept, gone, on=today, by=by)
    _carry_rentals(kept, gone, on=today, by=by)
    gone.status, gone.status_date, gone.merged_into = LifeStatus.MERGED, today, kept
    gone.version = F("version") + 1
    gone.updated_at = now
    gone.save(update_fields=["status", "status_date", "merged_into", "version", "updated_at"])
    _close_other_candidates(gone, by=by, at=now)
    audit.record(
        "registry.merge_duplicate", obj=candidate, actor=by, fields=["status", "kept", "note"]
    )
    audit.record(
        "registry.merge_resident",
        obj=gone,
        actor=by,
        fields=["status", "status_date", "merged_into", *moved],
    )
    if moved:
        audit.record("registry.update_resident", obj=kept, actor=by, fields=moved)
    # The kept record may now match others (a birth date from the moved ID number, for one).
    detect_duplicates(resident_ids=[kept.pk])
    kept.refresh_from_db()
    return kept


@transaction.atomic
def dismiss_duplicate(*, candidate: DuplicateCandidate, by: Any, note: str) -> DuplicateCandidate:
    """Two different people: the pair leaves the queue and is never proposed again."""
    note = _clean_note(note, required=True)
    residents = Resident.objects.select_related("community", "grid").filter(
        pk__in=[candidate.resident_id, candidate.other_id]
    )
    _require_both(by, residents)
    DUPLICATE_WORKFLOW.fire(
        candidate, "dismiss", by=by, decided_by=by, decided_at=timezone.now(), note=note
    )
    audit.record("registry.dismiss_duplicate", obj=candidate, actor=by, fields=["status", "note"])
    return candidate
