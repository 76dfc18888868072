"""Every read about service providers (S4) and property management (V5).

Providers are registered at a county or a township and serve the places below it, so a staff member
sees the providers registered inside their jurisdiction *and* those registered at the places above
it (a community worker sees their county's property companies; a neighbouring county's stay hidden).
Changing a provider needs the jurisdiction over where it is registered.

Estates, their management and committees are read through ``scoped`` (an estate belongs to its
community and grid). The coverage table is one grouped query per page, by the child place each
estate's community lies under (its path prefix), as ``facilities.queries.coverage`` does.

The public directory (``directory``) lists active providers to everyone: names, services, addresses,
the red property badge and the credit level — never a phone number or an internal note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import HandlingUnit
from shequ.cases.models import FINISHED_STATUSES, Case, Rating
from shequ.cases.numbers import parse
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries.cases import visible_cases
from shequ.core import audit
from shequ.core.exports import ExportFile, check_export_size, stamped_sheet
from shequ.core.masking import mask_phone
from shequ.core.scoping import get_scoped_or_404, scope_q, scoped
from shequ.organizations.models import (
    CaseLink,
    CommitteeStatus,
    CreditAssessment,
    CreditEvent,
    CreditEventKind,
    CreditLevel,
    EstateCommittee,
    EstateManagement,
    ManagementMode,
    Provider,
    ProviderCase,
    ProviderKind,
    SocialOrganization,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.territory import queries as territory
from shequ.territory.models import Estate, Level, Region
from shequ.territory.queries import child_regions, grouped_by_child

PERM = OrganizationsPerm.VIEW
PROPERTY = OrganizationsPerm.MANAGE_PROPERTY
MAX_EXPORT_ROWS = 50_000
PROVIDER_LEVELS = (Level.COUNTY, Level.TOWNSHIP)


def perm_for(kind: str) -> str:
    return PROPERTY if kind == ProviderKind.PROPERTY else OrganizationsPerm.EDIT


# --- Providers ------------------------------------------------------------------------------------


def _ancestors(path: str) -> list[str]:
    """``"32/3203/320302/"`` → ``["32/", "32/3203/", "32/3203/320302/"]``."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def visible_providers(user: Any, perm: str = PERM) -> QuerySet[Provider]:
    """Providers registered inside ``user``'s jurisdiction for ``perm`` or at a place above it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Provider.objects.none()
    where = user.jurisdiction(perm)
    inside = scope_q(Provider, where)
    above = {
        a
        for p in (*where.region_paths, *where.grid_paths, *where.grid_community_paths)
        for a in _ancestors(p)
    }
    condition = Q(region__path__in=sorted(above)) if above else None
    if inside is not None:
        condition = inside if condition is None else condition | inside
    if condition is None:
        return Provider.objects.none()
    return Provider.objects.filter(condition)


def may_change(user: Any, provider: Provider) -> bool:
    perm = perm_for(provider.kind)
    return bool(user.has_permission(perm)) and user.jurisdiction(perm).covers_path(
        provider.region.path
    )


def may_manage_credit(user: Any, provider: Provider) -> bool:
    perm = OrganizationsPerm.MANAGE_CREDIT
    return bool(user.has_permission(perm)) and user.jurisdiction(perm).covers_path(
        provider.region.path
    )


@dataclass(frozen=True)
class ProviderFilters:
    q: str = ""  # words of the name, address or services, or the USCC
    kind: str = ""
    region_path: str = ""  # registered in this place's subtree
    credit_level: str = ""
    red_property: bool = False
    include_inactive: bool = False


def _rows(found: QuerySet[Provider]) -> QuerySet[Provider]:
    return found.select_related("region").defer("region__geometry")


def search_providers(user: Any, filters: ProviderFilters = ProviderFilters()) -> QuerySet[Provider]:
    found = visible_providers(user)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    if filters.credit_level:
        found = found.filter(credit_level=filters.credit_level)
    if filters.red_property:
        found = found.filter(is_red_property=True)
    if not filters.include_inactive:
        found = found.filter(is_active=True)
    q = filters.q.strip()
    if q:
        found = found.filter(
            Q(name__icontains=q)
            | Q(address__icontains=q)
            | Q(services__icontains=q)
            | Q(uscc=q.upper())
        )
    return _rows(found).order_by("kind", "name", "id")


def provider_detail(user: Any, provider_id: int) -> Provider:
    """One provider ``user`` may see; 404 otherwise, as for one that does not exist."""
    try:
        return (
            visible_providers(user)
            .select_related("region", "handling_unit", "social_organization")
            .defer("region__geometry")
            .get(pk=provider_id)
        )
    except (Provider.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def editable_provider(user: Any, provider_id: int) -> Provider:
    """A provider ``user`` may change; one they may only see answers 404."""
    provider = provider_detail(user, provider_id)
    if not may_change(user, provider):
        raise Http404
    return provider


def credit_provider(user: Any, provider_id: int) -> Provider:
    """A provider whose credit ``user`` may record and reassess; 404 otherwise."""
    provider = provider_detail(user, provider_id)
    if not may_manage_credit(user, provider):
        raise Http404
    return provider


def provider_cases(user: Any, provider: Provider) -> QuerySet[ProviderCase]:
    """Cases linked to ``provider`` that ``user`` may see (cases.view), newest first."""
    return (
        ProviderCase.objects.filter(provider=provider, case__in=visible_cases(user).values("pk"))
        .select_related("case", "case__region", "estate")
        .defer("case__region__geometry", "case__description", "case__attributes")
        .order_by("-linked_at", "-pk")
    )


def handled_cases_count(user: Any, provider: Provider) -> int:
    """Cases dispatched to the provider's handling unit that ``user`` may see."""
    if not provider.handling_unit_id:
        return 0
    return visible_cases(user).filter(lead_unit_id=provider.handling_unit_id).count()


def credit_events(provider: Provider) -> QuerySet[CreditEvent]:
    return provider.credit_events.select_related("recorded_by").order_by("-occurred_on", "-pk")


def assessments(provider: Provider) -> QuerySet[CreditAssessment]:
    return provider.assessments.order_by("-assessed_at", "-pk")


def managed_estates(user: Any, provider: Provider) -> QuerySet[EstateManagement]:
    """The estates ``provider`` manages now, those ``user`` may see."""
    return (
        scoped(EstateManagement.objects.all(), user, PERM)
        .filter(provider=provider, ended_on__isnull=True)
        .select_related("estate", "estate__community")
        .defer("estate__geometry", "estate__community__geometry")
        .order_by("estate__community__path", "estate__name")
    )


def case_by_number(user: Any, text: str) -> Case:
    """The case a typed number names (separators ignored) among those ``user`` may see (cases.view);
    404 otherwise, as for a number that does not exist."""
    parsed = parse(text or "")
    if parsed is None:
        raise Http404
    pk, _day = parsed
    found = (
        visible_cases(user, CasesPerm.VIEW)
        .select_related("region")
        .defer("region__geometry")
        .filter(pk=pk)
        .first()
    )
    if found is None or found.number != "".join(c for c in text if c.isdigit()):
        raise Http404
    return found


def complaint_estates(case: Case) -> QuerySet[Estate]:
    return Estate.objects.filter(community_id=case.region_id).defer("geometry").order_by("name")


# --- Choices for the forms -------------------------------------------------------------------------


def registration_regions(user: Any, perm: str) -> QuerySet[Region]:
    """Counties and townships where ``user`` may register providers under ``perm``."""
    return (
        scoped(Region.objects.filter(level__in=PROVIDER_LEVELS), user, perm)
        .defer("geometry")
        .order_by("path")
    )


def _editable_q(model: Any, user: Any) -> Q | None:
    """Rows of ``model`` in ``user``'s jurisdiction for editing providers or for property
    management, as one condition; None where they hold neither."""
    conditions = [
        c
        for c in (
            scope_q(model, user.jurisdiction(OrganizationsPerm.EDIT)),
            scope_q(model, user.jurisdiction(PROPERTY)),
        )
        if c is not None
    ]
    if not conditions:
        return None
    condition = conditions[0]
    for extra in conditions[1:]:
        condition |= extra
    return condition


def provider_regions(user: Any) -> QuerySet[Region]:
    """Counties and townships where ``user`` may register any provider."""
    condition = _editable_q(Region, user)
    if condition is None:
        return Region.objects.none()
    return (
        Region.objects.filter(condition, level__in=PROVIDER_LEVELS)
        .defer("geometry")
        .order_by("path")
    )


def filter_regions(user: Any) -> QuerySet[Region]:
    """Places the list may be narrowed to: the counties and townships the user's providers are in."""
    return (
        Region.objects.filter(pk__in=visible_providers(user).values("region_id"))
        .defer("geometry")
        .order_by("path")
    )


def unit_choices(user: Any) -> QuerySet[HandlingUnit]:
    condition = _editable_q(HandlingUnit, user)
    if condition is None:
        return HandlingUnit.objects.none()
    return HandlingUnit.objects.filter(condition).order_by("name")


def social_org_choices(user: Any) -> QuerySet[SocialOrganization]:
    return scoped(SocialOrganization.objects.all(), user, PERM).order_by("name")


def region_in_scope(user: Any, code: str, perm: str = PERM) -> Region:
    return territory.region_in_scope(user, code, perm)


def region_or_ancestor(user: Any, code: str) -> Region:
    """A region the provider list may be narrowed to: inside the jurisdiction or above it."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) <= 12):
        raise Http404
    region = Region.objects.defer("geometry").filter(code=code).first()
    if region is None:
        raise Http404
    where = user.jurisdiction(PERM)
    paths = (*where.region_paths, *where.grid_paths, *where.grid_community_paths)
    if not any(p.startswith(region.path) or region.path.startswith(p) for p in paths):
        raise Http404
    return region


# --- Export ---------------------------------------------------------------------------------------


def export_providers(*, user: Any, filters: ProviderFilters) -> ExportFile:
    """The providers of the list as filtered, as .xlsx (phones masked); audited."""
    found = search_providers(user, filters)
    check_export_size(
        found.count(),
        MAX_EXPORT_ROWS,
        _("符合条件的服务主体有 %(n)s 个，超过单次导出上限 %(max)s 个，请缩小范围后再导出。"),
    )
    out = stamped_sheet(
        user,
        _("服务主体清单"),
        [
            _("名称"),
            _("服务类型"),
            _("统一社会信用代码"),
            _("登记地区"),
            _("法定代表人"),
            _("联系电话"),
            _("经营地址"),
            _("国有企业"),
            _("红色物业"),
            _("红色物业认定日期"),
            _("信用等级"),
            _("信用分"),
            _("经营中"),
        ],
    )
    kinds = dict(ProviderKind.choices)
    yes, no = _("是"), _("否")
    rows = 0
    for provider in found.iterator(chunk_size=2000):
        out.append(
            [
                provider.name,
                str(kinds.get(provider.kind, provider.kind)),
                provider.uscc,
                provider.region.name,
                provider.legal_representative,
                mask_phone(provider.contact_phone) if provider.contact_phone else "",
                provider.address,
                yes if provider.is_state_owned else no,
                yes if provider.is_red_property else no,
                provider.red_property_since.isoformat() if provider.red_property_since else "",
                provider.credit_level,
                float(provider.credit_score),
                yes if provider.is_active else no,
            ]
        )
        rows += 1
    with transaction.atomic():
        audit.record(
            "organizations.provider.export",
            actor=user,
            object_type="organizations.Provider",
            object_repr=_("服务主体清单 %(n)s 个") % {"n": rows},
        )
    return ExportFile(
        filename=f"providers-{out.now:%Y%m%d-%H%M%S}.xlsx", content=out.content(), rows=rows
    )


# --- Public directory -----------------------------------------------------------------------------


def directory(*, kind: str = "", region: Region | None = None) -> QuerySet[Provider]:
    """Active providers for residents choosing one: what a public page may show, nothing more."""
    found = Provider.objects.filter(is_active=True)
    if kind:
        found = found.filter(kind=kind)
    if region is not None:
        found = found.filter(region__path__under=region.path)
    return (
        found.select_related("region")
        .only(
            "id",
            "kind",
            "name",
            "services",
            "address",
            "is_red_property",
            "credit_level",
            "credit_assessed_at",
            "region__name",
            "region__code",
        )
        .order_by("credit_level", "name", "id")
    )


def directory_regions() -> QuerySet[Region]:
    """Counties and townships with an active provider, for the public filter."""
    return (
        Region.objects.filter(
            level__in=PROVIDER_LEVELS,
            pk__in=Provider.objects.filter(is_active=True).values("region_id"),
        )
        .only("id", "code", "name", "path", "level")
        .order_by("path")
    )


def directory_region(code: str) -> Region | None:
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) <= 12):
        return None
    return (
        Region.objects.filter(code=code, level__in=PROVIDER_LEVELS)
        .only("id", "code", "name", "path", "level")
        .first()
    )


# --- Property coverage ----------------------------------------------------------------------------


def property_place(user: Any, code: str | None) -> Region:
    """The place the coverage page is about: ``code`` if the user may manage property there, else
    the user's widest such place."""
    visible = scoped(Region.objects.defer("geometry"), user, PROPERTY)
    if code:
        region = visible.filter(code=code.strip()).first()
        if region is None:
            raise Http404
        return region
    top = visible.order_by("depth", "path").first()
    if top is None:
        raise Http404
    return top


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


@dataclass
class CoverageRow:
    region: Region
    estates: int = 0
    company: int = 0
    fallback: int = 0
    self_managed: int = 0
    red: int = 0
    with_committee: int = 0

    @property
    def without(self) -> int:
        return self.estates - self.company - self.fallback - self.self_managed

    @property
    def managed_share(self) -> float | None:
        return (self.estates - self.without) / self.estates if self.estates else None

    @property
    def red_share(self) -> float | None:
        """Of the estates a company manages (fallback included), the share a red property manages."""
        professional = self.company + self.fallback
        return self.red / professional if professional else None

    @property
    def managed_percent(self) -> str:
        return _percent(self.managed_share)

    @property
    def red_percent(self) -> str:
        return _percent(self.red_share)

    def add(self, other: CoverageRow) -> None:
        for name in ("estates", "company", "fallback", "self_managed", "red", "with_committee"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _open(mode: str | None = None) -> Q:
    condition = Q(management__ended_on__isnull=True)
    if mode:
        condition &= Q(management__mode=mode)
    return condition


def _valid_committee_q(prefix: str, today: date) -> Q:
    return Q(**{f"{prefix}status": CommitteeStatus.ACTIVE}) & (
        Q(**{f"{prefix}term_ends_on__isnull": True}) | Q(**{f"{prefix}term_ends_on__gte": today})
    )


def coverage(user: Any, region: Region) -> tuple[CoverageRow, list[CoverageRow]]:
    """Property management of the estates under ``region`` and of each child place: one grouped
    query by the child each estate's community lies under."""
    children = child_regions(user, region, PROPERTY)
    total = CoverageRow(region=region)
    per_child = {child.path: CoverageRow(region=child) for child in children}
    estates = scoped(Estate.objects.all(), user, PROPERTY).filter(
        community__path__under=region.path
    )
    today = timezone.localdate()
    rows = grouped_by_child(
        estates,
        "community__path",
        children,
        n=Count("id", distinct=True),
        company=Count("management", distinct=True, filter=_open(ManagementMode.COMPANY)),
        fallback=Count("management", distinct=True, filter=_open(ManagementMode.STATE_FALLBACK)),
        self_managed=Count("management", distinct=True, filter=_open(ManagementMode.SELF_MANAGED)),
        red=Count(
            "management",
            distinct=True,
            filter=_open() & Q(management__provider__is_red_property=True),
        ),
        with_committee=Count("id", distinct=True, filter=_valid_committee_q("committees__", today)),
    )
    for child_path, row in rows:
        part = CoverageRow(
            region=region,
            estates=row["n"],
            company=row["company"],
            fallback=row["fallback"],
            self_managed=row["self_managed"],
            red=row["red"],
            with_committee=row["with_committee"],
        )
        total.add(part)
        if child_path is not None:
            per_child[child_path].add(part)
    return total, list(per_child.values())


def _open_management() -> QuerySet[EstateManagement]:
    return EstateManagement.objects.filter(estate=OuterRef("pk"), ended_on__isnull=True)


def estate_rows(user: Any, region: Region, *, without_only: bool = False) -> QuerySet[Estate]:
    """The estates under ``region`` with how each is managed now and whether it has a committee in
    office; one query."""
    today = timezone.localdate()
    current = _open_management()
    latest_committee = EstateCommittee.objects.filter(estate=OuterRef("pk")).order_by(
        "-established_on", "-pk"
    )
    found = (
        scoped(Estate.objects.all(), user, PROPERTY)
        .filter(community__path__under=region.path)
        .select_related("community")
        .defer("geometry", "community__geometry")
        .annotate(
            mode=Subquery(current.values("mode")[:1]),
            managed_since=Subquery(current.values("started_on")[:1]),
            manager_id=Subquery(current.values("provider_id")[:1]),
            manager_name=Subquery(current.values("provider__name")[:1]),
            manager_red=Subquery(current.values("provider__is_red_property")[:1]),
            has_committee=Exists(
                EstateCommittee.objects.filter(_valid_committee_q("", today), estate=OuterRef("pk"))
            ),
            committee_kind=Subquery(latest_committee.values("kind")[:1]),
        )
    )
    if without_only:
        found = found.filter(mode__isnull=True)
    return found.order_by("community__path", "name", "id")


def estate_detail(user: Any, estate_id: int) -> Estate:
    return get_scoped_or_404(
        Estate.objects.select_related("community", "community__parent", "grid").defer(
            "geometry", "community__geometry", "community__parent__geometry"
        ),
        user,
        PROPERTY,
        pk=estate_id,
    )


def management_history(estate: Estate) -> QuerySet[EstateManagement]:
    return (
        EstateManagement.objects.filter(estate=estate)
        .select_related("provider", "recorded_by")
        .order_by("-started_on", "-pk")
    )


def current_management(estate: Estate) -> EstateManagement | None:
    return (
        EstateManagement.objects.filter(estate=estate, ended_on__isnull=True)
        .select_related("provider")
        .first()
    )


def property_companies(user: Any, *, state_owned: bool = False) -> QuerySet[Provider]:
    """Active property companies ``user`` can see (those registered above their places included)."""
    found = visible_providers(user).filter(kind=ProviderKind.PROPERTY, is_active=True)
    if state_owned:
        found = found.filter(is_state_owned=True)
    return found.order_by("name", "id")


# --- Committees -----------------------------------------------------------------------------------


def estate_committees(estate: Estate) -> QuerySet[EstateCommittee]:
    return estate.committees.order_by("-established_on", "-pk")


def committee_detail(user: Any, committee_id: int) -> EstateCommittee:
    return get_scoped_or_404(
        EstateCommittee.objects.select_related("estate", "estate__community").defer(
            "estate__geometry", "estate__community__geometry"
        ),
        user,
        PROPERTY,
        pk=committee_id,
    )


@dataclass(frozen=True)
class CommitteeFilters:
    region_path: str = ""
    kind: str = ""
    status: str = ""


def committees(
    user: Any, filters: CommitteeFilters = CommitteeFilters()
) -> QuerySet[EstateCommittee]:
    found = scoped(EstateCommittee.objects.all(), user, PROPERTY)
    if filters.region_path:
        found = found.filter(estate__community__path__under=filters.region_path)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.status:
        found = found.filter(status=filters.status)
    return (
        found.select_related("estate", "estate__community")
        .defer("estate__geometry", "estate__community__geometry")
        .order_by("estate__community__path", "estate__name", "-established_on", "pk")
    )


def estates_needing_committee(user: Any, region_path: str = "") -> QuerySet[Estate]:
    """Estates without a committee in office: none ever (``committee_state`` "missing") or only
    expired or dissolved ones ("expired")."""
    today = timezone.localdate()
    found = scoped(Estate.objects.all(), user, PROPERTY)
    if region_path:
        found = found.filter(community__path__under=region_path)
    any_committee = EstateCommittee.objects.filter(estate=OuterRef("pk"))
    return (
        found.annotate(
            has_any=Exists(any_committee),
            has_valid=Exists(any_committee.filter(_valid_committee_q("", today))),
            last_term_end=Subquery(
                any_committee.order_by("-established_on", "-pk").values("term_ends_on")[:1]
            ),
        )
        .filter(has_valid=False)
        .select_related("community")
        .defer("geometry", "community__geometry")
        .order_by("community__path", "name", "id")
    )


def committee_regions(user: Any) -> QuerySet[Region]:
    where = user.jurisdiction(PROPERTY)
    tops = [*where.region_paths, *where.grid_community_paths]
    if not tops:
        return Region.objects.none()
    deepest = min(path.count("/") - 1 for path in tops) + 2
    return (
        scoped(Region.objects.all(), user, PROPERTY)
        .filter(depth__lte=deepest)
        .defer("geometry")
        .order_by("path")
    )


# --- Credit ---------------------------------------------------------------------------------------

# Points per event, by kind (the rule of ``credit_score``): a sanction costs 5 to 30 points, a
# commendation earns 2 to 10.
POINT_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    CreditEventKind.SANCTION: (Decimal(-30), Decimal(-5)),
    CreditEventKind.COMMENDATION: (Decimal(2), Decimal(10)),
}
WINDOW_DAYS = 730  # the last 24 months
START = Decimal(100)
RATING_NEUTRAL = Decimal(4)  # an average of 4 stars neither raises nor lowers the score
RATING_POINTS_PER_STAR = Decimal(5)  # 5 stars: +5; 3 stars: −5; 1 star: −15
MIN_RATINGS = 3  # fewer ratings say too little about a provider to move its score
COMPLAINT_POINTS = Decimal(-2)
COMPLAINT_CAP = Decimal(-20)
COMMENDATION_CAP = Decimal(20)
LEVEL_FLOORS = (
    (CreditLevel.A, Decimal(90)),
    (CreditLevel.B, Decimal(75)),
    (CreditLevel.C, Decimal(60)),
)


@dataclass(frozen=True)
class CreditComponents:
    """What a provider's score is made of, over the window ending ``as_of``."""

    as_of: date
    ratings: int = 0
    average_stars: Decimal | None = None
    complaints: int = 0
    sanction_points: Decimal = Decimal(0)
    sanctions: int = 0
    commendation_points: Decimal = Decimal(0)
    commendations: int = 0


def credit_score(parts: CreditComponents) -> tuple[Decimal, str, dict[str, str]]:
    """The scoring rule (S4), over the last 24 months:

    - start at 100;
    - ratings of finished cases the provider handled: with at least 3 ratings, (average stars − 4)
      × 5 points (5 stars +5, 3 stars −5, 1 star −15);
    - each valid complaint (a complaint case linked to it that finished without rejection) −2,
      at most −20 in all;
    - sanctions as recorded (each −5 to −30), commendations as recorded (each +2 to +10, at most
      +20 in all);
    - the sum clamped to 0–100; level A ≥ 90, B ≥ 75, C ≥ 60, D below.

    Returns the score, the level and each component's points (as text, for the stored basis)."""
    rating = Decimal(0)
    if parts.average_stars is not None and parts.ratings >= MIN_RATINGS:
        rating = (parts.average_stars - RATING_NEUTRAL) * RATING_POINTS_PER_STAR
    complaint = max(COMPLAINT_CAP, COMPLAINT_POINTS * parts.complaints)
    commendation = min(COMMENDATION_CAP, parts.commendation_points)
    total = START + rating + complaint + parts.sanction_points + commendation
    score = min(Decimal(100), max(Decimal(0), total)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    level = next((lvl for lvl, floor in LEVEL_FLOORS if score >= floor), CreditLevel.D)
    points = {
        "rating": rating,
        "complaint": complaint,
        "sanction": parts.sanction_points,
        "commendation": commendation,
    }
    # Adding zero turns −0 (no complaints × −2) into 0.
    return (
        score,
        str(level),
        {
            key: str((value + Decimal(0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
            for key, value in points.items()
        },
    )


def credit_components(provider: Provider, *, as_of: date | None = None) -> CreditComponents:
    """Read the facts of the rule for ``provider`` over the 24 months to ``as_of`` (4 queries)."""
    day = as_of or timezone.localdate()
    since = timezone.make_aware(
        datetime.combine(day - timedelta(days=WINDOW_DAYS), datetime.min.time())
    )
    until = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))
    handled = Q(
        case__provider_links__provider=provider, case__provider_links__link=CaseLink.HANDLED
    )
    if provider.handling_unit_id:
        handled |= Q(case__lead_unit_id=provider.handling_unit_id)
    ratings = (
        # A rating is given to a closed case; a bad one reopens it for rectification (整改), and
        # still counts: it judged the work as it was finished.
        Rating.objects.filter(
            handled,
            rated_at__gte=since,
            rated_at__lt=until,
        )
        .values("pk")
        .distinct()
    )
    rated = Rating.objects.filter(pk__in=ratings).aggregate(n=Count("id"), avg=Avg("stars"))
    complaints = ProviderCase.objects.filter(
        provider=provider,
        link=CaseLink.COMPLAINT,
        case__status__in=FINISHED_STATUSES,
        case__closed_at__gte=since,
        case__closed_at__lt=until,
    ).count()
    events = {
        row["kind"]: row
        for row in CreditEvent.objects.filter(
            provider=provider,
            kind__in=list(POINT_RANGES),
            occurred_on__gt=day - timedelta(days=WINDOW_DAYS),
            occurred_on__lte=day,
        )
        .values("kind")
        .annotate(n=Count("id"), points=Sum("points"))
        .order_by()
    }
    sanction = events.get(CreditEventKind.SANCTION, {})
    commendation = events.get(CreditEventKind.COMMENDATION, {})
    average = rated["avg"]
    return CreditComponents(
        as_of=day,
        ratings=rated["n"] or 0,
        average_stars=Decimal(str(average)).quantize(Decimal("0.01"))
        if average is not None
        else None,
        complaints=complaints,
        sanction_points=sanction.get("points") or Decimal(0),
        sanctions=sanction.get("n") or 0,
        commendation_points=commendation.get("points") or Decimal(0),
        commendations=commendation.get("n") or 0,
    )
