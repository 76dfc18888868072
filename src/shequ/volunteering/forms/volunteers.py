"""Forms of the volunteer pages: they parse input only; the actions check the rules (registry status,
service area, one leader, points balance) with messages that say what is wrong."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.territory.models import Region
from shequ.volunteering.models import (
    Availability,
    Skill,
    TeamCategory,
    VolunteerStatus,
)
from shequ.volunteering.queries.volunteers import (
    TeamFilters,
    VolunteerFilters,
    filter_regions,
    team_choices,
)


def _blank(choices: Iterable[Any], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


# --- Registration --------------------------------------------------------------------------------------

AREA_CHOICES = [
    ("community", _("本社区")),
    ("township", _("本社区所在的镇(街道)")),
    ("county", _("本社区所在的县(市、区)")),
]


class RegisterForm(StyledForm):
    """Registration as a volunteer, by the resident or by staff for them."""

    skills = forms.MultipleChoiceField(
        label=_("服务技能"),
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一项服务技能。")},
    )
    availability = forms.MultipleChoiceField(
        label=_("可服务时间"),
        choices=Availability.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个可服务时间。")},
    )
    area = forms.ChoiceField(
        label=_("服务区域"),
        choices=AREA_CHOICES,
        initial="community",
        widget=forms.RadioSelect,
    )
    introduction = forms.CharField(
        label=_("个人简介"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可写您的特长、服务经历，不超过300字。"),
    )

    def service_area(self, community: Region) -> Region:
        """The place the chosen area means, from the resident's community."""
        chosen = self.cleaned_data.get("area") or "community"
        if chosen == "community" or community.parent is None:
            return community
        township = community.parent
        if chosen == "township" or township.parent is None:
            return township
        return township.parent


class StaffRegisterForm(RegisterForm):
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=20,
        help_text=_("在您管辖范围内的居民信息库中查找该居民。"),
        error_messages={"required": _("请填写居民身份证号码。")},
    )
    field_order = ["id_number", "skills", "availability", "area", "introduction"]


# --- The staff list ------------------------------------------------------------------------------------


class _PlaceFilter(StyledForm):
    region = forms.ChoiceField(label=_("所在区域"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def data_or_empty(self) -> dict[str, Any]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})


class VolunteerFilterForm(_PlaceFilter):
    q = forms.CharField(label=_("志愿者编号或姓名"), required=False, max_length=30)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(VolunteerStatus.choices, _("全部状态"))
    )
    skill = forms.ChoiceField(
        label=_("服务技能"), required=False, choices=_blank(Skill.choices, _("全部技能"))
    )
    team = forms.ChoiceField(label=_("志愿服务队"), required=False)
    field_order = ["q", "region", "status", "skill", "team"]

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data, user=user)
        teams = [(str(pk), name) for pk, name in team_choices(user).values_list("pk", "name")[:500]]
        self.fields["team"].choices = _blank(teams, _("全部队伍"))  # type: ignore[attr-defined]

    def filters(self) -> VolunteerFilters:
        data = self.data_or_empty()
        team = data.get("team") or ""
        return VolunteerFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            skill=data.get("skill") or "",
            team=int(team) if team.isdigit() else None,
            region_path=self.region_paths.get(data.get("region") or "", ""),
        )


# --- Decisions and incentives ---------------------------------------------------------------------------


class DecideForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过")), ("reject", _("不通过"))]
    )
    note = forms.CharField(label=_("审核意见"), required=False, max_length=200)


class StatusForm(StyledForm):
    move = forms.ChoiceField(
        label=_("操作"),
        choices=[
            ("suspend", _("暂停服务")),
            ("resume", _("恢复服务")),
            ("leave", _("标记为已退出")),
        ],
    )
    note = forms.CharField(label=_("原因"), required=False, max_length=200)


class PointsForm(StyledForm):
    points = forms.IntegerField(
        label=_("积分（扣减填负数）"),
        error_messages={"required": _("请填写积分。"), "invalid": _("积分须为整数。")},
    )
    note = forms.CharField(
        label=_("原因"), max_length=200, error_messages={"required": _("请说明增减积分的原因。")}
    )


class RecognitionForm(StyledForm):
    title = forms.CharField(
        label=_("荣誉称号"), max_length=60, error_messages={"required": _("请填写荣誉称号。")}
    )
    year = forms.IntegerField(
        label=_("年度"),
        error_messages={"required": _("请填写年度。"), "invalid": _("年度须为四位数字。")},
    )
    awarded_by_name = forms.CharField(
        label=_("授予单位"), max_length=80, error_messages={"required": _("请填写授予单位。")}
    )
    points = forms.IntegerField(label=_("奖励积分"), required=False, min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


# --- Teams ---------------------------------------------------------------------------------------------


class TeamFilterForm(_PlaceFilter):
    q = forms.CharField(label=_("队伍名称"), required=False, max_length=40)
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=_blank(TeamCategory.choices, _("全部类别"))
    )
    field_order = ["q", "region", "category"]

    def filters(self) -> TeamFilters:
        data = self.data_or_empty()
        return TeamFilters(
            q=data.get("q") or "",
            category=data.get("category") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
        )


class TeamForm(StyledForm):
    region = CodeChoiceField(label=_("所在区域"), empty_label=_("请选择"))
    name = forms.CharField(
        label=_("队伍名称"), max_length=80, error_messages={"required": _("请填写队伍名称。")}
    )
    category = forms.ChoiceField(
        label=_("类别"),
        choices=_blank(TeamCategory.choices, _("请选择")),
        error_messages={"required": _("请选择队伍类别。")},
    )
    description = forms.CharField(
        label=_("简介"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("活动中"), required=False, initial=True)

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is None:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name)
            for name in ("name", "category", "description", "is_active")
        }


class MemberForm(StyledForm):
    number = forms.CharField(
        label=_("志愿者编号"), max_length=24, error_messages={"required": _("请填写志愿者编号。")}
    )


class JoinForm(StyledForm):
    note = forms.CharField(
        label=_("申请说明（选填）"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("申请说明不超过 200 字。")},
    )


class JoinDecideForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[("approve", _("同意")), ("decline", _("不同意"))],
        error_messages={"required": _("请选择处理结果。"), "invalid_choice": _("请选择处理结果。")},
    )
    note = forms.CharField(label=_("原因"), required=False, max_length=200)
