"""Forms of the development pages (qualifications, allowances, training, reviews, the reserve pool,
joint reviews). They parse input only; the actions check it and say what is wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.workforce.actions.development import FIRST_YEAR
from shequ.workforce.models import (
    CheckResult,
    Education,
    PoliticalStatus,
    QualificationLevel,
    ReserveStatus,
    ReviewGrade,
    ReviewStatus,
    SoughtPost,
    TrainingLevel,
)
from shequ.workforce.queries import development as queries

INDICATOR_ROWS = 8
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def year_choices() -> list[tuple[str, str]]:
    this = timezone.localdate().year
    return [(str(y), str(y)) for y in range(this + 1, FIRST_YEAR - 1, -1)]


class PlaceFilterForm(StyledForm):
    """Narrow a list to one of the user's places; subclasses add their own fields."""

    region = forms.ChoiceField(label=_("所在区域"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(queries.filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def data_or_empty(self) -> dict[str, Any]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def region_path(self) -> str:
        return self.region_paths.get(self.data_or_empty().get("region") or "", "")


# --- Qualifications -------------------------------------------------------------------------------


class QualificationFilterForm(PlaceFilterForm):
    level = forms.ChoiceField(
        label=_("最高资格等级"),
        required=False,
        choices=_blank(QualificationLevel.choices, _("全部等级")),
    )
    q = forms.CharField(label=_("姓名"), required=False, max_length=30)
    on = forms.DateField(label=_("津贴计算日期"), required=False, widget=DATE)

    def filters(self) -> queries.QualificationFilters:
        data = self.data_or_empty()
        return queries.QualificationFilters(
            region_path=self.region_path(),
            level=data.get("level") or "",
            q=data.get("q") or "",
            on=data.get("on"),
        )


class QualificationForm(StyledForm):
    worker = forms.IntegerField(widget=forms.HiddenInput)
    level = forms.ChoiceField(
        label=_("资格等级"), choices=_blank(QualificationLevel.choices, _("请选择"))
    )
    certificate_number = forms.CharField(label=_("证书编号"), max_length=40)
    obtained_on = forms.DateField(label=_("取得日期"), widget=DATE)


class AllowanceRateForm(StyledForm):
    region = CodeChoiceField(label=_("地区"))
    level = forms.ChoiceField(
        label=_("资格等级"), choices=_blank(QualificationLevel.choices, _("请选择"))
    )
    monthly_amount = forms.CharField(
        label=_("每月津贴（元）"), max_length=12, widget=forms.TextInput({"inputmode": "decimal"})
    )
    effective_from = forms.DateField(label=_("执行日期"), widget=DATE)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


# --- Training -------------------------------------------------------------------------------------


class CourseFilterForm(PlaceFilterForm):
    year = forms.ChoiceField(label=_("年度"), required=False)
    level = forms.ChoiceField(
        label=_("培训层级"), required=False, choices=_blank(TrainingLevel.choices, _("全部层级"))
    )
    q = forms.CharField(label=_("课程名称"), required=False, max_length=50)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data, user=user)
        self.fields["year"].choices = _blank(year_choices(), _("全部年度"))  # type: ignore[attr-defined]

    def filters(self) -> queries.CourseFilters:
        data = self.data_or_empty()
        return queries.CourseFilters(
            year=int(data["year"]) if data.get("year") else None,
            level=data.get("level") or "",
            region_path=self.region_path(),
            q=data.get("q") or "",
        )


class CourseForm(StyledForm):
    region = CodeChoiceField(label=_("主办地区"))
    title = forms.CharField(label=_("课程名称"), max_length=120)
    level = forms.ChoiceField(
        label=_("培训层级"),
        choices=_blank(TrainingLevel.choices, _("请选择")),
        help_text=_("市级培训由市举办，县级由县(市、区)举办，镇(街道)级由镇(街道)举办。"),
    )
    organiser = forms.CharField(label=_("主办单位"), max_length=120, required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    hours = forms.CharField(
        label=_("学时"), max_length=8, widget=forms.TextInput({"inputmode": "decimal"})
    )
    description = forms.CharField(
        label=_("内容"), required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class AttendanceForm(StyledForm):
    workers = forms.TypedMultipleChoiceField(
        label=_("参训人员"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.CharField(
        label=_("获得学时"),
        required=False,
        max_length=8,
        help_text=_("不填则按课程学时记；可少于课程学时，不能超过。"),
        widget=forms.TextInput({"inputmode": "decimal"}),
    )
    passed = forms.BooleanField(label=_("考核合格"), required=False, initial=True)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workers"].choices = [(w.pk, w.name) for w in candidates]  # type: ignore[attr-defined]
        self.fields["workers"].widget.attrs["class"] = "form-check-input"


class RecordResultForm(StyledForm):
    passed = forms.TypedChoiceField(
        label=_("考核结果"),
        choices=[("1", _("合格")), ("0", _("不合格"))],
        coerce=lambda v: v == "1",
    )
    hours = forms.CharField(label=_("获得学时"), max_length=8, required=False)


class CoverageForm(StyledForm):
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    year = forms.ChoiceField(label=_("年度"), required=False)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]

    def chosen_year(self) -> int:
        self.is_valid()
        value = getattr(self, "cleaned_data", {}).get("year")
        return int(value) if value else timezone.localdate().year


# --- Reviews --------------------------------------------------------------------------------------


class ReviewFilterForm(PlaceFilterForm):
    year = forms.ChoiceField(label=_("年度"), required=False)
    grade = forms.ChoiceField(
        label=_("等次"), required=False, choices=_blank(ReviewGrade.choices, _("全部等次"))
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data, user=user)
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]

    def chosen_year(self) -> int:
        value = self.data_or_empty().get("year")
        return int(value) if value else timezone.localdate().year - 1

    def filters(self) -> queries.ReviewFilters:
        return queries.ReviewFilters(
            year=self.chosen_year(),
            region_path=self.region_path(),
            grade=self.data_or_empty().get("grade") or "",
        )


class SchemeForm(StyledForm):
    region = CodeChoiceField(label=_("制定地区"))
    year = forms.ChoiceField(label=_("年度"))
    name = forms.CharField(label=_("方案名称"), max_length=120)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]
        for number in range(1, INDICATOR_ROWS + 1):
            self.fields[f"indicator_{number}_name"] = forms.CharField(
                label=_("指标 %(n)s 名称") % {"n": number}, required=False, max_length=120
            )
            self.fields[f"indicator_{number}_max"] = forms.CharField(
                label=_("指标 %(n)s 分值") % {"n": number}, required=False, max_length=8
            )
            self.fields[f"indicator_{number}_guidance"] = forms.CharField(
                label=_("指标 %(n)s 评分标准") % {"n": number}, required=False, max_length=300
            )
        # Re-apply the styles to the fields added above.
        for name, field in self.fields.items():
            if name.startswith("indicator_"):
                field.widget.attrs.setdefault("class", "form-control")

    def indicator_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (
                self[f"indicator_{n}_name"],
                self[f"indicator_{n}_max"],
                self[f"indicator_{n}_guidance"],
            )
            for n in range(1, INDICATOR_ROWS + 1)
        ]

    def indicators(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "name": data.get(f"indicator_{n}_name"),
                "max_score": data.get(f"indicator_{n}_max"),
                "guidance": data.get(f"indicator_{n}_guidance"),
            }
            for n in range(1, INDICATOR_ROWS + 1)
            if (data.get(f"indicator_{n}_name") or data.get(f"indicator_{n}_max"))
        ]


class ReviewForm(StyledForm):
    """Scores for a scheme's indicators (``score_<id>``) and a comment."""

    worker = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("评语"), required=False, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args: Any, indicators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicator_list = indicators
        for indicator in indicators:
            self.fields[f"score_{indicator.pk}"] = forms.CharField(
                label=_("%(name)s（满分 %(max)s）")
                % {"name": indicator.name, "max": indicator.max_score},
                help_text=indicator.guidance,
                max_length=8,
                required=False,
                widget=forms.TextInput(
                    {"inputmode": "decimal", "class": "form-control", "autocomplete": "off"}
                ),
            )
        self.order_fields([f"score_{i.pk}" for i in indicators] + ["comment"])

    def scores(self) -> dict[str, Any]:
        return {str(i.pk): self.cleaned_data.get(f"score_{i.pk}") for i in self.indicator_list}


# --- The reserve pool -----------------------------------------------------------------------------


class ReserveFilterForm(PlaceFilterForm):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=_blank(ReserveStatus.choices, _("全部状态")),
    )

    def filters(self) -> queries.ReserveFilters:
        if "status" in self.data:
            status = self.data_or_empty().get("status") or ""
        else:
            status = ReserveStatus.IN_POOL
        return queries.ReserveFilters(region_path=self.region_path(), status=status)


class ReserveForm(StyledForm):
    community = CodeChoiceField(label=_("储备村(社区)"), empty_label=_("请选择村(社区)"))
    worker = forms.ChoiceField(
        label=_("从社区工作者中选择"),
        required=False,
        help_text=_(
            "选择后姓名、出生日期、学历等取自该社区工作者；不是社区工作者的，请直接填写下列信息。"
        ),
    )
    name = forms.CharField(label=_("姓名"), required=False, max_length=60)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DATE)
    phone = forms.CharField(label=_("手机号"), required=False, max_length=20)
    education = forms.ChoiceField(
        label=_("学历"), required=False, choices=_blank(Education.choices, _("请选择"))
    )
    political_status = forms.ChoiceField(
        label=_("政治面貌"), required=False, choices=_blank(PoliticalStatus.choices, _("请选择"))
    )
    background = forms.CharField(
        label=_("人员来源"),
        required=False,
        max_length=120,
        help_text=_("如：社区工作者、返乡创业人员、退役军人、机关企事业单位人员。"),
    )
    current_job = forms.CharField(label=_("现工作单位及职务"), required=False, max_length=120)
    added_on = forms.DateField(label=_("入库日期"), required=False, widget=DATE)

    def __init__(self, *args: Any, communities: Any, workers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["worker"].choices = _blank(  # type: ignore[attr-defined]
            [(str(w.pk), f"{w.name}（{w.region.name}）") for w in workers], _("不是社区工作者")
        )


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("原因"), max_length=200)


# --- Joint reviews --------------------------------------------------------------------------------


class CandidateFilterForm(PlaceFilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(ReviewStatus.choices, _("全部状态"))
    )
    election = forms.CharField(label=_("换届届次"), required=False, max_length=60)

    def filters(self) -> queries.CandidateFilters:
        data = self.data_or_empty()
        return queries.CandidateFilters(
            region_path=self.region_path(),
            status=data.get("status") or "",
            election=data.get("election") or "",
        )


class CandidateReviewForm(StyledForm):
    community = CodeChoiceField(label=_("村(社区)"), empty_label=_("请选择村(社区)"))
    election = forms.CharField(
        label=_("换届届次"), max_length=60, help_text=_("例如：2026年村(社区)两委换届")
    )
    post = forms.ChoiceField(label=_("拟任职务"), choices=_blank(SoughtPost.choices, _("请选择")))
    name = forms.CharField(label=_("候选人姓名"), max_length=60)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=20, widget=forms.TextInput({"autocomplete": "off"})
    )
    worker = forms.ChoiceField(label=_("对应的社区工作者（如是）"), required=False)

    def __init__(self, *args: Any, communities: Any, workers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["worker"].choices = _blank(  # type: ignore[attr-defined]
            [(str(w.pk), f"{w.name}（{w.region.name}）") for w in workers], _("不是社区工作者")
        )


class CheckForm(StyledForm):
    result = forms.ChoiceField(
        label=_("审查结果"),
        choices=[
            (CheckResult.CLEAR, CheckResult.CLEAR.label),
            (CheckResult.ISSUE, CheckResult.ISSUE.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审查意见"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("有不宜人选情形的，须写明具体情形和依据。"),
    )
