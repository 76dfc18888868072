"""The staff console's navigation, built from what the user may do."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.core.permissions import CorePerm
from shequ.territory.permissions import TerritoryPerm

# (label, url name, icon, permission or None, path prefix that marks it active)
NAV_ITEMS: list[tuple[Any, str, str, str | None, str]] = [
    (_("工作台"), "web:home", "house", None, "/"),
    (_("我的消息"), "web:inbox", "bell", None, "/inbox/"),
    (_("工单待办"), "cases:inbox", "inboxes", "cases.view", "/cases/inbox/"),
    (_("待派遣工单"), "cases:dispatch_board", "send", "cases.dispatch", "/cases/dispatch/"),
    (_("本单位工单"), "cases:unit_inbox", "building", "cases.handle", "/cases/unit/"),
    (_("受理登记"), "cases:intake", "pencil-square", "cases.intake", "/cases/new/"),
    (_("巡查上报"), "cases:grid_report", "camera", "cases.report", "/cases/report/"),
    (_("自助终端设置"), "cases:kiosk_setup", "display", "cases.intake", "/cases/kiosk-setup/"),
    (_("挂起延期审批"), "cases:approvals", "check2-square", "cases.approve", "/cases/approvals/"),
    (_("差评回访"), "cases:callbacks", "telephone", "cases.accept", "/cases/callbacks/"),
    (_("分拨规则"), "cases:routing", "signpost-split", "cases.manage_routing", "/cases/routing/"),
    (_("区域与网格"), "territory:browser", "diagram-3", TerritoryPerm.VIEW, "/territory/"),
    (_("居民与户籍"), "registry:residents", "people", "registry.view", "/registry/"),
    (_("出租房屋"), "registry:rentals", "house-door", "registry.view", "/registry/rentals/"),
    (_("批量导入"), "registry:imports", "upload", "registry.import", "/registry/imports/"),
    (
        _("疑似重复"),
        "registry:duplicate_list",
        "person-bounding-box",
        "registry.edit",
        "/registry/duplicates/",
    ),
    (
        _("权利请求"),
        "registry:rights_queue",
        "shield-check",
        "registry.handle_rights",
        "/registry/rights/",
    ),
    (
        _("居民统计"),
        "registry:statistics_home",
        "bar-chart",
        "registry.statistics",
        "/registry/statistics/",
    ),
    (_("服务事项"), "cases:catalog", "card-checklist", "cases.view_catalog", "/cases/catalog/"),
    (_("工单统计"), "cases:statistics", "graph-up", "cases.statistics", "/cases/statistics/"),
    (_("服务设施"), "facilities:facility_list", "buildings", "facilities.view", "/facilities/"),
    (_("生活圈覆盖"), "facilities:coverage", "geo-alt", "facilities.view", "/facilities/coverage/"),
    (_("设施导入"), "facilities:imports", "upload", "facilities.import", "/facilities/imports/"),
    (
        _("社区建筑面积"),
        "facilities:floor_areas",
        "rulers",
        "facilities.view",
        "/facilities/floor-areas/",
    ),
    (
        _("候选场地"),
        "facilities:candidate_sites",
        "pin-map",
        "facilities.view",
        "/facilities/candidate-sites/",
    ),
    (_("社区工作者"), "workforce:worker_list", "person-badge", "workforce.view", "/workforce/"),
    (_("队伍配备"), "workforce:staffing", "table", "workforce.view", "/workforce/staffing/"),
    (
        _("社工职业资格"),
        "workforce:qualifications",
        "award",
        "workforce.view",
        "/workforce/qualifications/",
    ),
    (_("教育培训"), "workforce:training", "mortarboard", "workforce.view", "/workforce/training/"),
    (
        _("年度考核"),
        "workforce:reviews",
        "clipboard-check",
        "workforce.view",
        "/workforce/reviews/",
    ),
    (_("后备人才库"), "workforce:reserve", "people", "workforce.view", "/workforce/reserve/"),
    (
        _("两委资格联审"),
        "workforce:candidate_reviews",
        "shield-check",
        "workforce.view",
        "/workforce/candidates/",
    ),
    (
        _("人口和社平工资"),
        "workforce:figures",
        "bar-chart-line",
        "workforce.view",
        "/workforce/figures/",
    ),
    (
        _("社区工作者导入"),
        "workforce:imports",
        "upload",
        "workforce.import",
        "/workforce/imports/",
    ),
    (
        _("社区社会组织"),
        "organizations:organization_list",
        "people",
        "organizations.view",
        "/organizations/",
    ),
    (
        _("社工站(室)"),
        "organizations:sites",
        "house-heart",
        "organizations.view",
        "/organizations/sites/",
    ),
    (
        _("服务项目"),
        "organizations:projects",
        "clipboard-data",
        "organizations.view",
        "/organizations/projects/",
    ),
    (
        _("五社联动"),
        "organizations:linkage",
        "diagram-3",
        "organizations.view",
        "/organizations/linkage/",
    ),
    (
        _("慈善基金(超市)"),
        "organizations:funds",
        "piggy-bank",
        "organizations.view_charity",
        "/organizations/charity/",
    ),
    (
        _("慈善需求"),
        "organizations:needs",
        "heart",
        "organizations.view_charity",
        "/organizations/charity/needs/",
    ),
    (
        _("慈善支出审批"),
        "organizations:disbursement_requests",
        "check2-square",
        "organizations.approve_charity",
        "/organizations/charity/requests/",
    ),
    (
        _("服务主体与信用"),
        "organizations:providers",
        "shop",
        "organizations.view",
        "/organizations/providers/",
    ),
    (
        _("小区物业"),
        "organizations:property",
        "buildings",
        "organizations.manage_property",
        "/organizations/property/",
    ),
    (
        _("社会组织导入"),
        "organizations:imports",
        "upload",
        "organizations.import",
        "/organizations/imports/",
    ),
    (
        _("服务主体导入"),
        "organizations:provider_imports",
        "upload",
        "organizations.import",
        "/organizations/provider-imports/",
    ),
    (
        _("志愿者"),
        "volunteering:volunteer_list",
        "person-hearts",
        "volunteering.view",
        "/volunteering/volunteers/",
    ),
    (
        _("志愿服务队"),
        "volunteering:team_list",
        "people-fill",
        "volunteering.view",
        "/volunteering/teams/",
    ),
    (
        _("志愿服务活动"),
        "volunteering:activity_list",
        "calendar-heart",
        "volunteering.view",
        "/volunteering/activities/",
    ),
    (
        _("时间银行"),
        "volunteering:timebank_accounts",
        "hourglass-split",
        "volunteering.view",
        "/volunteering/timebank/",
    ),
    (
        _("党员报到"),
        "volunteering:party_checkins",
        "person-check",
        "volunteering.view",
        "/volunteering/party/",
    ),
    (_("微心愿"), "volunteering:wish_board", "gift", "volunteering.view", "/volunteering/wishes/"),
    (
        _("志愿服务统计"),
        "volunteering:statistics",
        "bar-chart",
        "volunteering.statistics",
        "/volunteering/statistics/",
    ),
    (_("我的探访"), "care:my_visits", "person-walking", "care.visit", "/care/visits/"),
    (_("探访计划"), "care:plan_list", "calendar2-week", "care.view", "/care/visits/plans/"),
    (_("探访规则"), "care:rule_list", "list-check", "care.view", "/care/visits/rules/"),
    (_("探访率"), "care:dashboard", "clipboard2-check", "care.view", "/care/dashboard/"),
    (
        _("社区议题"),
        "participation:topic_list",
        "chat-square-text",
        "participation.view",
        "/participation/topics/",
    ),
    (
        _("议事会议"),
        "participation:meeting_list",
        "people",
        "participation.view",
        "/participation/meetings/",
    ),
    (
        _("议事协商组织"),
        "participation:body_list",
        "diagram-2",
        "participation.view",
        "/participation/meetings/bodies/",
    ),
    (
        _("议事协商覆盖率"),
        "participation:deliberation_coverage",
        "bar-chart",
        "participation.statistics",
        "/participation/meetings/coverage/",
    ),
    (_("规划指标"), "indicators:dashboard", "speedometer2", "indicators.view", "/indicators/"),
    (
        _("工作项目"),
        "indicators:project_list",
        "kanban",
        "indicators.view",
        "/indicators/projects/",
    ),
    (
        _("综合指挥平台"),
        "indicators:command",
        "display",
        "indicators.command",
        "/indicators/command/",
    ),
    (
        _("六个规范"),
        "indicators:standards",
        "clipboard-check",
        "indicators.assess",
        "/indicators/standards/",
    ),
    (
        _("村(居)务公开"),
        "participation:disclosure_list",
        "megaphone",
        "participation.view",
        "/participation/disclosures/",
    ),
    (
        _("公开异议答复"),
        "participation:objection_queue",
        "shield-check",
        "participation.supervise",
        "/participation/objections/",
    ),
    (
        _("社区建议"),
        "participation:suggestion_list",
        "lightbulb",
        "participation.view",
        "/participation/staff/talk/suggestions/",
    ),
    (
        _("论坛和邻里圈"),
        "participation:post_list",
        "chat-dots",
        "participation.view",
        "/participation/staff/talk/posts/",
    ),
    (
        _("内容审核"),
        "participation:moderation_queue",
        "flag",
        "participation.moderate",
        "/participation/staff/talk/moderation/",
    ),
    (
        _("禁言管理"),
        "participation:ban_list",
        "person-slash",
        "participation.moderate",
        "/participation/staff/talk/bans/",
    ),
    (
        _("内容管理规则"),
        "participation:moderation_policy",
        "sliders",
        "participation.configure",
        "/participation/staff/talk/policy/",
    ),
    (
        _("议题流程设置"),
        "participation:workflow_list",
        "diagram-3",
        "participation.configure",
        "/participation/topic-workflows/",
    ),
    (
        _("换届选民登记"),
        "participation:election_list",
        "person-lines-fill",
        "participation.view",
        "/participation/elections/",
    ),
    (
        _("三项清单"),
        "participation:lists_overview",
        "list-columns",
        "participation.view",
        "/participation/lists/",
    ),
    (
        _("微更新项目"),
        "participation:renewal_list",
        "tools",
        "participation.view",
        "/participation/renewals/",
    ),
    (
        _("避难场所"),
        "emergency:shelter_list",
        "house-heart",
        "emergency.view",
        "/emergency/shelters/",
    ),
    (_("应急物资"), "emergency:supply_list", "box-seam", "emergency.view", "/emergency/supplies/"),
    (_("应急演练"), "emergency:drill_list", "flag", "emergency.view", "/emergency/drills/"),
    (
        _("消防安全网格"),
        "emergency:fire_grid_list",
        "fire",
        "emergency.view",
        "/emergency/fire-grids/",
    ),
    (
        _("灾害信息员"),
        "emergency:informants",
        "broadcast",
        "emergency.view",
        "/emergency/informants/",
    ),
    (
        _("Open311 对接"),
        "cases:open311_clients",
        "plug",
        "cases.manage_open311",
        "/cases/open311-clients/",
    ),
    (_("审计日志"), "core:audit", "journal-text", CorePerm.VIEW_AUDIT, "/audit/"),
    (_("接口令牌"), "accounts:api_tokens", "key", CorePerm.USE_API, "/accounts/tokens/"),
    (_("管理后台"), "admin:index", "gear", CorePerm.USE_ADMIN, "/admin/"),
]


# Menus of the top bar, by the namespace of an item's URL name (or the name itself). Items of a
# namespace not listed stand alone; a menu with one item the user may use is shown as that item.
SECTIONS: list[tuple[str, Any, str, tuple[str, ...]]] = [
    ("cases", _("工单"), "inboxes", ("cases",)),
    ("people", _("居民与网格"), "people", ("territory", "registry")),
    ("facilities", _("设施与生活圈"), "buildings", ("facilities",)),
    ("workforce", _("社区工作者"), "person-badge", ("workforce",)),
    ("organizations", _("社会组织与慈善"), "diagram-3", ("organizations",)),
    ("volunteering", _("志愿服务与党员"), "heart", ("volunteering",)),
    ("participation", _("居民自治与议事"), "chat-square-text", ("participation",)),
    ("care", _("关爱探访与居家服务"), "heart-pulse", ("care",)),
    ("emergency", _("应急管理"), "exclamation-triangle", ("emergency",)),
    ("system", _("系统"), "gear", ("cases:open311_clients", "core", "accounts", "admin")),
]


def _section_of(url_name: str) -> str | None:
    namespace = url_name.split(":", 1)[0]
    for code, _label, _icon, members in reversed(SECTIONS):
        if url_name in members:
            return code
    for code, _label, _icon, members in SECTIONS:
        if namespace in members:
            return code
    return None


def nav_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    """The top bar: single links and menus of links (``children``), only what ``user`` may use; the
    current page's link (and its menu) marked active."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", False):
        return []
    perms = user.permissions()
    shown = [item for item in NAV_ITEMS if item[3] is None or item[3] in perms]
    # The most specific prefix wins: /registry/statistics/ marks 居民统计, not 居民与户籍 as well.
    matching = [
        p
        for *_rest, p in shown
        if (current_path == "/" if p == "/" else current_path.startswith(p))
    ]
    best = max(matching, key=len, default=None)
    entries: list[dict[str, Any]] = []
    menus: dict[str, dict[str, Any]] = {}
    labels = {code: (label, icon) for code, label, icon, _members in SECTIONS}
    for label, url_name, icon, _perm, prefix in shown:
        link = {"label": label, "url": reverse(url_name), "icon": icon, "active": prefix == best}
        section = _section_of(url_name)
        if section is None:
            entries.append(link)
            continue
        if section not in menus:
            title, menu_icon = labels[section]
            menus[section] = {"label": title, "icon": menu_icon, "active": False, "children": []}
            entries.append(menus[section])
        menus[section]["children"].append(link)
        menus[section]["active"] = menus[section]["active"] or link["active"]
    # A menu of one is just that link.
    return [e["children"][0] if len(e.get("children", ())) == 1 else e for e in entries]
