"""Forms of the social organisation and service provider import pages: they parse input;
``actions.imports`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import SpreadsheetUploadForm
from shequ.organizations.queries import imports as import_queries
from shequ.territory.models import Region


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("%(name)s（%(code)s）") % {"name": obj.name, "code": obj.code}


class _UploadForm(SpreadsheetUploadForm):
    def __init__(self, *args: Any, user: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, regions=regions, **kwargs)
        first = regions.first()
        if first is not None:
            self.fields["region"].initial = first.pk


class OrgUploadForm(_UploadForm):
    region = RegionChoiceField(
        label=_("导入范围"),
        queryset=Region.objects.none(),
        empty_label=_("请选择"),
        help_text=_(
            "表格中每个组织所在的村(社区)或镇(街道)须在这里；导入到一个村(社区)或镇(街道)时，"
            "表格可以不填所在地代码。"
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        regions = import_queries.org_importable_regions(user)
        super().__init__(*args, user=user, regions=regions, **kwargs)


class ProviderUploadForm(_UploadForm):
    region = RegionChoiceField(
        label=_("导入范围"),
        queryset=Region.objects.none(),
        empty_label=_("请选择"),
        help_text=_(
            "表格中每个服务主体的登记地县(区)或乡镇(街道)须在这里；导入到一个县(区)或乡镇(街道)时，"
            "表格可以不填登记地区代码。"
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        regions = import_queries.provider_importable_regions(user)
        super().__init__(*args, user=user, regions=regions, **kwargs)
