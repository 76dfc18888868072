"""Forms of the intake pages (一窗受理, grid patrol), the routing table and the approval and callback
queues. They parse input into what the actions take; the actions check and write."""

from __future__ import annotations

import re
import secrets
from itertools import groupby
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import HandlingUnit
from shequ.accounts.queries import resident_by_phone
from shequ.cases.actions.intake import STAFF_CHANNELS, Intake
from shequ.cases.kiosk import LABEL_MAX
from shequ.cases.models import (
    AttributeType,
    CaseKind,
    Category,
    Channel,
    Priority,
    ServiceItem,
)
from shequ.cases.queries import intake as intake_queries
from shequ.core.forms import StyledForm
from shequ.territory.models import Grid, Region

# --- The one-time form token (double-submission guard) ---------------------------------------------

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def valid_form_token(value: Any) -> bool:
    return isinstance(value, str) and bool(_TOKEN.match(value))


# --- Several photos in one input ------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files from one ``<input type=file multiple>``; the actions check each one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


# --- Choice fields that name their place ------------------------------------------------------------


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return gettext("%(name)s（%(detail)s）") % {
            "name": obj.name,
            "detail": obj.get_level_display(),
        }


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return gettext("%(name)s（%(detail)s）") % {"name": obj.name, "detail": obj.community.name}


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: HandlingUnit) -> str:
        return obj.name


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: HandlingUnit) -> str:
        return obj.name


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


STAFF_KINDS = (CaseKind.SERVICE_REQUEST, CaseKind.COMPLAINT, CaseKind.SUGGESTION)
ATTRIBUTE_PREFIX = "attribute_"


def _attribute_field(attribute: dict[str, Any]) -> forms.Field:
    """A form field for one Open311-style attribute of a service item."""
    label = attribute.get("description") or attribute["code"]
    required = bool(attribute.get("required"))
    datatype = attribute.get("datatype")
    choices = [(str(v["key"]), v.get("name") or v["key"]) for v in attribute.get("values") or []]
    field: forms.Field
    if datatype == AttributeType.SINGLE:
        field = forms.ChoiceField(choices=_blank(choices, "—"))
    elif datatype == AttributeType.MULTI:
        field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple)
    elif datatype == AttributeType.NUMBER:
        field = forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}))
    elif datatype == AttributeType.DATETIME:
        field = forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    elif datatype == AttributeType.TEXT:
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500)
    else:
        field = forms.CharField(max_length=500)
    field.label = label
    field.required = required
    return field


class ItemPickForm(StyledForm):
    """Step one at the window: choose the service item (or none), so the page can show its
    materials and its own fields. A GET form: it works without JavaScript."""

    item = forms.ChoiceField(label=_("服务事项"), required=False)

    def __init__(self, *args: Any, items: list[ServiceItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: list[tuple[Any, Any]] = [("", _("不选事项（投诉、建议或一般求助，按类别录入）"))]
        for category, members in groupby(items, key=lambda i: i.get_category_display()):
            groups.append((category, [(str(i.pk), _named(i.name, i.region.name)) for i in members]))
        self.fields["item"].choices = groups  # type: ignore[attr-defined]


class IntakeForm(StyledForm):
    """一窗受理 / 代办: staff enter a case for a resident."""

    form_token = forms.CharField(widget=forms.HiddenInput)
    service_item = forms.ModelChoiceField(
        queryset=ServiceItem.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _(
                "所选服务事项不存在或尚未准入，不能受理。请重新选择事项，或不选事项按类别录入。"
            )
        },
    )
    channel = forms.ChoiceField(
        label=_("受理渠道"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        initial=Channel.WINDOW,
    )
    kind = forms.ChoiceField(label=_("诉求类型"), choices=[(k.value, k.label) for k in STAFF_KINDS])
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=_blank(Category.choices, "—")
    )
    priority = forms.ChoiceField(
        label=_("紧急程度"), choices=Priority.choices, initial=Priority.NORMAL
    )
    community = PlaceChoiceField(
        label=_("所在村(社区)"),
        queryset=Region.objects.none(),
        error_messages={"required": _("请选择诉求所在的村(社区)。")},
    )
    grid = GridChoiceField(label=_("网格"), queryset=Grid.objects.none(), required=False)
    address = forms.CharField(label=_("详细地点"), max_length=200, required=False)
    latitude = forms.FloatField(
        label=_("纬度"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("经度"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    title = forms.CharField(
        label=_("标题"),
        max_length=120,
        required=False,
        help_text=_("不填时取诉求内容的第一句。"),
    )
    description = forms.CharField(
        label=_("诉求内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    requester_name = forms.CharField(label=_("申请人姓名"), max_length=60, required=False)
    requester_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    anonymous = forms.BooleanField(label=_("匿名（不记录申请人，不发送进度短信）"), required=False)
    link_account = forms.BooleanField(
        label=_("关联该手机号注册的居民账号"),
        required=False,
        help_text=_("居民已注册时勾选，本件会出现在居民的“我的诉求”中。"),
    )
    proxy_name = forms.CharField(
        label=_("代办人姓名"),
        max_length=60,
        required=False,
        help_text=_("受理渠道为“代办”时必填。"),
    )
    photos = MultipleFileField(
        label=_("照片"),
        required=False,
        help_text=_("可选多张，每张不超过规定大小；照片中的定位等信息会被清除。"),
    )
    confirm_new = forms.BooleanField(label=_("仍作为新诉求提交"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_item"].queryset = intake_queries.intake_items(user)  # type: ignore[attr-defined]
        self.fields["community"].queryset = intake_queries.intake_communities(user)  # type: ignore[attr-defined]
        self.fields["grid"].queryset = intake_queries.intake_grids(user)  # type: ignore[attr-defined]
        self.item = self._chosen_item()
        for attribute in sorted(
            self.item.attributes if self.item else [], key=lambda a: a.get("order") or 0
        ):
            name = ATTRIBUTE_PREFIX + attribute["code"]
            self.fields[name] = _attribute_field(attribute)
            css = "form-check-input" if attribute.get("datatype") == "multivaluelist" else (
                "form-select" if attribute.get("datatype") == "singlevaluelist" else "form-control"
            )  # fmt: skip
            self.fields[name].widget.attrs["class"] = css

    def _chosen_item(self) -> ServiceItem | None:
        raw = self.data.get("service_item") if self.is_bound else self.initial.get("service_item")
        if not raw or not str(raw).isdigit():
            return None
        queryset = self.fields["service_item"].queryset  # type: ignore[attr-defined]
        found: ServiceItem | None = queryset.filter(pk=int(raw)).first()
        return found

    def offered_items(self) -> list[ServiceItem]:
        return list(self.fields["service_item"].queryset)  # type: ignore[attr-defined]

    def preselect_only_community(self) -> None:
        """Staff of one community (most of them) need not choose it."""
        communities = list(self.fields["community"].queryset[:2])  # type: ignore[attr-defined]
        if len(communities) == 1:
            self.initial["community"] = communities[0].pk

    def attribute_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith(ATTRIBUTE_PREFIX)]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["account"] = None
        if data.get("link_account") and not data.get("anonymous"):
            phone = (data.get("requester_phone") or "").strip()
            try:
                account = resident_by_phone(phone) if phone else None
            except ValidationError:
                account = None
            if account is None:
                self.add_error(
                    "link_account",
                    _("没有找到使用该手机号注册的居民账号；不勾选此项也可以受理。"),
                )
            data["account"] = account
        return data

    def case_category(self) -> str:
        """The category the case will have: the item's, or the one chosen."""
        item = self.cleaned_data.get("service_item")
        return item.category if item is not None else self.cleaned_data.get("category") or ""

    def intake(self) -> Intake:
        data = self.cleaned_data
        anonymous = bool(data.get("anonymous"))
        attributes = {
            name[len(ATTRIBUTE_PREFIX) :]: data.get(name)
            for name in self.fields
            if name.startswith(ATTRIBUTE_PREFIX)
        }
        return Intake(
            channel=data["channel"],
            kind=data["kind"],
            description=data["description"],
            category="" if data.get("service_item") else data.get("category") or "",
            title=data.get("title") or "",
            service_item=data.get("service_item"),
            priority=data["priority"],
            region=data["community"],
            grid=data.get("grid"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            address=data.get("address") or "",
            attributes=attributes,
            requester=None if anonymous else data.get("account"),
            requester_name="" if anonymous else data.get("requester_name") or "",
            requester_phone="" if anonymous else data.get("requester_phone") or "",
            anonymous=anonymous,
            proxy_name=data.get("proxy_name") or "",
            photos=data.get("photos") or [],
        )


class NearbyForm(forms.Form):
    """The likely-duplicates check while staff type (an htmx fragment)."""

    category = forms.ChoiceField(choices=_blank(Category.choices, ""), required=False)
    service_item = forms.ModelChoiceField(queryset=ServiceItem.objects.none(), required=False)
    latitude = forms.FloatField(required=False)
    longitude = forms.FloatField(required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_item"].queryset = intake_queries.intake_items(user)  # type: ignore[attr-defined]

    def position(self) -> dict[str, Any] | None:
        """``category``, ``latitude``, ``longitude`` for the query, or None when one is missing."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        item = data.get("service_item")
        category = item.category if item is not None else data.get("category")
        if not category or data.get("latitude") is None or data.get("longitude") is None:
            return None
        return {"category": category, "latitude": data["latitude"], "longitude": data["longitude"]}


class GridReportForm(StyledForm):
    """The grid worker's report from the phone (网格巡查上报)."""

    form_token = forms.CharField(widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("事件类别"),
        choices=_blank(Category.choices, "—"),
        error_messages={"required": _("请选择事件类别。")},
    )
    description = forms.CharField(
        label=_("事件描述"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请简要描述看到的情况。")},
    )
    photos = MultipleFileField(
        label=_("现场照片"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=_("可拍多张。选择“就地解决”时，请拍处理后的照片。"),
    )
    latitude = forms.FloatField(
        label=_("纬度"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("经度"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    grid = GridChoiceField(
        label=_("所在网格（无法定位时选择）"), queryset=Grid.objects.none(), required=False
    )
    resolved_on_spot = forms.BooleanField(label=_("已就地解决"), required=False)
    result = forms.CharField(
        label=_("处理结果"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("就地解决时必填：怎样解决的。"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = intake_queries.report_grids(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        lat, lng = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lng is None):
            self.add_error(None, _("定位不完整：纬度和经度需同时填写。"))
        elif lat is None and data.get("grid") is None and "grid" not in self.errors:
            self.add_error(
                None, _("没有位置：请打开手机定位并点“获取定位”，或在下方选择所在网格。")
            )
        return data

    def intake(self) -> Intake:
        data = self.cleaned_data
        located = data.get("latitude") is not None
        return Intake(
            channel=Channel.GRID_PATROL,
            kind=CaseKind.GRID_EVENT,
            category=data["category"],
            description=data["description"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            # The action finds the grid from the position; the chosen grid is the fallback only.
            grid=None if located else data.get("grid"),
            photos=data.get("photos") or [],
            resolved_on_spot=bool(data.get("resolved_on_spot")),
            result=data.get("result") or "",
        )


# --- Kiosk terminals (自助终端) -----------------------------------------------------------------------


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class KioskSetupForm(StyledForm):
    """Setting up a kiosk terminal: its community (one where the user takes in cases) and a label
    that tells it from the hall's other terminals."""

    community = CommunityChoiceField(
        label=_("终端所在村(社区)"),
        queryset=Region.objects.none(),
        error_messages={
            "required": _("请选择终端所在的村(社区)。"),
            "invalid_choice": _("所选村(社区)不在您的管辖范围内，请重新选择。"),
        },
    )
    label = forms.CharField(
        label=_("终端名称"),
        max_length=LABEL_MAX,
        help_text=_(
            "如：万通社区便民服务大厅 1号机。用来区分同一大厅的几台终端，请勿填写个人信息。"
        ),
        error_messages={
            "required": _("请填写终端名称。"),
            "max_length": _("终端名称最多 %(limit_value)d 个字。"),
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = intake_queries.intake_communities(user)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        if not self.is_bound:
            only = list(communities[:2])
            if len(only) == 1:
                self.initial["community"] = only[0].pk

    def clean_label(self) -> str:
        return " ".join(self.cleaned_data["label"].split())


# --- Routing table ---------------------------------------------------------------------------------


class RoutingRuleForm(StyledForm):
    region = PlaceChoiceField(label=_("区域"), queryset=Region.objects.none())
    category = forms.ChoiceField(label=_("类别"), choices=_blank(Category.choices, "—"))
    unit = UnitChoiceField(label=_("主办单位"), queryset=HandlingUnit.objects.none())
    co_units = UnitsChoiceField(
        label=_("协办单位"),
        queryset=HandlingUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, regions: Any = None, units: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The place and category identify the rule; only its units change.
            del self.fields["region"]
            del self.fields["category"]
        else:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].widget.attrs["class"] = "form-check-input"


# --- Approval and callback queues ------------------------------------------------------------------


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("refuse", _("不批准"))])
    note = forms.CharField(label=_("审批意见"), max_length=2000, required=False)


class CallbackForm(forms.Form):
    note = forms.CharField(
        label=_("回访情况"),
        max_length=2000,
        error_messages={"required": _("请填写回访情况。")},
    )


def _named(name: str, detail: str) -> str:
    return gettext("%(name)s（%(detail)s）") % {"name": name, "detail": detail}
