"""The form of the Open311 client-system page. It parses input; ``actions.open311`` validates and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.cases.forms import RegionChoiceField
from shequ.core.forms import StyledForm
from shequ.territory.models import Region


class ClientForm(StyledForm):
    name = forms.CharField(
        label=_("系统名称"),
        max_length=80,
        help_text=_("对接系统的名称，如“12345 政务服务便民热线”。名称不能重复。"),
    )
    region = RegionChoiceField(
        label=_("受理区域"),
        queryset=Region.objects.none(),
        help_text=_("该系统只能在这一区域内提交诉求；区域内的村(社区)由定位或 address_id 确定。"),
    )
    contact = forms.CharField(
        label=_("联系人"),
        max_length=100,
        required=False,
        help_text=_("负责该系统的单位或值班电话，出现问题时联系。"),
    )

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()  # type: ignore[attr-defined]
