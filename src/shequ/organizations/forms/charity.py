"""Forms of the charity pages: the fund list's filter, a fund, a donation, a disbursement request and
its decision, a reversal, and needs with their matching. Sums of money arrive as typed: the actions
check them (more than 0, at most two decimals) with messages that say what is wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    DonorKind,
    FundKind,
    NeedKind,
    NeedStatus,
    ServiceProject,
)
from shequ.organizations.queries.charity import FundFilters, NeedFilters, filter_regions

MONEY_OR_GOODS = [("money", _("资金")), ("goods", _("物资"))]


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class _RegionFilter(StyledForm):
    region = forms.ChoiceField(label=_("所在区域"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def _data(self) -> dict[str, Any]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})


class FundFilterForm(_RegionFilter):
    q = forms.CharField(label=_("名称、编号或管理方"), required=False, max_length=50)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(FundKind.choices, _("全部类型"))
    )
    field_order = ["q", "kind", "region"]

    def filters(self) -> FundFilters:
        data = self._data()
        return FundFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
        )


class FundForm(StyledForm):
    region = CodeChoiceField(label=_("所在村(社区)"), empty_label=_("请选择村(社区)"))
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=FundKind.choices)
    established_on = forms.DateField(label=_("设立日期"), widget=_date_input())
    custodian = forms.CharField(
        label=_("管理方"),
        max_length=120,
        required=False,
        help_text=_("如：社区居委会、社区慈善工作站、某社会组织。"),
    )
    code = forms.CharField(
        label=_("编号"),
        max_length=20,
        required=False,
        help_text=_("不填则按村(社区)代码自动编号。"),
    )
    publish_summary = forms.BooleanField(
        label=_("向社会公开收支摘要"), required=False, initial=True
    )

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = communities  # type: ignore[attr-defined]


class FundEditForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=120)
    custodian = forms.CharField(label=_("管理方"), max_length=120, required=False)
    publish_summary = forms.BooleanField(label=_("向社会公开收支摘要"), required=False)
    is_active = forms.BooleanField(label=_("运行中"), required=False)


class _KindForm(StyledForm):
    """A form whose first choice, money or goods, is a pair of radio buttons."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form_kind"].widget.attrs["class"] = "form-check-input"

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["in_goods"] = data.pop("form_kind") == "goods"
        return data


class DonationForm(_KindForm):
    form_kind = forms.ChoiceField(
        label=_("捐赠形式"), choices=MONEY_OR_GOODS, initial="money", widget=forms.RadioSelect
    )
    posted_on = forms.DateField(
        label=_("记账日期"), required=False, widget=_date_input(), help_text=_("不填为今天。")
    )
    amount = forms.CharField(
        label=_("金额（元）"),
        max_length=20,
        widget=_money_input(),
        help_text=_("捐赠物资时填写物资折价金额。"),
    )
    donor_kind = forms.ChoiceField(label=_("捐赠方类型"), choices=DonorKind.choices)
    donor_name = forms.CharField(
        label=_("捐赠方名称"),
        max_length=120,
        required=False,
        help_text=_("匿名捐赠请留空。"),
    )
    donor_contact = forms.CharField(
        label=_("捐赠方联系电话"),
        max_length=20,
        required=False,
        help_text=_("加密保存，仅用于联系和开具票据，不对外公开。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    publish_donor = forms.BooleanField(label=_("捐赠方同意公开其名称"), required=False)
    goods_description = forms.CharField(label=_("物资名称及规格"), max_length=200, required=False)
    quantity = forms.CharField(
        label=_("数量"), max_length=20, required=False, widget=_money_input()
    )
    unit = forms.CharField(label=_("单位"), max_length=10, required=False)
    description = forms.CharField(label=_("摘要"), max_length=200, required=False)


class DisbursementForm(_KindForm):
    form_kind = forms.ChoiceField(
        label=_("支出形式"), choices=MONEY_OR_GOODS, initial="money", widget=forms.RadioSelect
    )
    amount = forms.CharField(
        label=_("金额（元）"),
        max_length=20,
        widget=_money_input(),
        help_text=_("发放物资时填写物资折价金额。"),
    )
    description = forms.CharField(label=_("用途"), max_length=200)
    recipient = forms.CharField(
        label=_("受助对象"),
        max_length=200,
        required=False,
        help_text=_("仅内部可见，公开摘要只显示用途。"),
    )
    goods_description = forms.CharField(label=_("物资名称及规格"), max_length=200, required=False)
    quantity = forms.CharField(
        label=_("数量"), max_length=20, required=False, widget=_money_input()
    )
    unit = forms.CharField(label=_("单位"), max_length=10, required=False)


class ApproveForm(StyledForm):
    posted_on = forms.DateField(
        label=_("支出日期"), required=False, widget=_date_input(), help_text=_("不填为今天。")
    )
    reason = forms.CharField(label=_("审批意见"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RejectForm(StyledForm):
    reason = forms.CharField(label=_("驳回理由"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReverseForm(StyledForm):
    reason = forms.CharField(label=_("冲销原因"), max_length=150)


# --- Needs -----------------------------------------------------------------------------------------


class NeedFilterForm(_RegionFilter):
    q = forms.CharField(label=_("需求或说明"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(NeedStatus.choices, _("全部状态"))
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(NeedKind.choices, _("全部类型"))
    )
    field_order = ["q", "status", "kind", "region"]

    def filters(self) -> NeedFilters:
        data = self._data()
        return NeedFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            kind=data.get("kind") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
        )


class NeedForm(StyledForm):
    community = CodeChoiceField(label=_("村(社区)"), empty_label=_("请选择村(社区)"))
    title = forms.CharField(label=_("需求"), max_length=120)
    description = forms.CharField(
        label=_("需求说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("类型"), choices=NeedKind.choices)
    amount = forms.CharField(
        label=_("所需金额（元）"), max_length=20, required=False, widget=_money_input()
    )
    quantity = forms.CharField(
        label=_("所需数量"),
        max_length=60,
        required=False,
        help_text=_("物资需求填写，如：大米 2 袋。"),
    )
    needed_by = forms.DateField(label=_("需要日期"), required=False, widget=_date_input())
    is_public = forms.BooleanField(label=_("公开发布"), required=False, initial=True)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class FundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CharityFund) -> str:
        return f"{obj.name}（{obj.code}）"


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceProject) -> str:
        return f"{obj.title}（{obj.get_kind_display()}）"


class MatchForm(StyledForm):
    donor_name = forms.CharField(label=_("认领的爱心人士或单位"), max_length=120, required=False)
    fund = FundChoiceField(
        label=_("慈善基金"),
        queryset=CharityFund.objects.none(),
        required=False,
        empty_label=_("不选"),
    )
    project = ProjectChoiceField(
        label=_("慈善项目"),
        queryset=ServiceProject.objects.none(),
        required=False,
        empty_label=_("不选"),
        help_text=_("公益创投项目排在前面。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, funds: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds  # type: ignore[attr-defined]
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]


class EntryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CharityEntry) -> str:
        return gettext("%(fund)s 第 %(n)s 号 %(day)s %(what)s %(amount)s 元") % {
            "fund": obj.fund.code,
            "n": obj.number,
            "day": obj.posted_on.isoformat(),
            "what": obj.description,
            "amount": obj.amount,
        }


class FulfilForm(StyledForm):
    entry = EntryChoiceField(
        label=_("对应的慈善支出"),
        queryset=CharityEntry.objects.none(),
        required=False,
        empty_label=_("不关联"),
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, entries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries  # type: ignore[attr-defined]


class WithdrawForm(StyledForm):
    reason = forms.CharField(label=_("撤回原因"), max_length=300, required=False)
