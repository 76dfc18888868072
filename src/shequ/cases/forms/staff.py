"""Forms of the staff case pages: the inbox filter, bulk dispatch, and one small form per action on
the case page. They parse input; the actions in ``actions.handling`` and ``actions.ratings``
validate and write."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.http import Http404
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import (
    ApprovalKind,
    Case,
    CaseKind,
    CaseStatus,
    Category,
    DeadlineState,
    Priority,
)
from shequ.cases.numbers import parse
from shequ.cases.queries import cases as case_queries
from shequ.cases.queries import staff as staff_queries
from shequ.cases.queries.dispatch import dispatchable_units
from shequ.core import calendar
from shequ.core.forms import StyledForm

MAX_BULK = 200


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class DateInput(forms.DateInput):
    input_type = "date"


class LongSelect(forms.Select):
    """A select of many plain options (no groups), written out in Python. Django renders each option
    through a template: the 545 places of a county's inbox filter took 20 ms (bench_case_inbox)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> str:
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(label)}</option>"
            for key, label in self.choices
        )
        flat = flatatt({**self.build_attrs(self.attrs, attrs), "name": name})
        # Every part is escaped above (keys, labels) or by flatatt (attributes).
        return mark_safe(f"<select{flat}>{options}</select>")


# --- The inbox ---------------------------------------------------------------------------------


class InboxFilterForm(StyledForm):
    """The inbox filter. Without a ``status`` parameter the inbox shows open cases."""

    q = forms.CharField(label=_("工单号或标题"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), ("open", _("未办结")), *CaseStatus.choices],
    )
    deadline = forms.ChoiceField(
        label=_("时限"), required=False, choices=_blank(DeadlineState.choices, _("全部"))
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=_blank(Category.choices, _("全部类别"))
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(CaseKind.choices, _("全部类型"))
    )
    region = forms.ChoiceField(label=_("所在区域"), required=False, widget=LongSelect)
    submitted_from = forms.DateField(label=_("提交日期自"), required=False, widget=DateInput)
    submitted_to = forms.DateField(label=_("提交日期至"), required=False, widget=DateInput)
    mine = forms.BooleanField(label=_("只看我负责的"), required=False)
    supervised = forms.BooleanField(label=_("只看督办件"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        if "status" not in data:
            data = data.copy()
            data["status"] = "open"
        super().__init__(data)
        places = list(staff_queries.inbox_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> case_queries.CaseFilters:
        """The filters from every field that is valid; an invalid field is ignored (and shown)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("submitted_from"), data.get("submitted_to")
        return case_queries.CaseFilters(
            status=data.get("status") or "",
            deadline=data.get("deadline") or "",
            category=data.get("category") or "",
            kind=data.get("kind") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
            q=(data.get("q") or "").strip(),
            mine=bool(data.get("mine")),
            supervised=bool(data.get("supervised")),
            submitted_from=_local_midnight(start) if start else None,
            submitted_to=_local_midnight(end + timedelta(days=1)) if end else None,
        )


def unit_label(unit: Any) -> str:
    return gettext("%(unit)s（%(place)s）") % {"unit": unit.name, "place": unit.region.name}


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return unit_label(obj)


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return unit_label(obj)


class IdListField(forms.Field):
    """The ids of the rows ticked in a list (``<input type=checkbox name=cases value=id>``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        ids: list[int] = []
        for raw in values:
            text = str(raw).strip()
            if not text.isdigit():
                raise ValidationError(_("所选工单不正确，请刷新页面后重试。"))
            if int(text) not in ids:
                ids.append(int(text))
        if len(ids) > MAX_BULK:
            raise ValidationError(_("一次最多派遣 %(n)d 个工单。") % {"n": MAX_BULK})
        return ids

    def validate(self, value: Any) -> None:
        if not value:
            raise ValidationError(_("请至少勾选一个工单。"))


class BulkDispatchForm(StyledForm):
    cases = IdListField(label=_("所选工单"))
    lead = UnitChoiceField(label=_("主办单位"), queryset=None, empty_label="—")
    co_units = UnitsChoiceField(label=_("协办单位（可多选）"), queryset=None, required=False)
    note = forms.CharField(
        label=_("派遣意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    back = forms.ChoiceField(
        choices=[("inbox", "inbox"), ("dispatch_board", "dispatch_board")],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = units
        self.fields["co_units"].queryset = units
        self.fields["co_units"].widget.attrs["size"] = 4


# --- Actions on the case page --------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one control; each is re-encoded by the action."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class CaseForm(StyledForm):
    """A form acting on one case; subclasses pick what they need from ``case`` and ``user``."""

    multipart = False

    def __init__(self, *args: Any, case: Case, user: Any, **kwargs: Any) -> None:
        self.case, self.user = case, user
        super().__init__(*args, **kwargs)


class EmptyForm(CaseForm):
    pass


class NoteForm(CaseForm):
    note = forms.CharField(label=_("意见（可不填）"), required=False, widget=_textarea())


class RequiredNoteForm(CaseForm):
    note = forms.CharField(label=_("内容"), widget=_textarea())


class ReasonForm(CaseForm):
    reason = forms.CharField(label=_("理由"), widget=_textarea())


class AcceptForm(CaseForm):
    priority = forms.ChoiceField(label=_("紧急程度"), choices=Priority.choices)
    note = forms.CharField(label=_("受理意见（可不填）"), required=False, widget=_textarea())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].initial = self.case.priority


class DispatchForm(CaseForm):
    lead = UnitChoiceField(label=_("主办单位"), queryset=None, empty_label="—")
    co_units = UnitsChoiceField(label=_("协办单位（可多选）"), queryset=None, required=False)
    note = forms.CharField(label=_("派遣意见（可不填）"), required=False, widget=_textarea())

    def __init__(self, *args: Any, suggestion: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = dispatchable_units(self.case)
        self.fields["lead"].queryset = units
        self.fields["co_units"].queryset = units
        self.fields["co_units"].widget.attrs["size"] = 4
        if suggestion is not None:
            self.fields["lead"].initial = suggestion.unit_id
            self.fields["co_units"].initial = [u.pk for u in suggestion.co_units.all()]
            self.fields["lead"].help_text = _("已按分拨规则预选主办单位。")


class HandleForm(CaseForm):
    multipart = True
    result = forms.CharField(label=_("办理结果"), widget=_textarea(3))
    photos = PhotosField(label=_("现场照片（可多张）"))


class VerifyForm(CaseForm):
    multipart = True
    note = forms.CharField(label=_("核查意见（可不填）"), required=False, widget=_textarea())
    photos = PhotosField(label=_("核查照片（可多张）"))


class VerifyFailForm(VerifyForm):
    note = forms.CharField(label=_("未通过的原因"), widget=_textarea())


class MergeForm(CaseForm):
    into = forms.CharField(
        label=_("合并到工单号"),
        max_length=30,
        help_text=_("本工单将并入该工单一起办理，如 261129-0001234-7。"),
    )
    note = forms.CharField(label=_("说明（可不填）"), required=False, widget=_textarea())

    def clean_into(self) -> Case:
        text = self.cleaned_data["into"]
        parsed = parse(text)
        if parsed is None:
            raise ValidationError(_("工单号不正确，请核对后重新输入。"))
        try:
            target = case_queries.case_detail(self.user, parsed[0])
        except Http404:
            target = None
        if target is None or target.number != "".join(ch for ch in text if ch.isdigit()):
            raise ValidationError(_("找不到该工单，或它不在您的管辖范围内。"))
        return target


class WhistleForm(CaseForm):
    units = UnitsChoiceField(label=_("召集单位（可多选）"), queryset=None)
    note = forms.CharField(label=_("吹哨事由"), widget=_textarea())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = dispatchable_units(self.case)
        self.fields["units"].widget.attrs["size"] = 4


class ApprovalForm(CaseForm):
    kind = forms.ChoiceField(label=_("申请类型"))
    reason = forms.CharField(label=_("理由"), widget=_textarea())
    extra_working_days = forms.IntegerField(
        label=_("延长工作日（申请延期时填写）"), required=False, min_value=1, max_value=30
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, ApprovalKind(k).label) for k in kinds]


class DecideForm(CaseForm):
    approval = forms.TypedChoiceField(label=_("待审批的申请"), coerce=int)
    decision = forms.ChoiceField(
        label=_("审批结果"), choices=[("approve", _("批准")), ("refuse", _("不批准"))]
    )
    note = forms.CharField(label=_("审批意见（不批准时必填）"), required=False, widget=_textarea())

    def __init__(self, *args: Any, approvals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.approvals = {a.pk: a for a in approvals}
        self.fields["approval"].choices = [
            (
                a.pk,
                gettext("%(kind)s：%(reason)s")
                % {"kind": a.get_kind_display(), "reason": a.reason[:30]},
            )
            for a in approvals
        ]


class CallbackForm(CaseForm):
    callback = forms.TypedChoiceField(label=_("待回访"), coerce=int)
    note = forms.CharField(label=_("回访情况"), widget=_textarea())

    def __init__(self, *args: Any, callbacks: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.callbacks = {c.pk: c for c in callbacks}
        self.fields["callback"].choices = [
            (c.pk, _("%(stars)s 星评价，%(due)s 前回访")
             % {"stars": c.rating.stars, "due": f"{calendar.localtime(c.due_at):%Y-%m-%d %H:%M}"})
            for c in callbacks
        ]  # fmt: skip


class RevealForm(StyledForm):
    """One of the requester's fields in clear, with the reason it is needed (audited)."""

    field = forms.ChoiceField(
        label=_("查看哪一项"),
        choices=[
            ("requester_phone", _("联系电话")),
            ("requester_name", _("姓名")),
            ("address", _("详细地点")),
        ],
    )
    reason = forms.CharField(label=_("事由"), max_length=200)
