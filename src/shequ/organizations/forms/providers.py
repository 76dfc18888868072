"""Forms of the provider and property pages. They parse input only; the actions check it (a USCC's
check digit, a fallback without a state-owned company, dates out of order, points out of range) with
messages that say what is wrong."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm
from shequ.organizations.models import (
    CommitteeKind,
    CommitteeStatus,
    CreditEventKind,
    CreditLevel,
    ManagementMode,
    Provider,
    ProviderKind,
)
from shequ.organizations.queries import providers as queries

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: Iterable[Any], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


# --- Providers ------------------------------------------------------------------------------------


class ProviderFilterForm(StyledForm):
    q = forms.CharField(label=_("名称、地址、服务或信用代码"), required=False, max_length=50)
    kind = forms.ChoiceField(
        label=_("服务类型"), required=False, choices=_blank(ProviderKind.choices, _("全部类型"))
    )
    region = forms.ChoiceField(label=_("登记地区"), required=False)
    credit_level = forms.ChoiceField(
        label=_("信用等级"), required=False, choices=_blank(CreditLevel.choices, _("全部等级"))
    )
    red_property = forms.BooleanField(label=_("只看红色物业"), required=False)
    include_inactive = forms.BooleanField(label=_("含已停止经营的"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(queries.filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部地区")
        )

    def filters(self) -> queries.ProviderFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return queries.ProviderFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
            credit_level=data.get("credit_level") or "",
            red_property=bool(data.get("red_property")),
            include_inactive=bool(data.get("include_inactive")),
        )


class ProviderForm(StyledForm):
    region = CodeChoiceField(label=_("登记地区"), empty_label=_("请选择县(区)或乡镇(街道)"))
    kind = forms.ChoiceField(label=_("服务类型"), choices=_blank(ProviderKind.choices, "—"))
    name = forms.CharField(label=_("名称"), max_length=150)
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        help_text=_("18位，见营业执照或登记证书。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("经营地址"), max_length=200, required=False)
    services = forms.CharField(
        label=_("服务内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    handling_unit = NamedChoiceField(
        label=_("承办单位（派单对象）"),
        required=False,
        queryset=None,
        empty_label=_("无"),
        help_text=_("工单派遣到该单位，由该服务主体办理；其办结工单的评价计入信用。"),
    )
    social_organization = NamedChoiceField(
        label=_("对应社会组织"), required=False, queryset=None, empty_label=_("无")
    )
    is_state_owned = forms.BooleanField(label=_("国有企业"), required=False)
    is_red_property = forms.BooleanField(label=_("红色物业（仅物业服务企业）"), required=False)
    red_property_since = forms.DateField(label=_("红色物业认定日期"), required=False, widget=DATE)
    is_active = forms.BooleanField(label=_("经营中"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, user: Any, provider: Provider | None = None, **kwargs: Any
    ) -> None:
        if provider is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = {
                "region": provider.region.code,
                "kind": provider.kind,
                "name": provider.name,
                "uscc": provider.uscc,
                "legal_representative": provider.legal_representative,
                "address": provider.address,
                "services": provider.services,
                "handling_unit": provider.handling_unit_id,
                "social_organization": provider.social_organization_id,
                "is_state_owned": provider.is_state_owned,
                "is_red_property": provider.is_red_property,
                "red_property_since": provider.red_property_since,
                "is_active": provider.is_active,
                "version": provider.version,
            }
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.fields["region"].queryset = queries.provider_regions(user)  # type: ignore[attr-defined]
        units = queries.unit_choices(user)
        orgs = queries.social_org_choices(user)
        if provider is not None:
            # The current choice stays valid even when it lies outside the editor's own places.
            if provider.handling_unit_id:
                units = units | type(units.model).objects.filter(pk=provider.handling_unit_id)
            if provider.social_organization_id:
                orgs = orgs | type(orgs.model).objects.filter(pk=provider.social_organization_id)
            self.fields["contact_phone"].help_text = _(
                "已登记的号码不显示；留空则不修改，填写则替换。"
            )
        self.fields["handling_unit"].queryset = units.distinct()  # type: ignore[attr-defined]
        self.fields["social_organization"].queryset = orgs.distinct()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {
            name: data.get(name)
            for name in (
                "kind",
                "name",
                "uscc",
                "legal_representative",
                "address",
                "services",
                "handling_unit",
                "social_organization",
                "is_state_owned",
                "is_red_property",
                "red_property_since",
                "is_active",
            )
        }
        phone = (data.get("contact_phone") or "").strip()
        if self.provider is None or phone:
            values["contact_phone"] = phone
        return values


class RevokeRedPropertyForm(StyledForm):
    reason = forms.CharField(
        label=_("撤销原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CreditEventForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[
            (CreditEventKind.SANCTION.value, CreditEventKind.SANCTION.label),
            (CreditEventKind.COMMENDATION.value, CreditEventKind.COMMENDATION.label),
        ],
    )
    points = forms.CharField(
        label=_("分值"),
        max_length=8,
        help_text=_("处罚扣 5～30 分，表彰加 2～10 分，填写分数即可。"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    occurred_on = forms.DateField(label=_("发生日期"), widget=DATE)
    document = forms.CharField(label=_("文书编号"), max_length=80, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class LinkCaseForm(StyledForm):
    case_number = forms.CharField(
        label=_("投诉工单编号"),
        max_length=30,
        help_text=_("例如 261129-0001234-7，可不带分隔符。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    estate_name = forms.CharField(
        label=_("涉及小区（可选）"),
        max_length=100,
        required=False,
        help_text=_("须为该工单所在村(社区)的小区。"),
    )


class ReassessForm(StyledForm):
    pass


# --- Property -------------------------------------------------------------------------------------


class ManagementForm(StyledForm):
    mode = forms.ChoiceField(label=_("管理方式"), choices=_blank(ManagementMode.choices, "—"))
    provider = NamedChoiceField(
        label=_("物业企业"),
        required=False,
        queryset=None,
        empty_label=_("无（社区托管或居民自管）"),
        help_text=_("国有物业兜底须选择国有物业企业。"),
    )
    started_on = forms.DateField(label=_("开始日期"), widget=DATE)
    contract_ends_on = forms.DateField(label=_("合同到期日"), required=False, widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = queries.property_companies(user)  # type: ignore[attr-defined]


class EndManagementForm(StyledForm):
    ended_on = forms.DateField(label=_("结束日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CommitteeForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"), choices=_blank(CommitteeKind.choices, "—"))
    established_on = forms.DateField(label=_("成立日期"), widget=DATE)
    term_ends_on = forms.DateField(label=_("任期届满日"), required=False, widget=DATE)
    members = forms.IntegerField(label=_("委员人数"), min_value=0, max_value=99)
    party_members = forms.IntegerField(
        label=_("其中党员"), min_value=0, max_value=99, required=False, initial=0
    )
    chair_name = forms.CharField(label=_("主任"), max_length=60, required=False)
    filed_with = forms.CharField(label=_("备案机关"), max_length=120, required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=CommitteeStatus.choices, initial=CommitteeStatus.ACTIVE
    )


class CommitteeFilterForm(StyledForm):
    region = forms.ChoiceField(label=_("所在区域"), required=False)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(CommitteeKind.choices, _("全部类型"))
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(CommitteeStatus.choices, _("全部状态"))
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(queries.committee_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def filters(self) -> queries.CommitteeFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return queries.CommitteeFilters(
            region_path=self.region_paths.get(data.get("region") or "", ""),
            kind=data.get("kind") or "",
            status=data.get("status") or "",
        )


# --- The public directory ---------------------------------------------------------------------------


class DirectoryForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("服务类型"), required=False, choices=_blank(ProviderKind.choices, _("全部类型"))
    )
    region = forms.ChoiceField(label=_("所在县(区)、乡镇(街道)"), required=False)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(r.code, r.name) for r in queries.directory_regions()], _("全部地区")
        )
