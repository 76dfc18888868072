"""The demo catalogue: service items of a Xuzhou county and its communities, and the certificates
communities no longer issue (证明事项清理). ``load_demo_catalog`` goes through the actions (system actor),
so county items are published and community items pass admission; running it twice adds nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shequ.accounts.models import HandlingUnit
from shequ.cases import actions
from shequ.cases.models import AbolishedCertificate, ServiceItem
from shequ.territory.models import Region

ID = ("居民身份证", "申请人本人", 1, True)
HUKOU = ("户口簿", "", 1, True)
PHOTO = ("近期一寸免冠彩色照片", "", 2, False)
FORM = ("申请表", "现场领取或网上下载填写", 1, True)
PROXY = ("代办人身份证及委托书", "他人代办时提供", 1, True)

W, ON, P, K, H, A, X, G, S = (
    "window", "online", "phone", "kiosk", "home_visit", "appointment", "proxy", "grid_patrol", "sensor",
)  # fmt: skip

# (code, level, name, name_en, category, materials, limit, unit, channels, units, basis, extra)
# ``level``: "county" items are published by the county; "community" items pass the county's admission.
ITEMS: tuple[tuple[Any, ...], ...] = (
    ("ELD-ALLOWANCE", "county", "高龄津贴申领", "Old-age allowance (80+)", "elderly_care",
     [ID, HUKOU, ("本人社会保障卡或银行卡", "用于津贴发放", 1, False), PROXY], 15, "working_days",
     [W, ON, H, X], ["mz"], "《江苏省老年人权益保障条例》；徐州市高龄津贴发放办法",
     {"home_visit_possible": True}),
    ("ELD-HOMECARE", "county", "居家养老服务申请", "Home-based elderly care", "elderly_care",
     [ID, HUKOU, ("老年人能力评估表", "社区协助申请评估", 1, True), ("低保证或特困证", "如有，可享受政府购买服务", 1, False)],
     20, "working_days", [W, ON, H, P], ["mz"], "《徐州市居家养老服务条例》", {"home_visit_possible": True}),
    ("ELD-MEALS", "community", "助餐服务登记", "Meal service for older people", "elderly_care",
     [ID, ("老年人优待证", "如有", 1, False)], 3, "working_days", [W, P, H], ["mz"], "徐州市老年人助餐服务实施方案",
     {"home_visit_possible": True}),
    ("ELD-CARD", "county", "老年人优待证办理", "Senior citizen card", "elderly_care",
     [ID, PHOTO], 5, "working_days", [W, ON, X], ["mz"], "《中华人民共和国老年人权益保障法》", {}),
    ("ELD-ASSESS", "county", "老年人能力综合评估申请", "Older person's capability assessment", "elderly_care",
     [ID, ("近期病历或诊断证明", "如有", 1, False)], 15, "working_days", [W, H, A], ["mz", "wj"],
     "老年人能力评估规范 GB/T 42195", {"home_visit_possible": True, "appointment_possible": True}),
    ("CHD-BIRTH-REG", "county", "生育登记", "Birth registration (family planning)", "childcare",
     [("夫妻双方居民身份证", "", 1, True), ("结婚证", "", 1, True)], 1, "working_days", [W, ON], ["wj"],
     "《江苏省人口与计划生育条例》", {}),
    ("CHD-CARE-SUBSIDY", "county", "育儿补贴申领", "Childcare subsidy", "childcare",
     [ID, ("婴幼儿出生医学证明", "", 1, True), ("户口簿（婴幼儿页）", "", 1, True), ("银行卡", "", 1, False)],
     20, "working_days", [W, ON], ["wj"], "国家育儿补贴制度实施方案", {}),
    ("CHD-ORPHAN", "county", "困境儿童基本生活保障申请", "Support for children in difficulty", "childcare",
     [("儿童户口簿和身份证明", "", 1, True), ("监护人身份证", "", 1, True), ("困境情况说明", "社区协助填写", 1, True)],
     30, "working_days", [W, H], ["mz"], "《国务院关于加强困境儿童保障工作的意见》", {"home_visit_possible": True}),
    ("DIS-SUBSIDY", "county", "残疾人两项补贴申请", "Disability living and care subsidies", "disability",
     [ID, ("中华人民共和国残疾人证", "第二代", 1, True), HUKOU, ("银行卡", "", 1, False)], 20, "working_days",
     [W, ON, H, X], ["mz", "cl"], "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》",
     {"home_visit_possible": True}),
    ("DIS-CARD", "county", "残疾人证办理", "Disability certificate", "disability",
     [ID, HUKOU, PHOTO], 20, "working_days", [W, A], ["cl"], "《残疾人残疾分类和分级》GB/T 26341",
     {"appointment_possible": True}),
    ("EMP-REG", "community", "就业登记", "Employment registration", "employment",
     [ID, ("劳动合同或用工证明", "", 1, False)], 1, "working_days", [W, ON, K], ["rs"], "《就业服务与就业管理规定》", {}),
    ("EMP-UNEMP", "community", "失业登记", "Unemployment registration", "employment",
     [ID, ("解除或终止劳动关系证明", "", 1, True)], 1, "working_days", [W, ON, K], ["rs"], "《就业服务与就业管理规定》", {}),
    ("EMP-TRAINING", "county", "职业技能培训报名", "Vocational training sign-up", "employment",
     [ID, ("学历证明", "如有", 1, False)], 5, "working_days", [W, ON, P], ["rs"], "江苏省职业技能提升行动实施方案", {}),
    ("SA-DIBAO", "county", "最低生活保障申请", "Minimum living allowance (dibao)", "social_assistance",
     [ID, HUKOU, ("家庭成员收入情况说明", "社区协助核对", 1, True), ("家庭财产申报与授权核对书", "", 1, True), PROXY],
     30, "working_days", [W, ON, H, X], ["mz"], "《社会救助暂行办法》；《江苏省最低生活保障工作规程》",
     {"home_visit_possible": True}),
    ("SA-TEMP", "county", "临时救助申请", "Temporary assistance", "social_assistance",
     [ID, ("遭遇困难的情况说明或相关证明", "如医疗费票据", 1, False)], 10, "working_days", [W, ON, H, P, X], ["mz"],
     "《社会救助暂行办法》第四十七条", {"home_visit_possible": True}),
    ("SA-TEKUN", "county", "特困人员救助供养申请", "Support for people in extreme poverty", "social_assistance",
     [ID, HUKOU, ("财产状况申报", "", 1, True)], 30, "working_days", [W, H, X], ["mz"],
     "《国务院关于进一步健全特困人员救助供养制度的意见》", {"home_visit_possible": True}),
    ("HLT-INSURE", "community", "城乡居民医保参保登记", "Residents' medical insurance enrolment", "health",
     [ID, HUKOU], 1, "working_days", [W, ON, K], ["rs"], "《社会保险法》", {}),
    ("HLT-FAMILY-DOC", "community", "家庭医生签约", "Family doctor contract", "health",
     [ID, ("医保卡", "", 1, False)], 3, "working_days", [W, ON, H, A], ["wj"], "家庭医生签约服务工作指引",
     {"home_visit_possible": True, "appointment_possible": True}),
    ("HSG-RESPERMIT", "community", "居住证办理协助", "Residence permit assistance", "housing",
     [ID, PHOTO, ("居住证明", "租赁合同、房产证或单位证明之一", 1, True)], 15, "working_days", [W, ON], ["ga"],
     "《居住证暂行条例》", {}),
    ("HSG-RENTAL", "county", "公共租赁住房申请", "Public rental housing", "housing",
     [ID, HUKOU, ("家庭收入证明", "", 1, True)], 30, "working_days", [W, ON], ["zj"], "《公共租赁住房管理办法》", {}),
    ("CRT-RESIDENCE", "community", "居住情况证明（保留事项）", "Residence statement (retained)", "certification",
     [ID, ("租赁合同或房产证明", "", 1, True)], 2, "working_days", [W], [], "徐州市村(社区)证明事项保留清单",
     {}),
    ("CRT-DEATH", "community", "居民死亡情况证明（保留事项，非医疗机构死亡）", "Death statement (retained)", "certification",
     [("死者居民身份证或户口簿", "", 1, True), ("申请人身份证", "", 1, True)], 1, "working_days", [W, H], [],
     "徐州市村(社区)证明事项保留清单", {"home_visit_possible": True}),
    ("PRP-MEDIATE", "community", "物业纠纷调解", "Property-management dispute mediation", "property_disputes",
     [ID, ("纠纷情况说明及证据", "照片、合同、缴费凭证等", 1, False)], 15, "working_days", [W, ON, P, A], ["zj", "sf"],
     "《物业管理条例》；《人民调解法》", {"appointment_possible": True}),
    ("PRP-NEIGHBOUR", "community", "邻里矛盾调解", "Neighbour dispute mediation", "property_disputes",
     [ID], 15, "working_days", [W, P, H, G], ["sf"], "《人民调解法》", {"home_visit_possible": True}),
    ("ENV-REPORT", "community", "环境卫生问题反映", "Report a sanitation problem", "environment",
     [], 3, "working_days", [ON, P, K, G], ["cg"], "《徐州市市容和环境卫生管理条例》", {}),
    ("ENV-WASTE", "community", "大件垃圾预约清运", "Bulky waste collection", "environment",
     [], 5, "working_days", [ON, P, A], ["cg"], "徐州市生活垃圾分类管理办法", {"appointment_possible": True}),
    ("ENV-POLLUTION", "county", "噪声与油烟污染投诉", "Noise and cooking-fume complaint", "environment",
     [], 5, "working_days", [ON, P, G], ["sthj"], "《噪声污染防治法》", {}),
    ("SAF-HAZARD", "community", "安全隐患报告", "Report a safety hazard", "public_safety",
     [], 24, "working_hours", [ON, P, K, G, S], ["yj"], "《安全生产法》", {}),
    ("SAF-FIRE-LANE", "community", "消防通道堵塞报告", "Blocked fire lane", "public_safety",
     [], 2, "working_hours", [ON, P, G], ["yj"], "《消防法》", {}),
    ("SAF-ELEVATOR", "county", "电梯故障报修", "Lift breakdown", "public_safety",
     [], 24, "working_hours", [P, ON, G, S], ["sj"], "《特种设备安全法》", {}),
    ("VET-CARE", "county", "退役军人优抚对象信息采集", "Veterans' benefit registration", "other",
     [ID, ("退役证件", "", 1, True)], 10, "working_days", [W, H], ["tj"], "《退役军人保障法》",
     {"home_visit_possible": True}),
    ("OTH-ACCESS", "community", "无障碍设施改造申请", "Home accessibility adaptation", "disability",
     [ID, ("残疾人证或老年人能力评估结果", "", 1, True)], 30, "natural_days", [W, H], ["mz", "cl"],
     "《无障碍环境建设法》", {"home_visit_possible": True}),
)  # fmt: skip

ABOLISHED: tuple[tuple[str, str, str, str], ...] = (
    ("亲属关系证明", "凭户口簿、结婚证、出生医学证明等证件证明；确需证明的，到户籍地派出所开具。",
     "《关于做好村级组织出具证明工作的指导意见》（民发〔2020〕109号）", "亲属 父子关系 母子关系 夫妻关系"),
    ("无犯罪记录证明", "由公安机关出具，可到派出所或通过“苏服办”等政务平台申请，社区不再开具。",
     "《公安机关办理犯罪记录查询工作规定》", "犯罪记录 无犯罪 政审"),
    ("出生时间证明", "以出生医学证明、户口簿为准，社区不再开具。", "民发〔2020〕109号", "出生日期 出生时间"),
    ("健在证明（生存证明）", "养老金资格认证改为人脸识别等方式，无需社区开具。", "人社部关于养老保险待遇资格认证的规定",
     "健在 生存 活着 资格认证"),
    ("婚姻状况证明", "凭结婚证、离婚证或民政部门婚姻登记档案查询结果证明。", "民发〔2020〕109号", "未婚 单身 婚姻状况"),
    ("户籍登记证明", "由户籍地派出所出具，或凭户口簿证明。", "民发〔2020〕109号", "户口 户籍证明"),
    ("房屋产权证明", "由不动产登记机构出具，社区不再开具。", "《不动产登记暂行条例》", "房产 产权 房屋归属"),
    ("经济困难证明", "改为个人承诺，或由民政部门通过居民家庭经济状况核对系统核对。", "民发〔2020〕109号",
     "贫困证明 经济困难 家庭困难"),
)  # fmt: skip


def _units(county: Region) -> dict[str, HandlingUnit]:
    prefix = f"{county.code}-"
    return {
        u.code.removeprefix(prefix): u for u in HandlingUnit.objects.filter(code__startswith=prefix)
    }


@transaction.atomic
def load_demo_catalog(*, county: Region, community: Region) -> dict[str, int]:
    """The demo items of ``county`` (published) and of ``community`` (admitted by the county), and the
    county's abolished-certificate list. Codes already present are left alone, except that an item
    which lost its handling units (a demo reset deletes the demo's units) is linked to the new ones."""
    units = _units(county)
    made = 0
    existing = set(ServiceItem.objects.values_list("code", flat=True))
    for (
        code,
        level,
        name,
        name_en,
        category,
        materials,
        limit,
        unit,
        channels,
        suffixes,
        basis,
        extra,
    ) in ITEMS:
        place = county if level == "county" else community
        full_code = f"{place.code}-{code}"
        if full_code in existing:
            item = ServiceItem.objects.get(code=full_code)
            if not item.handling_units.exists():
                item.handling_units.set([units[s] for s in suffixes if s in units])
            continue
        item = actions.create_item(
            code=full_code,
            region=place,
            by=None,
            handling_units=[units[s] for s in suffixes if s in units],
            name=name,
            name_en=name_en,
            category=category,
            required_materials=[
                {"name": m, "note": note, "copies": copies, "original_required": original}
                for m, note, copies, original in materials
            ],
            time_limit_value=limit,
            time_limit_unit=unit,
            channels=channels,
            legal_basis=basis,
            **extra,
        )
        if level == "county":
            actions.publish_item(item=item, by=None)
        else:
            if not item.required_materials:
                actions.update_item(
                    item=item,
                    by=None,
                    attributes=[
                        {"code": "location", "datatype": "string", "required": True, "description": "具体位置"},
                        {"code": "photo_taken", "datatype": "singlevaluelist", "required": False,
                         "description": "是否已拍照", "values": [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]},
                    ],
                )  # fmt: skip
            actions.submit_item(item=item, by=None)
            actions.admit_item(item=item, by=None, note="符合村(社区)工作事项准入清单")
        made += 1
    certificates = 0
    for name, reason, basis, keywords in ABOLISHED:
        if AbolishedCertificate.objects.filter(region=county, name=name).exists():
            continue
        actions.add_abolished_certificate(
            region=county, name=name, reason=reason, basis=basis, keywords=keywords, by=None
        )
        certificates += 1
    return {"service_items": made, "abolished_certificates": certificates}


# --- Demo cases ------------------------------------------------------------------------------------

# Category → department suffix (see ``demo.generator.DEPARTMENTS``) for the county's routing table.
ROUTING = {
    "elderly_care": "mz",
    "social_assistance": "mz",
    "disability": "cl",
    "childcare": "wj",
    "health": "wj",
    "employment": "rs",
    "housing": "zj",
    "property_disputes": "zj",
    "environment": "cg",
    "public_safety": "yj",
}

# (kind, category, channel, title, description, public-space?)
STORIES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "complaint",
        "environment",
        "online",
        "小区垃圾清运不及时",
        "3号楼南侧垃圾桶已满三天，异味很重，请尽快清运。",
    ),
    (
        "grid_event",
        "environment",
        "grid_patrol",
        "路灯损坏",
        "小区东门外人行道两盏路灯不亮，夜间行人看不清路。",
    ),
    (
        "grid_event",
        "public_safety",
        "grid_patrol",
        "楼道堆放杂物",
        "5号楼2单元楼道堆放纸箱和电动车电池，存在消防隐患。",
    ),
    (
        "service_request",
        "elderly_care",
        "window",
        "高龄津贴申领",
        "父亲今年满80周岁，申请高龄津贴，材料已带齐。",
    ),
    (
        "service_request",
        "elderly_care",
        "phone",
        "助餐服务登记",
        "独居老人，腿脚不便，希望登记社区助餐服务并送餐上门。",
    ),
    (
        "complaint",
        "property_disputes",
        "phone",
        "物业不维修漏水",
        "顶楼屋面漏水两个月，物业一直推脱，家里墙面发霉。",
    ),
    (
        "suggestion",
        "environment",
        "online",
        "建议增设健身器材",
        "小区中心广场老人多，建议增设适合老年人的健身器材。",
    ),
    (
        "service_request",
        "disability",
        "home_visit",
        "残疾人两项补贴申请",
        "重度残疾，行动不便，申请上门办理护理补贴。",
    ),
    (
        "complaint",
        "environment",
        "online",
        "夜间施工噪音扰民",
        "附近工地每晚十一点后仍在施工，噪音很大影响休息。",
    ),
    (
        "grid_event",
        "environment",
        "grid_patrol",
        "井盖破损",
        "幸福路与建设路交叉口井盖破损，有行人踩空风险。",
    ),
    (
        "service_request",
        "employment",
        "window",
        "就业登记",
        "刚从外地返乡，办理就业登记，想了解社区公益性岗位。",
    ),
    (
        "complaint",
        "housing",
        "online",
        "电梯频繁故障",
        "12号楼电梯本月已停运三次，有老人被困，请督促维保单位整改。",
    ),
    ("service_request", "childcare", "online", "育儿补贴申领", "孩子出生两个月，申请育儿补贴。"),
    (
        "grid_event",
        "public_safety",
        "grid_patrol",
        "违规充电",
        "8号楼下有居民从窗口拉线给电动车充电。",
    ),
    (
        "complaint",
        "environment",
        "kiosk",
        "绿化带被占用种菜",
        "小区西侧绿化带被个别居民开垦种菜，影响环境。",
    ),
    (
        "service_request",
        "social_assistance",
        "window",
        "临时救助申请",
        "家中突发重病，医疗费用负担重，申请临时救助。",
    ),
)

# The life each demo case is taken through: a tuple of steps after submission.
LIVES: tuple[tuple[str, ...], ...] = (
    (),
    ("accept",),
    ("accept", "dispatch"),
    ("accept", "dispatch", "sign"),
    ("accept", "dispatch", "sign", "whistle"),
    ("accept", "dispatch", "sign", "handle"),
    ("accept", "dispatch", "sign", "handle", "verify"),
    ("accept", "dispatch", "sign", "handle", "verify", "close"),
    ("accept", "dispatch", "sign", "handle", "verify", "close", "rate5"),
    ("accept", "dispatch", "sign", "handle", "verify", "close", "rate4"),
    ("accept", "dispatch", "sign", "handle", "verify", "close", "rate1"),
    ("accept", "start_self", "handle", "verify", "close", "rate5"),
    ("reject",),
    ("accept", "dispatch", "return"),
    ("on_spot",),
    ("accept", "dispatch", "sign", "extension"),
)


def _demo_photo(colour: str) -> Any:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), colour)
    ImageDraw.Draw(image).rectangle((220, 140, 420, 340), outline="white", width=8)
    out = io.BytesIO()
    image.save(out, "JPEG")
    out.seek(0)
    out.name = "demo.jpg"
    return out


def load_demo_cases(
    *, county: Region, community: Region, grid: Any, users: dict[str, Any], seed: int = 0
) -> dict[str, int]:
    """Demo cases in the home community, taken through every stage by the demo accounts, with their
    timelines dated over the past four weeks; and the county's routing table. Idempotent.

    The demo's messages land in the inboxes as they would; the console SMS backend's log lines for
    them are held back, so setting up prints a summary, not hundreds of texts."""
    import logging

    quiet = [logging.getLogger(n) for n in ("shequ.core.notifications", "celery.app.trace")]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.WARNING)
    try:
        return _load_demo_cases(
            county=county, community=community, grid=grid, users=users, seed=seed
        )
    finally:
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)


def _load_demo_cases(
    *, county: Region, community: Region, grid: Any, users: dict[str, Any], seed: int
) -> dict[str, int]:
    import random
    from datetime import timedelta

    from shequ.cases.actions import handling, ratings
    from shequ.cases.actions.intake import Intake, submit_case
    from shequ.cases.actions.routing import set_routing_rule
    from shequ.cases.actions.sweep import sweep_deadlines
    from shequ.cases.models import Case, RoutingRule
    from shequ.core import calendar

    units = {u.code.rsplit("-", 1)[-1]: u for u in HandlingUnit.objects.filter(region=county)}
    rules = 0
    for category, suffix in ROUTING.items():
        if (
            suffix in units
            and not RoutingRule.objects.filter(region=county, category=category).exists()
        ):
            set_routing_rule(
                region=county, category=category, unit=units[suffix], co_units=[], by=None
            )
            rules += 1
    if Case.objects.filter(region=community, is_synthetic=True).exists():
        return {"routing_rules": rules, "cases": 0}
    rng = random.Random(f"{seed}:cases")  # noqa: S311 (demo data, not security)
    desk, township = users["community_staff"], users["township_staff"]
    handler, worker, resident = users["unit_handler"], users["grid_worker"], users["resident"]
    lat0 = grid.centre_lat or community.centre_lat or 34.26
    lng0 = grid.centre_lng or community.centre_lng or 117.18
    now = calendar.localtime(calendar.now())
    made: list[int] = []
    for number, life in enumerate(LIVES * 3):
        kind, category, channel, title, description = STORIES[number % len(STORIES)]
        days_ago = 1 + (len(LIVES) * 3 - number) * 26 // (len(LIVES) * 3)
        start = (now - timedelta(days=days_ago)).replace(
            hour=rng.choice((9, 10, 14, 15)), minute=rng.randrange(60), second=0, microsecond=0
        )
        on_spot = life == ("on_spot",)
        patrol = kind == "grid_event" or on_spot
        item = None
        if kind == "service_request" and not patrol:
            item = ServiceItem.objects.filter(
                name=title, status="admitted", region__in=(county, community)
            ).first()
            if item is not None and item.channels and channel not in item.channels:
                channel = item.channels[0]
        with calendar.frozen_time(start) as clock:
            case = submit_case(
                Intake(
                    channel="grid_patrol" if patrol else channel,
                    service_item=item,
                    kind="grid_event" if patrol else kind,
                    category=category,
                    title=title,
                    description=description,
                    region=None if patrol else community,
                    grid=None if patrol else grid,
                    latitude=round(lat0 + rng.uniform(-0.002, 0.002), 6),
                    longitude=round(lng0 + rng.uniform(-0.002, 0.002), 6),
                    requester=resident if channel == "online" and not patrol else None,
                    requester_name="" if patrol or channel == "online" else "王秀兰",
                    requester_phone="" if patrol or channel == "online" else f"1990001{number:04d}",
                    anonymous=patrol,
                    photos=[_demo_photo("#6c757d")] if patrol else [],
                    resolved_on_spot=on_spot,
                    result="已现场劝导居民清理" if on_spot else "",
                ),
                by=worker
                if patrol
                else (None if channel in ("online", "kiosk", "open311") else desk),
            )
            lead = units.get(ROUTING.get(category, "mz")) or units.get("mz")
            acting = handler if lead is not None and lead.code.endswith("-mz") else None
            for step in life:
                clock.tick(timedelta(hours=rng.choice((1, 2, 3, 20))))
                case.refresh_from_db()
                if step == "accept":
                    handling.accept(case=case, by=desk)
                elif step == "reject":
                    handling.reject(
                        case=case, by=desk, reason="不属于社区受理范围，已告知向法院起诉。"
                    )
                elif step == "dispatch" and lead is not None:
                    handling.dispatch(case=case, by=township, lead=lead)
                elif step == "start_self":
                    handling.start_self(case=case, by=desk)
                elif step == "sign":
                    handling.sign(case=case, by=acting)
                elif step == "return":
                    handling.return_case(
                        case=case, by=acting, reason="不属于本单位职责，建议派往住建局。"
                    )
                elif step == "whistle":
                    others = [u for s, u in units.items() if s in ("cg", "zj", "yj") and u != lead]
                    others = others or [u for u in units.values() if u != lead] or [lead]
                    handling.whistle(
                        case=case,
                        by=township,
                        units=others[:2],
                        note="涉及多个部门，请到现场会商。",
                    )
                elif step == "extension":
                    handling.request_approval(
                        case=case, by=acting or desk, kind="extension",
                        reason="需等待维修配件到货。", extra_working_days=5,
                    )  # fmt: skip
                elif step == "handle":
                    by = desk if case.lead_unit_id is None else acting
                    handling.handle(
                        case=case,
                        by=by,
                        result="已安排人员现场处理完毕。",
                        photos=[_demo_photo("#198754")],
                    )
                elif step == "verify":
                    handling.verify(case=case, by=worker, passed=True, note="现场核实已解决。")
                elif step == "close":
                    handling.close(case=case, by=desk)
                elif step.startswith("rate"):
                    requester = resident if case.requester_id == resident.pk else _Follower(case.pk)
                    ratings.rate(case=case, requester=requester, stars=int(step[-1]),
                                 comment="办理及时，态度很好。" if step != "rate1" else "问题没有真正解决。")  # fmt: skip
        made.append(case.pk)
    Case.objects.filter(pk__in=made).update(is_synthetic=True)
    sweep_deadlines()
    return {"routing_rules": rules, "cases": len(made)}


class _Follower:
    """A requester who proved their phone with a follow code (the demo skips the SMS)."""

    def __init__(self, case_id: int) -> None:
        self.follow_case_id = case_id
        self.pk = None


def delete_demo_cases() -> int:
    """Remove the demo's cases (with their timelines and photo files) and the routing rules that point
    at demo handling units."""
    from shequ.cases.models import Case, CasePhoto, RoutingRule

    cases = Case.objects.filter(is_synthetic=True)
    for photo in CasePhoto.objects.filter(case__in=cases):
        photo.image.storage.delete(photo.image.name)
    Case.objects.filter(duplicate_of__in=cases).update(duplicate_of=None)
    count = cases.delete()[1].get("cases.Case", 0)
    RoutingRule.objects.filter(unit__is_synthetic=True).delete()
    return count
