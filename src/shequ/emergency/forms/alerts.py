"""Forms of the alert pages: issuing (with a one-time ``request_key`` so a double click issues once),
closing, and a grid worker's confirmation. The actions check everything again."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.emergency.models import AlertKind, ReachStatus, Severity


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


NO_BREAK_SPACE = "\u00a0"


def _label(region: Any) -> str:
    # Indented by depth with no-break spaces (a select's options keep no other indentation).
    return NO_BREAK_SPACE * 2 * max(region.depth - 2, 0) + region.name


class AlertForm(StyledForm):
    region = forms.TypedChoiceField(
        label=_("发布单位"),
        coerce=int,
        help_text=_("您在哪一级发布：预警记在该处，发布范围须在其辖区内。"),
    )
    kind = forms.ChoiceField(label=_("预警类型"), choices=AlertKind.choices)
    severity = forms.ChoiceField(label=_("预警级别"), choices=Severity.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    instructions = forms.CharField(
        label=_("防范指引"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("居民收到的短信和消息里就是这段话：要做什么、去哪里、找谁。"),
    )
    target_regions = forms.TypedMultipleChoiceField(
        label=_("发布范围"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选镇(街道)或村(社区)；按住 Ctrl 键多选。也可以只划定区域。"),
    )
    area = forms.CharField(
        label=_("划定区域（GeoJSON，可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "粘贴 GeoJSON 的 Polygon 或 MultiPolygon（经纬度，WGS-84）：中心点落在其中的网格和村(社区)都会收到预警。"
        ),
    )
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, regions: list[Any], targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {r.pk: r for r in regions}
        self.targets = {r.pk: r for r in targets}
        self.fields["region"].choices = [(r.pk, _label(r)) for r in regions]  # type: ignore[attr-defined]
        if len(regions) == 1:
            self.fields["region"].widget = forms.HiddenInput()
            self.initial.setdefault("region", regions[0].pk)
        self.fields["target_regions"].choices = [(r.pk, _label(r)) for r in targets]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("request_key", new_request_key())

    def action_input(self) -> dict[str, Any]:
        """The cleaned data as ``issue_alert`` takes it (places as objects)."""
        d = self.cleaned_data
        return {
            "region": self.regions[d["region"]],
            "kind": d["kind"],
            "severity": d["severity"],
            "title": d["title"],
            "instructions": d["instructions"],
            "target_regions": [self.targets[pk] for pk in d["target_regions"]],
            "area": d["area"] or None,
            "request_key": d["request_key"],
        }


class CloseForm(StyledForm):
    reason = forms.CharField(
        label=_("解除原因"), max_length=300, help_text=_("例如：降雨结束，险情解除。")
    )


class ConfirmForm(StyledForm):
    status = forms.ChoiceField(
        label=_("联系结果"),
        choices=[
            (ReachStatus.REACHED_PHONE, ReachStatus.REACHED_PHONE.label),
            (ReachStatus.REACHED_IN_PERSON, ReachStatus.REACHED_IN_PERSON.label),
            (ReachStatus.ESCALATED, ReachStatus.ESCALATED.label),
        ],
    )
    note = forms.CharField(
        label=_("情况说明"),
        max_length=300,
        required=False,
        help_text=_("上报时必填：例如联系不上、需要转移或救助。"),
    )
