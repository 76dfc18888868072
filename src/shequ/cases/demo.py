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
    county's abolished-certificate list. Codes already present are left alone."""
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
