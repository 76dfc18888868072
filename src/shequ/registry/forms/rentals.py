"""Forms of the rental-housing pages (流动人口管理). They parse and check input; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.validators import validate_id_number
from shequ.registry import queries
from shequ.registry.actions import MemberInput
from shequ.registry.forms import (
    DATE_WIDGET,
    HouseholdForm,
    PlaceChoiceField,
    RegistryForm,
    birth_date_field,
    id_number_field,
    phone_field,
    sex_field,
)
from shequ.registry.models import IdType, Relation, ResidenceStatus, Resident
from shequ.registry.queries import rentals as rental_queries
from shequ.territory.models import Estate

PLACE_ID = "rental-place"


class RentalPlaceForm(HouseholdForm):
    """Where the rented home is: community, grid, estate and building, and the unit and room."""

    def __init__(self, *args: Any, user: Any, community: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, community=community, **kwargs)
        self.fields.pop("villager_group", None)
        widget = self.fields["community"].widget
        if "hx-get" in widget.attrs:
            widget.attrs.update(
                {
                    "hx-get": reverse("registry:rental_new"),
                    "hx-target": f"#{PLACE_ID}",
                    "hx-select": f"#{PLACE_ID}",
                }
            )


def _checked_id_number(number: str, id_type: str) -> str:
    number = number.strip()
    if number and id_type == IdType.RESIDENT_ID:
        try:
            return validate_id_number(number)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
    return number


class RentalDetailsForm(RegistryForm):
    """The landlord — a resident in the jurisdiction, by exact ID number or chosen on their page —
    and the registration date."""

    landlord = forms.IntegerField(widget=forms.HiddenInput, required=False)
    landlord_id_number = forms.CharField(
        label=_("房东证件号码"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("房东须已登记为居民。也可以在房东的居民页面点击“登记出租房屋”。"),
    )
    registered_on = forms.DateField(label=_("登记日期"), widget=DATE_WIDGET)
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, preset: Resident | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.preset = preset
        self.fields["registered_on"].initial = timezone.localdate
        if preset is not None:
            self.fields["landlord"].initial = preset.pk
            del self.fields["landlord_id_number"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = data.get("landlord")
        number = data.get("landlord_id_number", "")
        landlord = None
        if chosen:
            landlord = rental_queries.visible_resident(self.user, chosen)
            if landlord is None:
                raise ValidationError(_("所选房东不在您的管辖范围内。"))
        elif number:
            landlord = rental_queries.resident_by_id_number(self.user, number)
            if landlord is None:
                self.add_error(
                    "landlord_id_number",
                    _("在您的管辖范围内没有找到持此证件号码的居民。请先将房东登记为居民。"),
                )
        elif "landlord_id_number" in self.fields:
            self.add_error("landlord_id_number", _("请填写房东的证件号码。"))
        else:
            raise ValidationError(_("请选择房东。"))
        data["landlord_resident"] = landlord
        return data


class TenantForm(RegistryForm):
    """A tenant: found by exact ID number among the residents in the jurisdiction, or — when nobody
    holds that number here — registered on the spot as a migrant with the details given."""

    id_type = forms.ChoiceField(
        label=_("证件类型"),
        choices=[choice for choice in IdType.choices if choice[0] != IdType.NONE],
        initial=IdType.RESIDENT_ID,
    )
    id_number = id_number_field()
    start_date = forms.DateField(label=_("入住日期"), widget=DATE_WIDGET)
    name = forms.CharField(
        label=_("姓名"),
        max_length=60,
        required=False,
        help_text=_("已登记的居民可不填；尚未登记的新租户必填，将登记为流动人口。"),
    )
    phone = phone_field()
    sex = sex_field(_("新租户没有居民身份证时填写。"))
    birth_date = birth_date_field(_("新租户没有居民身份证时填写。"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.existing: Resident | None = None
        self.fields["id_number"].required = True
        self.fields["id_number"].error_messages["required"] = _("请填写租户的证件号码。")
        self.fields["start_date"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "id_number" in self.errors or not data.get("id_number"):
            return data
        try:
            number = _checked_id_number(data["id_number"], data.get("id_type", ""))
        except ValidationError as exc:
            self.add_error("id_number", exc)
            return data
        data["id_number"] = number
        found = rental_queries.resident_by_id_number(self.user, number)
        name = data.get("name", "").strip()
        if found is not None:
            if name and name != found.name:
                self.add_error(
                    "name",
                    _("该证件号码已登记为居民 %(name)s，与填写的姓名不符。") % {"name": found.name},
                )
            self.existing = found
        elif not name:
            self.add_error(
                "name",
                _(
                    "在您的管辖范围内没有找到持此证件号码的居民。新租户请填写姓名，将登记为流动人口。"
                ),
            )
        return data

    def member_input(self) -> MemberInput:
        data = self.cleaned_data
        return MemberInput(
            name=data["name"],
            relation=Relation.HEAD,
            id_type=data["id_type"],
            id_number=data["id_number"],
            phone=data.get("phone", ""),
            sex=data.get("sex", ""),
            birth_date=data.get("birth_date"),
            residence_status=ResidenceStatus.MIGRANT,
        )


class EndTenancyForm(RegistryForm):
    end_date = forms.DateField(label=_("退租日期"), widget=DATE_WIDGET)


class EndRentalForm(RegistryForm):
    ended_on = forms.DateField(label=_("停止出租日期"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate


STATES = [
    (rental_queries.ACTIVE, _("出租中")),
    (rental_queries.ENDED, _("已停止出租")),
    ("all", _("全部")),
]


class RentalFilterForm(RegistryForm):
    state = forms.ChoiceField(
        label=_("状态"), choices=STATES, required=False, initial=rental_queries.ACTIVE
    )
    estate = PlaceChoiceField(
        label=_("小区/自然村"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=_("全部"),
    )
    landlord = forms.CharField(
        label=_("房东"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("姓名或拼音首字母"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        estates = queries.visible_estates(user)
        field = self.fields["estate"]
        field.queryset = estates.order_by("community__code", "name")
        field.with_community = estates.values("community").distinct().count() > 1

    def filters(self) -> rental_queries.RentalFilters:
        """The filters as valid so far: a wrong entry is shown as an error and otherwise ignored."""
        self.is_valid()
        data = self.cleaned_data
        state = data.get("state") or rental_queries.ACTIVE
        estate = data.get("estate")
        return rental_queries.RentalFilters(
            state="" if state == "all" else state,
            estate_id=estate.pk if estate else None,
            landlord=data.get("landlord", ""),
        )
