"""Forms of the resident's case pages, following a case by number, and the kiosk.

They parse input only: the intake and rating actions check and write. Field names match the keys of
the actions' ``ValidationError`` dicts (``description``, ``address``, ``photos``, ``requester_phone``,
``attribute_<code>``), so ``apply_action_errors`` shows each message under its own field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from shequ.cases import queries
from shequ.cases.actions.handling import NOTE_MAX
from shequ.cases.actions.photos import MAX_PHOTOS
from shequ.cases.models import AttributeType, CaseKind, Category, ServiceItem
from shequ.cases.numbers import parse
from shequ.core.forms import StyledForm
from shequ.core.validators import validate_phone
from shequ.territory.models import Region

ADDRESS_MAX = 200
ATTRIBUTE_PREFIX = "attribute_"
NAME_MAX = 60

# What a resident may raise without a service item. A problem report (a broken lamp, rubbish left
# lying) is recorded as a complaint: intake refuses an online service request that names no item.
OTHER_KINDS = {
    "problem": CaseKind.COMPLAINT,
    "complaint": CaseKind.COMPLAINT,
    "suggestion": CaseKind.SUGGESTION,
}
OTHER_KIND_CHOICES = [
    ("problem", _("反映问题")),
    ("complaint", _("投诉")),
    ("suggestion", _("建议")),
]
OTHER_KIND_HELP = {
    "problem": _("路灯不亮、垃圾没清运、设施损坏、噪音扰民等"),
    "complaint": _("对办事结果或工作人员的服务不满意"),
    "suggestion": _("对社区工作的意见和建议"),
}
# Problems a kiosk offers besides the service items (the rest are reached online or by phone).
KIOSK_PROBLEM_CATEGORIES = (
    Category.ENVIRONMENT,
    Category.PUBLIC_SAFETY,
    Category.PROPERTY_DISPUTES,
    Category.OTHER,
)


class PhotosInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one control; the intake action checks and re-encodes each."""

    widget = PhotosInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/*", "multiple": True})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(PhotosField, self).clean(upload, initial) for upload in uploads if upload]
        if len(cleaned) > MAX_PHOTOS:
            raise ValidationError(_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
        return cleaned


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _phone(value: str) -> str:
    try:
        return validate_phone(value)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None


def community_from_code(code: str) -> Region | None:
    code = (code or "").strip()
    if not code:
        return None
    try:
        return queries.community(code)
    except Http404:
        return None


def _check_widgets(form: forms.Form) -> None:
    """Radio and checkbox groups: StyledForm gives every widget ``form-control``; these want
    ``form-check-input`` on each box."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            field.widget.attrs["class"] = "form-check-input"


def _attribute_field(attribute: dict[str, Any]) -> forms.Field:
    label = attribute.get("description") or attribute["code"]
    required = bool(attribute.get("required"))
    messages = {"required": _("请填写“%(f)s”。") % {"f": label}}
    datatype = attribute.get("datatype")
    choices = [(str(v["key"]), v.get("name") or v["key"]) for v in attribute.get("values") or []]
    if datatype == AttributeType.SINGLE:
        return forms.ChoiceField(
            label=label,
            required=required,
            choices=[("", _("请选择")), *choices],
            error_messages=messages,
        )
    if datatype == AttributeType.MULTI:
        return forms.MultipleChoiceField(
            label=label,
            required=required,
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages=messages,
        )
    if datatype == AttributeType.NUMBER:
        widget: forms.Widget = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    elif datatype == AttributeType.DATETIME:
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
    elif datatype == AttributeType.TEXT:
        widget = forms.Textarea(attrs={"rows": 3})
    else:
        widget = forms.TextInput()
    return forms.CharField(
        label=label, required=required, max_length=500, widget=widget, error_messages=messages
    )


class AttributesMixin:
    """The online fields of a service item (Open311-style attributes), added as ``attribute_<code>``
    fields, which is also how intake names them in its errors."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_attribute_fields(self, item: ServiceItem, *, required: bool = True) -> list[str]:
        attributes = sorted(item.attributes, key=lambda a: a.get("order") or 0)
        names = []
        for attribute in attributes:
            field = _attribute_field(attribute)
            field.required = field.required and required
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
            else:
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            name = f"attribute_{attribute['code']}"
            self.fields[name] = field
            names.append(name)
        return names

    def attribute_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith(ATTRIBUTE_PREFIX)]

    def attribute_values(self) -> dict[str, Any]:
        return {
            name[len(ATTRIBUTE_PREFIX) :]: self.cleaned_data.get(name)
            for name in self.attribute_names()
            if name in self.cleaned_data
        }


class TokenMixin:
    """A one-time token issued with the page and remembered in the session: a form sent twice (a
    double tap, a reload) is recognised, and the second answer is the first case."""

    tokens: tuple[str, ...] = ()

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]  # type: ignore[attr-defined]
        if token not in self.tokens:
            raise ValidationError(_("页面已过期，请核对内容后再提交一次。"))
        return str(token)


class CaseForm(AttributesMixin, TokenMixin, StyledForm):
    """A resident's request online: for a service item (its online fields), or a problem,
    complaint or suggestion (a category)."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    community = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": _("请先选择所在村(社区)。")},
    )
    kind = forms.ChoiceField(
        label=_("您要反映什么"),
        choices=OTHER_KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择反映问题、投诉或建议。")},
    )
    category = forms.ChoiceField(
        label=_("类别"),
        choices=[("", _("请选择")), *Category.choices],
        error_messages={"required": _("请选择类别。")},
    )
    description = forms.CharField(
        label=_("具体情况"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请写清楚是什么事、在哪里、从什么时候开始。"),
        error_messages={"required": _("请填写具体情况。")},
    )
    address = forms.CharField(
        label=_("详细地点"),
        required=False,
        max_length=ADDRESS_MAX,
        help_text=_("如：3号楼2单元门口。"),
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    photos = PhotosField(
        label=_("照片（可选）"),
    )
    requester_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("办理进度会用短信告诉您。"),
        error_messages={"required": _("请填写联系电话。")},
    )

    def __init__(
        self,
        *args: Any,
        item: ServiceItem | None = None,
        tokens: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.tokens = tokens
        # Formatted here, in the request's language (a class attribute would freeze it at import).
        self.fields["photos"].help_text = gettext(
            "最多 %(n)d 张。照片中的拍摄位置等信息会被自动去除。"
        ) % {"n": MAX_PHOTOS}
        if item is not None:
            del self.fields["kind"], self.fields["category"]
            # The item's own fields come first.
            self.order_fields(self.add_attribute_fields(item))
        _check_widgets(self)

    def clean_community(self) -> Region:
        found = community_from_code(self.cleaned_data["community"])
        if found is None:
            raise ValidationError(_("请先选择所在村(社区)。"))
        return found

    def clean_requester_phone(self) -> str:
        return _phone(self.cleaned_data["requester_phone"])

    def case_kind(self) -> str:
        if self.item is not None:
            return str(CaseKind.SERVICE_REQUEST)
        return str(OTHER_KINDS[self.cleaned_data["kind"]])


# --- The resident's own actions on a case ----------------------------------------------------------

STAR_CHOICES = [
    ("5", _("非常满意")),
    ("4", _("满意")),
    ("3", pgettext_lazy("satisfaction", "一般")),
    ("2", _("不满意")),
    ("1", _("非常不满意")),
]


class RateForm(StyledForm):
    stars = forms.ChoiceField(
        label=_("您对办理结果满意吗"),
        choices=STAR_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择一到五星。")},
    )
    comment = forms.CharField(
        label=_("还想说的话（可选）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each level is a large toggle button (Bootstrap's ``btn-check``): still a radio input, so
        # arrow keys and screen readers work as with any radio group.
        self.fields["stars"].widget.attrs["class"] = "btn-check"


class VerifyForm(StyledForm):
    """Confirm the result (``passed``) or dispute it (a note saying what is still wrong)."""

    passed = forms.TypedChoiceField(
        choices=[("1", _("问题已解决")), ("0", _("问题没有解决"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("哪里还没有解决（选择“没有解决”时必填）"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(StyledForm):
    reason = forms.CharField(
        label=_("撤回原因（可选）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- Following a case by number --------------------------------------------------------------------


def _case_number(value: str) -> str:
    if parse(value) is None:
        raise ValidationError(_("工单号不正确，请核对。工单号是14位数字，如 261129-0001234-7。"))
    return value.strip()


class FollowStartForm(StyledForm):
    number = forms.CharField(
        label=_("工单号"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("提交诉求时告诉您的14位号码，可以带短横线。"),
        error_messages={"required": _("请填写工单号。")},
    )
    phone = forms.CharField(
        label=_("提交时留的手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": _("请填写手机号。")},
    )

    def clean_number(self) -> str:
        return _case_number(self.cleaned_data["number"])

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data["phone"])


class FollowCodeForm(StyledForm):
    number = forms.CharField(widget=forms.HiddenInput, max_length=30)
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
        error_messages={
            "required": _("请填写短信中的6位验证码。"),
            "min_length": _("验证码是6位数字。"),
            "max_length": _("验证码是6位数字。"),
        },
    )

    def clean_number(self) -> str:
        return _case_number(self.cleaned_data["number"])


# --- The kiosk (自助终端) ---------------------------------------------------------------------------

KIOSK_STEPS = ("what", "describe", "contact", "confirm")


class KioskForm(AttributesMixin, TokenMixin, StyledForm):
    """Every answer of the kiosk's steps. Earlier answers travel in hidden fields; each step requires
    only what has been asked so far."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    item = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, widget=forms.HiddenInput
    )
    category = forms.ChoiceField(
        choices=[("", "—"), *((c.value, c.label) for c in KIOSK_PROBLEM_CATEGORIES)],
        required=False,
        widget=forms.HiddenInput,
    )
    description = forms.CharField(
        label=_("具体情况"),
        help_text=_("说说是什么事、在哪里、从什么时候开始。"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    requester_name = forms.CharField(
        label=_("您的姓名"),
        required=False,
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    requester_phone = forms.CharField(
        label=_("您的手机号"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("办理进度会用短信告诉您，查询进度也要用到这个号码。"),
    )

    def __init__(
        self,
        *args: Any,
        step: str,
        items: list[ServiceItem],
        tokens: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self.tokens = tokens
        self.items = {item.pk: item for item in items}
        self.fields["item"].choices = [("", "—"), *((i.pk, i.name) for i in items)]  # type: ignore[attr-defined]
        # The chosen item's online fields are asked with the description.
        raw = self.data.get("item") if self.is_bound else self.initial.get("item")
        self.chosen = self.items.get(_int_or_none(raw))  # type: ignore[arg-type]
        if self.chosen is not None:
            self.add_attribute_fields(self.chosen, required=self._reached("describe"))

    def _reached(self, step: str) -> bool:
        return KIOSK_STEPS.index(self.step) >= KIOSK_STEPS.index(step)

    def clean_token(self) -> str:
        if not self._reached("confirm"):
            return str(self.cleaned_data.get("token") or "")
        return super().clean_token()

    def clean_requester_phone(self) -> str:
        value = self.cleaned_data["requester_phone"]
        return _phone(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("item") and not data.get("category"):
            raise ValidationError(_("请先选择要办理的事项或要反映的问题。"))
        if self._reached("describe") and not data.get("description", "").strip():
            self.add_error("description", _("请说明具体情况。"))
        if self._reached("contact"):
            if not data.get("requester_name", "").strip():
                self.add_error("requester_name", _("请填写您的姓名。"))
            if not data.get("requester_phone") and "requester_phone" not in self.errors:
                self.add_error("requester_phone", _("请填写您的手机号。"))
        return data

    @property
    def service_item(self) -> ServiceItem | None:
        pk = self.cleaned_data.get("item")
        return self.items.get(pk) if pk else None

    def case_kind(self) -> str:
        return str(CaseKind.SERVICE_REQUEST if self.service_item else CaseKind.COMPLAINT)
