"""Forms of the facility registry pages: the list filter, a facility (new and edit), its photos, the
community floor areas and candidate sites. They parse input only: numbers, positions and opening hours
arrive as typed, and the actions check them with messages that say what is wrong (a negative area, an
activity space larger than the building, hours that overlap, a position outside the city)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import CodeChoiceField, StyledForm, apply_action_errors
from shequ.facilities import hours
from shequ.facilities.actions import FACILITY_FIELDS, MAX_PHOTOS
from shequ.facilities.models import (
    CoordinateSystem,
    Facility,
    FacilityCategory,
    FacilityStatus,
    LivingCircle,
)
from shequ.facilities.queries import FacilityFilters, circles, filter_regions
from shequ.territory.models import Region

HOURS_PREFIX = "hours_"
FIRST_YEAR = 2000


def _blank(choices: Iterable[Any], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class LongSelect(forms.Select):
    """A select of many plain options written out in Python (a county's places: hundreds), rather than
    one template render per option."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(label)}</option>"
            for key, label in self.choices
        )
        flat = flatatt({**self.build_attrs(self.attrs, attrs), "name": name})
        # Every part is escaped above (keys, labels) or by flatatt (attributes).
        return mark_safe(f"<select{flat}>{options}</select>")


def _decimal_input(placeholder: str = "") -> forms.TextInput:
    attrs = {"inputmode": "decimal", "autocomplete": "off"}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.TextInput(attrs=attrs)


class CircleField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LivingCircle) -> str:
        return obj.label


# --- The list --------------------------------------------------------------------------------------


class FacilityFilterForm(StyledForm):
    """The registry list's filter. An invalid field is ignored (and shown), the others still apply."""

    q = forms.CharField(label=_("名称、地址或运营方"), required=False, max_length=50)
    category = forms.ChoiceField(
        label=_("设施类别"),
        required=False,
        choices=_blank(FacilityCategory.choices, _("全部类别")),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(FacilityStatus.choices, _("全部状态"))
    )
    region = forms.ChoiceField(label=_("所在区域"), required=False, widget=LongSelect)
    opens_too_briefly = forms.BooleanField(
        label=_("只看每天开放不足8小时的综合服务设施"), required=False
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        places = list(filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def filters(self) -> FacilityFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return FacilityFilters(
            q=data.get("q") or "",
            category=data.get("category") or "",
            status=data.get("status") or "",
            region_path=self.region_paths.get(data.get("region") or "", ""),
            opens_too_briefly=bool(data.get("opens_too_briefly")),
        )


# --- A facility ------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one control; the action checks and re-encodes each (metadata removed)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _photos_help() -> str:
    return gettext("可选多张（每个设施最多 %(n)d 张）；照片中的定位等信息会被清除。") % {
        "n": MAX_PHOTOS
    }


def _photos_field() -> PhotosField:
    # Lazy: the help text is translated when a page shows it, in the reader's language.
    return PhotosField(label=_("照片"), help_text=lazy(_photos_help, str)())


class CoordinateSystemField(forms.ChoiceField):
    """WGS-84 or GCJ-02; not given means WGS-84 (what GPS and the map on the page give)."""

    def clean(self, value: Any) -> str:
        return str(super().clean(value) or CoordinateSystem.WGS84)


def _coordinate_system_field() -> forms.ChoiceField:
    return CoordinateSystemField(
        label=_("坐标系"),
        choices=CoordinateSystem.choices,
        initial=CoordinateSystem.WGS84,
        required=False,
        help_text=_(
            "高德地图、腾讯地图的坐标拾取器给出的是 GCJ-02 坐标，请选 GCJ-02，保存时自动换算；"
            "GPS 定位和天地图为 WGS-84。在下方地图上点选的位置为 WGS-84。"
        ),
    )


def _lat_field() -> forms.CharField:
    return forms.CharField(
        label=_("纬度"),
        max_length=30,
        required=False,
        widget=_decimal_input("34.2610"),
        help_text=_("十进制度数，例如 34.2610（北纬）。"),
    )


def _lng_field() -> forms.CharField:
    return forms.CharField(
        label=_("经度"),
        max_length=30,
        required=False,
        widget=_decimal_input("117.1849"),
        help_text=_("十进制度数，例如 117.1849（东经）。"),
    )


class FacilityForm(StyledForm):
    """A facility as staff enter it. On a new facility the community is chosen; on an edit it is fixed
    and the version the editor saw travels with the form."""

    community = CodeChoiceField(label=_("所在村(社区)"), empty_label=_("请选择村(社区)"))
    category = forms.ChoiceField(
        label=_("设施类别"), choices=_blank(FacilityCategory.choices, _("请选择"))
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    status = forms.ChoiceField(
        label=_("状态"), choices=FacilityStatus.choices, initial=FacilityStatus.IN_SERVICE
    )
    serves_circle = CircleField(
        label=_("服务层级"),
        queryset=LivingCircle.objects.none(),
        required=False,
        empty_label=_("不指定（按设施类别计入各层级）"),
        help_text=_("例如十五分钟层级的中心不满足五分钟生活圈的要求；不清楚时不选。"),
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    coordinate_system = _coordinate_system_field()
    lat = _lat_field()
    lng = _lng_field()
    operator = forms.CharField(label=_("运营方"), max_length=100, required=False)
    owner_institution = forms.CharField(
        label=_("开放单位"),
        max_length=100,
        required=False,
        help_text=_("驻区单位向居民开放的停车场、运动场、会议室等，填写开放资源的单位。"),
    )
    floor_area_m2 = forms.CharField(
        label=_("建筑面积（平方米）"), max_length=20, required=False, widget=_decimal_input()
    )
    activity_area_m2 = forms.CharField(
        label=_("居民服务和活动用房面积（平方米）"),
        max_length=20,
        required=False,
        widget=_decimal_input(),
        help_text=_("服务大厅、活动室、阅览室、日间照料等居民使用的用房，不大于建筑面积。"),
    )
    commercial_area_m2 = forms.CharField(
        label=_("商业面积（平方米）"),
        max_length=20,
        required=False,
        widget=_decimal_input(),
        help_text=_("设施中用于商业经营的面积，没有则不填。"),
    )
    capacity = forms.CharField(
        label=_("容量（床位、座位或人数）"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    external_code = forms.CharField(
        label=_("设施编码"),
        max_length=40,
        required=False,
        help_text=_("运营方或主管部门的设施编码（批量导入按此匹配），本社区内不能重复。"),
    )
    note = forms.CharField(
        label=_("备注"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = _photos_field()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        communities: Any = None,
        facility: Facility | None = None,
        **kwargs: Any,
    ) -> None:
        if facility is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = facility_initial(facility)
        super().__init__(*args, **kwargs)
        for day in hours.DAYS:
            day_field = forms.CharField(
                label=hours.DAY_LABELS[day],
                max_length=100,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": "08:30-12:00, 14:00-17:30"}),
            )
            day_field.widget.attrs["class"] = "form-control"
            day_field.widget.attrs["aria-describedby"] = "facility-hours-help"
            self.fields[HOURS_PREFIX + day] = day_field
        self.fields["serves_circle"].queryset = circles()  # type: ignore[attr-defined]
        self.hours_errors: list[str] = []
        self.facility = facility
        if facility is not None:
            del self.fields["community"]
            del self.fields["photos"]
        else:
            del self.fields["version"]
            field = self.fields["community"]
            field.queryset = communities if communities is not None else Region.objects.none()  # type: ignore[attr-defined]

    @property
    def hours_fields(self) -> list[Any]:
        return [self[HOURS_PREFIX + day] for day in hours.DAYS]

    @property
    def main_fields(self) -> list[Any]:
        """Every visible field but the position, the hours and the photos (laid out apart)."""
        apart = {"address", "coordinate_system", "lat", "lng", "photos", "note"}
        return [
            field
            for field in self.visible_fields()
            if field.name not in apart and not field.name.startswith(HOURS_PREFIX)
        ]

    def values(self) -> dict[str, Any]:
        """What the action takes: the facility's fields as typed, the coordinate system, and the
        opening hours by weekday."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in FACILITY_FIELDS if name in self.fields}
        values["coordinate_system"] = data.get("coordinate_system") or CoordinateSystem.WGS84
        values["opening_hours"] = {day: data.get(HOURS_PREFIX + day) or "" for day in hours.DAYS}
        return values

    def apply_errors(self, exc: ValidationError) -> None:
        """The action's errors under the fields they name; the opening hours' beside the hours."""
        if hasattr(exc, "error_dict"):
            found = dict(exc.error_dict)
            self.hours_errors = [
                message for error in found.pop("opening_hours", []) for message in error.messages
            ]
            for field in self.hours_fields if self.hours_errors else []:
                # Read out with the inputs: the message names the day and the hours at fault.
                field.field.widget.attrs["aria-describedby"] = (
                    "facility-hours-help facility-hours-error"
                )
            if found:
                apply_action_errors(self, ValidationError(found))
            elif not self.hours_errors:
                apply_action_errors(self, exc)
        else:
            apply_action_errors(self, exc)


def facility_initial(facility: Facility) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(facility, name) for name in FACILITY_FIELDS if name != "opening_hours"
    }
    initial["serves_circle"] = facility.serves_circle_id
    for name in ("floor_area_m2", "activity_area_m2", "commercial_area_m2"):
        value = initial.get(name)
        initial[name] = "" if value is None else f"{value.normalize():f}"
    initial["capacity"] = "" if facility.capacity is None else str(facility.capacity)
    initial["coordinate_system"] = CoordinateSystem.WGS84
    initial["version"] = facility.version
    for day, text in hours.as_text(facility.opening_hours or {}).items():
        initial[HOURS_PREFIX + day] = text
    return initial


class PhotosForm(StyledForm):
    photos = _photos_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].required = True


# --- Community floor areas -------------------------------------------------------------------------


def _year_choices() -> list[tuple[str, str]]:
    this_year = timezone.localdate().year
    return [(str(y), str(y)) for y in range(this_year + 1, FIRST_YEAR - 1, -1)]


class FloorAreaFilterForm(StyledForm):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)
    region = forms.ChoiceField(label=_("所在区域"), required=False, widget=LongSelect)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        self.fields["year"].choices = _year_choices()  # type: ignore[attr-defined]
        places = list(filter_regions(user).values_list("code", "name", "path"))
        self.region_paths = {code: path for code, _name, path in places}
        self.fields["region"].choices = _blank(  # type: ignore[attr-defined]
            [(code, name) for code, name, _path in places], _("全部区域")
        )

    def chosen_year(self) -> int:
        self.is_valid()
        value = getattr(self, "cleaned_data", {}).get("year")
        return int(value) if value else timezone.localdate().year

    def chosen_region_path(self) -> str:
        self.is_valid()
        return self.region_paths.get(getattr(self, "cleaned_data", {}).get("region") or "", "")


class FloorAreaForm(StyledForm):
    community = CodeChoiceField(label=_("村(社区)"), empty_label=_("请选择村(社区)"))
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    total_floor_area_m2 = forms.CharField(
        label=_("社区总建筑面积（平方米）"),
        max_length=20,
        widget=_decimal_input(),
        help_text=_("本社区范围内全部建筑的总建筑面积，按当年调查或规划部门数据填写。"),
    )
    source = forms.CharField(
        label=_("数据来源"),
        max_length=100,
        required=False,
        help_text=_("例如：2024年自然资源和规划局测绘数据。"),
    )

    def __init__(self, *args: Any, communities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices()  # type: ignore[attr-defined]
        field = self.fields["community"]
        field.queryset = communities if communities is not None else Region.objects.none()  # type: ignore[attr-defined]


# --- Candidate sites -------------------------------------------------------------------------------


class CandidateSiteForm(StyledForm):
    community = CodeChoiceField(label=_("所在村(社区)"), empty_label=_("请选择村(社区)"))
    name = forms.CharField(label=_("场地名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    coordinate_system = _coordinate_system_field()
    lat = _lat_field()
    lng = _lng_field()
    floor_area_m2 = forms.CharField(
        label=_("建筑面积（平方米）"), max_length=20, required=False, widget=_decimal_input()
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, communities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        field.queryset = communities if communities is not None else Region.objects.none()  # type: ignore[attr-defined]

    @property
    def main_fields(self) -> list[Any]:
        apart = {"address", "coordinate_system", "lat", "lng"}
        return [field for field in self.visible_fields() if field.name not in apart]


class CandidateFilterForm(StyledForm):
    include_withdrawn = forms.BooleanField(label=_("包括已撤下的场地"), required=False)

    def available_only(self) -> bool:
        self.is_valid()
        return not getattr(self, "cleaned_data", {}).get("include_withdrawn")
