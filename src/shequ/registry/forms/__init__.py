"""Forms of the registry's staff pages. They parse and check input; the actions decide.

Choices of places are scoped to where the user may edit (``RegistryPerm.EDIT``), so a place outside the
jurisdiction is simply not a valid choice.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.core.validators import validate_id_number
from shequ.registry import actions, queries
from shequ.registry.models import (
    CareGroup,
    DisabilityCategory,
    DisabilityGrade,
    Household,
    IdType,
    LegalBasis,
    LifeStatus,
    Relation,
    ResidenceStatus,
    Sex,
)
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries import SORTS, ResidentFilters
from shequ.territory.models import Building, Estate, Grid, Region, VillagerGroup

ALL_STATUSES = "all"
MAX_MEMBERS = 20
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# What the search box treats as an exact identifier (queries.query_condition): never put in a URL.
_IDENTIFIER = re.compile(r"^(\d{17}[\dXx]|(\+?86)?1[3-9]\d{9})$")


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def is_identifier(q: str) -> bool:
    """Whether a search entry is an ID or phone number, which must not travel in a URL."""
    return bool(_IDENTIFIER.match(re.sub(r"[\s-]", "", q or "")))


class RegistryForm(StyledForm):
    """``StyledForm`` whose help and error ids follow the form's own ids (a prefix, a custom
    ``auto_id``), so several forms on one page stay correctly described."""

    def _point_to_own_ids(self) -> None:
        for name, field in self.fields.items():
            described = field.widget.attrs.get("aria-describedby")
            if described:
                field.widget.attrs["aria-describedby"] = described.replace(
                    f"id_{name}_", f"{self[name].auto_id}_"
                )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._point_to_own_ids()

    def full_clean(self) -> None:
        super().full_clean()
        self._point_to_own_ids()


# --- Places the user may register in ---------------------------------------------------------------


def editable_communities(user: Any) -> QuerySet[Region]:
    return queries.editable_communities(user)


def _editable(model: Any, user: Any) -> QuerySet[Any]:
    return queries.editable_places(user, model)


class PlaceChoiceField(forms.ModelChoiceField):
    """A place, labelled with its community when the user works in more than one."""

    def __init__(self, *args: Any, with_community: bool = False, **kwargs: Any) -> None:
        self.with_community = with_community
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        if isinstance(obj, Building):
            label = f"{obj.estate.name} {obj.number}"
            community = obj.estate.community
        else:
            label = obj.name
            community = obj.community
        return f"{community.name} · {label}" if self.with_community else label


class HouseholdForm(RegistryForm):
    community = forms.ModelChoiceField(
        label=_("村(社区)"), queryset=Region.objects.none(), empty_label=_("请选择")
    )
    grid = PlaceChoiceField(
        label=_("网格"), queryset=Grid.objects.none(), required=False, empty_label=_("（不指定）")
    )
    estate = PlaceChoiceField(
        label=_("小区/自然村"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=_("（不指定）"),
    )
    building = PlaceChoiceField(
        label=_("楼栋"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("（不指定）"),
    )
    villager_group = PlaceChoiceField(
        label=_("村民小组"),
        queryset=VillagerGroup.objects.none(),
        required=False,
        empty_label=_("（不指定）"),
    )
    address_detail = forms.CharField(
        label=_("详细地址（单元、室号等）"),
        max_length=200,
        required=False,
        help_text=_("加密保存，页面上默认隐藏，查看需说明事由。"),
    )

    def __init__(self, *args: Any, user: Any, community: Region | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        communities = list(editable_communities(user))
        self.fields["community"].queryset = editable_communities(user)
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk
            community = communities[0]
        several = len(communities) > 1
        if several:
            # With htmx, choosing the community redraws the place fields with that community's
            # grids, estates and groups only; without it, every option is labelled with its community.
            self.fields["community"].widget.attrs.update(
                {
                    "hx-get": reverse("registry:household_new"),
                    "hx-target": "#household-place",
                    "hx-select": "#household-place",
                    "hx-swap": "outerHTML",
                }
            )
        where = {"community": community} if community is not None else {}
        grids = _editable(Grid, user).filter(**where)
        estates = _editable(Estate, user).filter(**where)
        buildings = _editable(Building, user).filter(
            **({"estate__community": community} if community is not None else {})
        )
        groups = _editable(VillagerGroup, user).filter(**where)
        for name, queryset, related in (
            ("grid", grids, ("community",)),
            ("estate", estates, ("community",)),
            ("building", buildings, ("estate__community",)),
            ("villager_group", groups, ("community",)),
        ):
            field = self.fields[name]
            field.queryset = queryset.select_related(*related).order_by(*related, "pk")
            field.with_community = several and community is None
        grid_choices = list(grids.values_list("pk", flat=True)[:2])
        if len(grid_choices) == 1:
            self.fields["grid"].initial = grid_choices[0]
        # A grid worker registers in their own grid: a household with no grid would be outside it.
        if not user.jurisdiction(RegistryPerm.EDIT).region_paths:
            self.fields["grid"].required = True
            self.fields["grid"].empty_label = _("请选择")
        if not groups.exists():
            del self.fields["villager_group"]


def id_number_field() -> forms.CharField:
    return forms.CharField(
        label=_("证件号码"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def phone_field() -> forms.CharField:
    return forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )


def sex_field(help_text: Any) -> forms.ChoiceField:
    """Sex, for people without a resident ID card (the card's number says it otherwise)."""
    return forms.ChoiceField(
        label=_("性别"),
        choices=_blank(_("（由身份证号码得出）")) + list(Sex.choices),
        required=False,
        help_text=help_text,
    )


def birth_date_field(help_text: Any) -> forms.DateField:
    """Birth date, for people without a resident ID card."""
    return forms.DateField(
        label=_("出生日期"), required=False, widget=DATE_WIDGET, help_text=help_text
    )


class MemberForm(RegistryForm):
    """One member as typed on the registration form."""

    name = forms.CharField(label=_("姓名"), max_length=60)
    relation = forms.ChoiceField(
        label=_("与户主关系"), choices=_blank(_("请选择")) + list(Relation.choices)
    )
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID
    )
    id_number = id_number_field()
    phone = phone_field()
    residence_status = forms.ChoiceField(
        label=_("人口类别"), choices=ResidenceStatus.choices, initial=ResidenceStatus.REGISTERED
    )
    sex = sex_field(_("没有居民身份证时填写。"))
    birth_date = birth_date_field(_("没有居民身份证时填写。"))

    def __init__(self, *args: Any, head_allowed: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not head_allowed:
            self.fields["relation"].choices = [
                choice for choice in self.fields["relation"].choices if choice[0] != Relation.HEAD
            ]

    def clean_id_number(self) -> str:
        # Checked here as well as in the action, so that every member's mistake shows at once.
        number = self.cleaned_data.get("id_number", "").strip()
        if number and self.cleaned_data.get("id_type") == IdType.RESIDENT_ID:
            try:
                return validate_id_number(number)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        return number

    def member_input(self) -> actions.MemberInput:
        data = self.cleaned_data
        return actions.MemberInput(
            name=data["name"],
            relation=data["relation"],
            id_type=data["id_type"],
            id_number=data.get("id_number", ""),
            phone=data.get("phone", ""),
            sex=data.get("sex", ""),
            birth_date=data.get("birth_date"),
            residence_status=data["residence_status"],
        )


class BaseMemberFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[MemberForm]:
        """The members actually entered: blank extra rows are ignored."""
        return [form for form in self.forms if form.has_changed() and form.is_valid()]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.filled_forms():
            raise ValidationError(_("一户至少要登记一名成员。"))


MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=0, max_num=MAX_MEMBERS, validate_max=True
)
MEMBER_PREFIX = "members"


def member_formset(
    data: Any = None, *, rows: list[dict[str, Any]] | None = None, extra: int = 0
) -> BaseMemberFormSet:
    """The members formset: bound to ``data``, or unbound with ``rows`` kept and ``extra`` blank rows.

    Unbound, the first row is the head; the rows the user already typed stay as initial forms.
    """
    if data is not None:
        return MemberFormSet(data, prefix=MEMBER_PREFIX)
    rows = rows or [{"relation": Relation.HEAD}]
    formset_class = forms.formset_factory(
        MemberForm, formset=BaseMemberFormSet, extra=extra, max_num=MAX_MEMBERS
    )
    return formset_class(initial=rows, prefix=MEMBER_PREFIX)


def typed_rows(formset: BaseMemberFormSet) -> list[dict[str, Any]]:
    """What the user typed in each non-blank member row (to redraw the form with one more row)."""
    rows = []
    for form in formset.forms:
        if not form.has_changed():
            continue
        rows.append({name: form[name].value() for name in form.fields})
    return rows


# --- Search ------------------------------------------------------------------------------------------


class ResidentSearchForm(RegistryForm):
    q = forms.CharField(
        label=_("搜索"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_("姓名、拼音首字母（如 zs）、18位身份证号或11位手机号"),
    )
    care_group = forms.ChoiceField(
        label=_("关爱类别"), choices=_blank(_("全部")) + list(CareGroup.choices), required=False
    )
    residence_status = forms.ChoiceField(
        label=_("人口类别"),
        choices=_blank(_("全部")) + list(ResidenceStatus.choices),
        required=False,
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[*LifeStatus.choices, (ALL_STATUSES, _("全部"))],
        required=False,
        initial=LifeStatus.ACTIVE,
    )
    age_min = forms.IntegerField(label=_("最小年龄"), min_value=0, max_value=150, required=False)
    age_max = forms.IntegerField(label=_("最大年龄"), min_value=0, max_value=150, required=False)
    estate = PlaceChoiceField(
        label=_("小区/自然村"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=_("全部"),
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        initial="name",
        choices=[
            ("name", _("按姓名")),
            ("age", _("按年龄（从小到大）")),
            ("-age", _("按年龄（从大到小）")),
            ("-registered", _("最近登记")),
            ("registered", _("最早登记")),
        ],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        estates = queries.visible_estates(user)
        field = self.fields["estate"]
        field.queryset = estates.order_by("community__code", "name")
        field.with_community = estates.values("community").distinct().count() > 1

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", _("最大年龄不能小于最小年龄。"))
        return data

    def filters(self) -> ResidentFilters:
        """The filters as valid so far: a wrong entry is shown as an error and otherwise ignored."""
        self.is_valid()
        data = self.cleaned_data
        status = data.get("status") or LifeStatus.ACTIVE
        estate = data.get("estate")
        sort = data.get("sort") or "name"
        return ResidentFilters(
            q=data.get("q", ""),
            care_group=data.get("care_group", ""),
            status="" if status == ALL_STATUSES else status,
            residence_status=data.get("residence_status", ""),
            age_min=data.get("age_min"),
            age_max=data.get("age_max"),
            estate_id=estate.pk if estate else None,
            sort=sort if sort in SORTS else "name",
        )

    def url_params(self) -> dict[str, str]:
        """The search as URL parameters, leaving out an ID or phone number and empty fields."""
        params = {}
        for name in self.fields:
            if name not in self.cleaned_data or name in self.errors:
                continue
            value = self.data.get(name, "")
            if value in ("", None) or (name == "q" and is_identifier(value)):
                continue
            params[name] = str(value)
        return params


# --- One resident ------------------------------------------------------------------------------------


class ResidentEditForm(RegistryForm):
    """A resident's details. ID and phone numbers start empty: the page never holds them in clear."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=60)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = id_number_field()
    phone = phone_field()
    clear_phone = forms.BooleanField(label=_("删除手机号"), required=False)
    sex = forms.ChoiceField(
        label=_("性别"),
        choices=Sex.choices,
        help_text=_("有居民身份证的，以身份证号码为准。"),
    )
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("有居民身份证的，以身份证号码为准。"),
    )
    residence_status = forms.ChoiceField(label=_("人口类别"), choices=ResidenceStatus.choices)
    legal_basis = forms.ChoiceField(label=_("处理依据"), choices=LegalBasis.choices)
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, masked_id: str = "", masked_phone: str = "", **kwargs: Any):
        is_head = kwargs.pop("is_head", False)
        super().__init__(*args, **kwargs)
        id_help = _("留空则不修改。")
        if masked_id:
            id_help = _("当前：%(value)s。留空则不修改。") % {"value": masked_id}
        self.fields["id_number"].help_text = id_help
        phone_help = _("留空则不修改。")
        if masked_phone:
            phone_help = _("当前：%(value)s。留空则不修改。") % {"value": masked_phone}
        self.fields["phone"].help_text = phone_help
        # Changing who heads the household is not an edit of one person: the head stays the head.
        if is_head:
            self.fields["relation"].choices = [(Relation.HEAD, Relation.HEAD.label)]
        else:
            self.fields["relation"].choices = [c for c in Relation.choices if c[0] != Relation.HEAD]
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_helptext"

    def clean_id_number(self) -> str:
        number = self.cleaned_data.get("id_number", "").strip()
        if number and self.cleaned_data.get("id_type") == IdType.RESIDENT_ID:
            try:
                return validate_id_number(number)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        return number

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {
            name: data[name]
            for name in (
                "name",
                "relation",
                "id_type",
                "sex",
                "birth_date",
                "residence_status",
                "legal_basis",
                "note",
            )
        }
        if data["id_number"]:
            changes["id_number"] = data["id_number"]
        if data["clear_phone"]:
            changes["phone"] = ""
        elif data["phone"]:
            changes["phone"] = data["phone"]
        return changes


class CareTagForm(RegistryForm):
    group = forms.ChoiceField(
        label=_("关爱类别"), choices=_blank(_("请选择")) + list(CareGroup.choices)
    )
    start_date = forms.DateField(label=_("开始日期"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=DATE_WIDGET)
    source = forms.CharField(
        label=_("来源"),
        max_length=100,
        required=False,
        help_text=_("例如：民政局低保名册、走访发现"),
    )
    disability_category = forms.ChoiceField(
        label=_("残疾类别"),
        choices=_blank(_("（非残疾人不填）")) + list(DisabilityCategory.choices),
        required=False,
        help_text=_("仅残疾人填写，须同时填写等级。"),
    )
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级"),
        choices=_blank(_("（非残疾人不填）")) + list(DisabilityGrade.choices),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("仅残疾人填写。"),
    )
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        disabled = data.get("group") == CareGroup.DISABLED
        category, grade = data.get("disability_category"), data.get("disability_grade")
        if disabled and not (category and grade):
            self.add_error("disability_category", _("残疾人须填写残疾类别和等级（一至四级）。"))
        if not disabled and (category or grade):
            self.add_error("disability_category", _("只有残疾人需要填写残疾类别和等级。"))
        return data


class EndCareTagForm(RegistryForm):
    end_date = forms.DateField(label=_("结束日期"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = timezone.localdate


class MoveForm(RegistryForm):
    household_number = forms.CharField(
        label=_("迁入户的户编号"),
        max_length=32,
        help_text=_("户编号见户页面，例如 320302001001-00012。"),
    )
    relation = forms.ChoiceField(
        label=_("与新户户主关系"), choices=_blank(_("请选择")) + list(Relation.choices)
    )

    def __init__(self, *args: Any, households: QuerySet[Household], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.households = households

    def clean_household_number(self) -> Household:
        number = self.cleaned_data["household_number"].strip()
        household = self.households.filter(number=number, is_active=True).first()
        if household is None:
            raise ValidationError(_("在您的管辖范围内没有找到这个户编号。"))
        return household


class DepartureForm(RegistryForm):
    status = forms.ChoiceField(
        label=_("类型"),
        choices=[(LifeStatus.MOVED_OUT, _("迁出")), (LifeStatus.DECEASED, _("死亡"))],
    )
    status_date = forms.DateField(label=_("日期"), widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("原因或去向"),
        max_length=100,
        required=False,
        help_text=_("例如：迁往外地、户口迁出。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status_date"].initial = timezone.localdate


class RevealForm(RegistryForm):
    field = forms.ChoiceField(choices=[(name, name) for name in actions.REVEALABLE_FIELDS])
    reason = forms.CharField(
        label=_("查看事由"),
        max_length=200,
        help_text=_("至少4个字，例如办理的事项。查看会被记录。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].widget = forms.HiddenInput()
