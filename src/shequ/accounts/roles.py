"""The built-in roles, as data. ``actions.sync_builtin_roles`` writes them to the Role table.

三员分立 (等保 8.1.4.2): system_admin, security_admin and security_auditor are distinct, and none of them
holds any permission over residents' data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from shequ.accounts.permissions import AccountsPerm
from shequ.core.permissions import CorePerm
from shequ.territory.permissions import TerritoryPerm


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    name_en: str
    held_at: str
    permissions: tuple[str, ...] = ()
    requires_2fa: bool = False
    is_staff_role: bool = True
    description: object = field(default="")


class RegistryPerm:
    """Codes of the registry app, which sits above accounts: named here as text, checked at sync time."""

    VIEW = "registry.view"
    EDIT = "registry.edit"
    REVEAL = "registry.reveal"
    EXPORT = "registry.export"
    EXPORT_UNMASKED = "registry.export_unmasked"
    IMPORT = "registry.import"
    STATISTICS = "registry.statistics"
    HANDLE_RIGHTS = "registry.handle_rights"


class CasesPerm:
    """Codes of the cases app (layer 4), named here as text, checked at sync time."""

    VIEW_CATALOG = "cases.view_catalog"
    MANAGE_CATALOG = "cases.manage_catalog"
    ADMIT_ITEMS = "cases.admit_items"
    VIEW = "cases.view"
    INTAKE = "cases.intake"
    REPORT = "cases.report"
    ACCEPT = "cases.accept"
    DISPATCH = "cases.dispatch"
    HANDLE = "cases.handle"
    VERIFY = "cases.verify"
    APPROVE = "cases.approve"
    SUPERVISE = "cases.supervise"
    STATISTICS = "cases.statistics"
    MANAGE_ROUTING = "cases.manage_routing"
    MANAGE_OPEN311 = "cases.manage_open311"


class FacilitiesPerm:
    """Codes of the facilities app (layer 4), named here as text, checked at sync time."""

    VIEW = "facilities.view"
    EDIT = "facilities.edit"
    IMPORT = "facilities.import"
    ANALYSE = "facilities.analyse"
    MANAGE_STANDARD = "facilities.manage_standard"


class WorkforcePerm:
    """Codes of the workforce app (layer 5), named here as text, checked at sync time."""

    VIEW = "workforce.view"
    EDIT = "workforce.edit"
    REVEAL = "workforce.reveal"
    MANAGE_PAY = "workforce.manage_pay"
    TRAIN = "workforce.train"
    REVIEW = "workforce.review"
    VET_CANDIDATES = "workforce.vet_candidates"
    CONFIGURE = "workforce.configure"
    IMPORT = "workforce.import"


class OrganizationsPerm:
    """Codes of the organizations app (layer 6), named here as text, checked at sync time."""

    VIEW = "organizations.view"
    EDIT = "organizations.edit"
    MANAGE_PROJECTS = "organizations.manage_projects"
    VIEW_CHARITY = "organizations.view_charity"
    POST_CHARITY = "organizations.post_charity"
    APPROVE_CHARITY = "organizations.approve_charity"
    MANAGE_PROPERTY = "organizations.manage_property"
    MANAGE_CREDIT = "organizations.manage_credit"
    IMPORT = "organizations.import"


class VolunteeringPerm:
    """Codes of the volunteering app (layer 7), named here as text, checked at sync time."""

    VIEW = "volunteering.view"
    MANAGE = "volunteering.manage"
    ORGANISE = "volunteering.organise"
    PARTY = "volunteering.party"
    WISHES = "volunteering.wishes"
    TIMEBANK = "volunteering.timebank"
    CONFIGURE = "volunteering.configure"
    STATISTICS = "volunteering.statistics"


class ParticipationPerm:
    """Codes of the participation app (layer 5), named here as text, checked at sync time."""

    VIEW = "participation.view"
    PROPOSE = "participation.propose"
    TOPICS = "participation.topics"
    MEETINGS = "participation.meetings"
    DISCLOSE = "participation.disclose"
    SUPERVISE = "participation.supervise"
    MODERATE = "participation.moderate"
    ELECTIONS = "participation.elections"
    LISTS = "participation.lists"
    CONFIGURE = "participation.configure"
    STATISTICS = "participation.statistics"


class CarePerm:
    """Codes of the care app (layer 8), named here as text, checked at sync time."""

    VIEW = "care.view"
    VISIT = "care.visit"
    PLAN = "care.plan"
    CONFIGURE = "care.configure"
    HOME_SERVICES = "care.home_services"
    BOOKINGS = "care.bookings"
    STATISTICS = "care.statistics"


class EmergencyPerm:
    """Codes of the emergency app (layer 8), named here as text, checked at sync time."""

    VIEW = "emergency.view"
    ISSUE_ALERTS = "emergency.issue_alerts"
    CONFIRM_REACH = "emergency.confirm_reach"
    MANAGE_SHELTERS = "emergency.manage_shelters"
    MANAGE_SUPPLIES = "emergency.manage_supplies"
    RECORD_DRILLS = "emergency.record_drills"


class IndicatorPerm:
    """Codes of the indicators app (layer 9), named here as text, checked at sync time."""

    VIEW = "indicators.view"
    REBUILD = "indicators.rebuild"
    TARGETS = "indicators.targets"
    ASSESS = "indicators.assess"
    PROJECTS = "indicators.projects"
    COMMAND = "indicators.command"


_STAFF_BASE = (TerritoryPerm.VIEW, CorePerm.USE_API)
# indicators.assess: held at a community, its staff prepare the six-standards assessment; held
# above (township, county, city), it reviews them (ADR 0033).
_INDICATOR_OVERSIGHT = (IndicatorPerm.VIEW, IndicatorPerm.REBUILD, IndicatorPerm.ASSESS)
_WORKFORCE_DESK = (WorkforcePerm.VIEW, WorkforcePerm.EDIT)
_WORKFORCE_LEAD = (
    *_WORKFORCE_DESK,
    WorkforcePerm.REVEAL,
    WorkforcePerm.MANAGE_PAY,
    WorkforcePerm.TRAIN,
    WorkforcePerm.REVIEW,
    WorkforcePerm.VET_CANDIDATES,
    WorkforcePerm.IMPORT,
)
_ORG_DESK = (
    OrganizationsPerm.VIEW,
    OrganizationsPerm.EDIT,
    OrganizationsPerm.VIEW_CHARITY,
    OrganizationsPerm.POST_CHARITY,
    OrganizationsPerm.MANAGE_PROPERTY,
)
_ORG_LEAD = (
    *_ORG_DESK,
    OrganizationsPerm.MANAGE_PROJECTS,
    OrganizationsPerm.APPROVE_CHARITY,
    OrganizationsPerm.MANAGE_CREDIT,
    OrganizationsPerm.IMPORT,
)
_VOLUNTEER_DESK = (
    VolunteeringPerm.VIEW,
    VolunteeringPerm.MANAGE,
    VolunteeringPerm.ORGANISE,
    VolunteeringPerm.PARTY,
    VolunteeringPerm.WISHES,
    VolunteeringPerm.TIMEBANK,
)
_VOLUNTEER_LEAD = (*_VOLUNTEER_DESK, VolunteeringPerm.STATISTICS)
_CARE_GRID = (CarePerm.VIEW, CarePerm.VISIT, CarePerm.HOME_SERVICES, CarePerm.BOOKINGS)
_CARE_DESK = (*_CARE_GRID, CarePerm.PLAN)
_CARE_LEAD = (*_CARE_DESK, CarePerm.STATISTICS)
_CARE_OVERSIGHT = (CarePerm.VIEW, CarePerm.PLAN, CarePerm.STATISTICS, CarePerm.CONFIGURE)
_EMERGENCY_GRID = (EmergencyPerm.VIEW, EmergencyPerm.CONFIRM_REACH)
_EMERGENCY_DESK = (
    *_EMERGENCY_GRID,
    EmergencyPerm.MANAGE_SHELTERS,
    EmergencyPerm.MANAGE_SUPPLIES,
    EmergencyPerm.RECORD_DRILLS,
)
_EMERGENCY_LEAD = (*_EMERGENCY_DESK, EmergencyPerm.ISSUE_ALERTS)
_PARTICIPATION_GRID = (ParticipationPerm.VIEW, ParticipationPerm.PROPOSE)
_PARTICIPATION_DESK = (
    *_PARTICIPATION_GRID,
    ParticipationPerm.TOPICS,
    ParticipationPerm.MEETINGS,
    ParticipationPerm.DISCLOSE,
    ParticipationPerm.MODERATE,
    ParticipationPerm.ELECTIONS,
    ParticipationPerm.LISTS,
)
_PARTICIPATION_LEAD = (
    *_PARTICIPATION_DESK,
    ParticipationPerm.CONFIGURE,
    ParticipationPerm.STATISTICS,
)
_PARTICIPATION_OVERSIGHT = (
    ParticipationPerm.VIEW,
    ParticipationPerm.CONFIGURE,
    ParticipationPerm.STATISTICS,
)
_FACILITY_DESK = (FacilitiesPerm.VIEW, FacilitiesPerm.EDIT)
_FACILITY_LEAD = (*_FACILITY_DESK, FacilitiesPerm.IMPORT, FacilitiesPerm.ANALYSE)
_CATALOG_MANAGE = (CasesPerm.VIEW_CATALOG, CasesPerm.MANAGE_CATALOG)
_CASE_DESK = (
    CasesPerm.VIEW,
    CasesPerm.INTAKE,
    CasesPerm.ACCEPT,
    CasesPerm.DISPATCH,
    CasesPerm.VERIFY,
)
_CASE_LEAD = (
    *_CASE_DESK,
    CasesPerm.APPROVE,
    CasesPerm.SUPERVISE,
    CasesPerm.STATISTICS,
    CasesPerm.MANAGE_ROUTING,
)
_CASE_OVERSIGHT = (
    CasesPerm.VIEW,
    CasesPerm.SUPERVISE,
    CasesPerm.APPROVE,
    CasesPerm.STATISTICS,
    CasesPerm.MANAGE_ROUTING,
)

BUILTIN_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("resident", "居民", "Resident", "community", (), is_staff_role=False,
             description=_("居民本人：提交诉求、查看自己的办件。")),
    RoleSpec("grid_worker", "网格员", "Grid worker", "grid",
             (*_STAFF_BASE, RegistryPerm.VIEW, RegistryPerm.EDIT, CasesPerm.VIEW_CATALOG,
              CasesPerm.VIEW, CasesPerm.REPORT, CasesPerm.INTAKE, CasesPerm.VERIFY,
              FacilitiesPerm.VIEW, VolunteeringPerm.VIEW, VolunteeringPerm.WISHES, *_CARE_GRID,
              *_EMERGENCY_GRID, *_PARTICIPATION_GRID),
             description=_("在所负责网格内巡查、采集信息、上报事件。")),
    RoleSpec("community_staff", "社区工作者", "Community staff", "community",
             (*_STAFF_BASE, TerritoryPerm.MANAGE_GRIDS, RegistryPerm.VIEW, RegistryPerm.EDIT,
              RegistryPerm.REVEAL, RegistryPerm.EXPORT, RegistryPerm.IMPORT, RegistryPerm.HANDLE_RIGHTS,
              *_CATALOG_MANAGE, *_CASE_DESK, *_FACILITY_DESK, WorkforcePerm.VIEW, *_ORG_DESK,
              *_VOLUNTEER_DESK, *_CARE_DESK, *_EMERGENCY_DESK, *_PARTICIPATION_DESK,
              IndicatorPerm.ASSESS),
             description=_("村(社区)工作人员，办理本社区事务。")),
    RoleSpec("community_head", "社区负责人", "Community head", "community",
             (*_STAFF_BASE, TerritoryPerm.MANAGE_GRIDS, AccountsPerm.VIEW_USERS, RegistryPerm.VIEW,
              RegistryPerm.EDIT, RegistryPerm.REVEAL, RegistryPerm.EXPORT, RegistryPerm.EXPORT_UNMASKED,
              RegistryPerm.IMPORT, RegistryPerm.STATISTICS, RegistryPerm.HANDLE_RIGHTS, *_CATALOG_MANAGE,
              *_CASE_LEAD, *_FACILITY_DESK, FacilitiesPerm.IMPORT, *_WORKFORCE_DESK,
              WorkforcePerm.TRAIN, *_ORG_DESK, OrganizationsPerm.APPROVE_CHARITY, *_VOLUNTEER_LEAD,
              *_CARE_LEAD, *_EMERGENCY_DESK, *_PARTICIPATION_LEAD, IndicatorPerm.VIEW,
              IndicatorPerm.ASSESS),
             description=_("村(社区)书记、主任，统筹本社区工作。")),
    RoleSpec("township_staff", "镇(街道)工作人员", "Township staff", "township",
             (*_STAFF_BASE, TerritoryPerm.MANAGE_GRIDS, AccountsPerm.VIEW_USERS, RegistryPerm.VIEW,
              RegistryPerm.EXPORT, RegistryPerm.STATISTICS, *_CATALOG_MANAGE, *_CASE_LEAD,
              *_FACILITY_LEAD, *_WORKFORCE_LEAD, *_ORG_LEAD, *_VOLUNTEER_LEAD, *_CARE_LEAD,
              *_EMERGENCY_LEAD, ParticipationPerm.VIEW, ParticipationPerm.MODERATE,
              ParticipationPerm.STATISTICS, IndicatorPerm.VIEW, IndicatorPerm.PROJECTS, IndicatorPerm.COMMAND,
              IndicatorPerm.ASSESS),
             description=_("镇(街道)工作人员，指导辖区内村(社区)。")),
    RoleSpec("county_official", "县(市、区)民政干部", "County official", "county",
             (*_STAFF_BASE, AccountsPerm.VIEW_USERS, RegistryPerm.STATISTICS, *_CATALOG_MANAGE,
              CasesPerm.ADMIT_ITEMS, *_CASE_OVERSIGHT, *_FACILITY_LEAD, *_WORKFORCE_LEAD,
              WorkforcePerm.CONFIGURE, *_ORG_LEAD, *_VOLUNTEER_LEAD, VolunteeringPerm.CONFIGURE,
              *_CARE_OVERSIGHT, *_EMERGENCY_LEAD,
              *_PARTICIPATION_OVERSIGHT, *_INDICATOR_OVERSIGHT, IndicatorPerm.PROJECTS, IndicatorPerm.COMMAND),
             description=_("县级民政等部门干部，统筹本县(市、区)。")),
    RoleSpec("city_official", "市级民政干部", "City official", "city",
             (*_STAFF_BASE, AccountsPerm.VIEW_USERS, RegistryPerm.STATISTICS, *_CATALOG_MANAGE,
              *_CASE_OVERSIGHT, *_FACILITY_LEAD, FacilitiesPerm.MANAGE_STANDARD, *_WORKFORCE_LEAD,
              WorkforcePerm.CONFIGURE, *_ORG_LEAD, *_VOLUNTEER_LEAD, VolunteeringPerm.CONFIGURE,
              *_CARE_OVERSIGHT, *_EMERGENCY_LEAD,
              *_PARTICIPATION_OVERSIGHT, *_INDICATOR_OVERSIGHT, IndicatorPerm.TARGETS,
              IndicatorPerm.PROJECTS, IndicatorPerm.COMMAND),
             description=_("市级民政等部门干部，统筹全市。")),
    RoleSpec("unit_handler", "承办单位人员", "Handling-unit officer", "unit",
             (CorePerm.USE_API, CasesPerm.VIEW_CATALOG, CasesPerm.VIEW, CasesPerm.HANDLE),
             description=_("职能部门、承办单位的办理人员，办理派遣给本单位的工单。")),
    RoleSpec("volunteer", "志愿者", "Volunteer", "community", (),
             is_staff_role=False, description=_("注册志愿者。")),
    RoleSpec("party_member", "党员", "Party member", "community", (),
             is_staff_role=False, description=_("到社区报到的在职党员。")),
    RoleSpec("supervision_member", "村(居)务监督委员会成员", "Supervision committee member",
             "community",
             (*_STAFF_BASE, ParticipationPerm.VIEW, ParticipationPerm.SUPERVISE),
             description=_("村(居)务监督委员会成员：监督村(居)务公开，答复居民异议。")),
    RoleSpec("social_org_staff", "社会组织人员", "Social-organization staff", "community",
             (*_STAFF_BASE, OrganizationsPerm.VIEW, VolunteeringPerm.VIEW,
              VolunteeringPerm.ORGANISE),
             description=_("社区社会组织、社工机构的工作人员。")),
    RoleSpec("auditor", "审计员", "Auditor", "any",
             (*_STAFF_BASE, CorePerm.VIEW_AUDIT, CorePerm.EXPORT_AUDIT),
             description=_("查看本辖区的操作审计记录。")),
    RoleSpec("system_admin", "系统管理员", "System administrator", "city",
             (CorePerm.USE_ADMIN, CorePerm.MANAGE_CALENDAR, TerritoryPerm.VIEW,
              TerritoryPerm.MANAGE, TerritoryPerm.MANAGE_GRIDS),
             requires_2fa=True,
             description=_("三员之一：维护区划、网格、日历等系统配置；不接触居民数据。")),
    RoleSpec("security_admin", "安全管理员", "Security administrator", "city",
             (CorePerm.USE_ADMIN, TerritoryPerm.VIEW, AccountsPerm.VIEW_USERS,
              AccountsPerm.MANAGE_USERS, AccountsPerm.ASSIGN_ROLES, CasesPerm.MANAGE_OPEN311),
             requires_2fa=True,
             description=_("三员之一：管理账号、角色授予和安全策略；不接触居民数据。")),
    RoleSpec("security_auditor", "安全审计员", "Security auditor", "city",
             (CorePerm.USE_ADMIN, CorePerm.VIEW_AUDIT, CorePerm.EXPORT_AUDIT, TerritoryPerm.VIEW),
             requires_2fa=True,
             description=_("三员之一：审查系统管理员和安全管理员的操作记录；不接触居民数据。")),
)  # fmt: skip

BUILTIN_BY_CODE = {spec.code: spec for spec in BUILTIN_ROLES}
