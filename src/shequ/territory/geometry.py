"""Checking boundaries entered as GeoJSON (WGS 84 longitude/latitude, as GeoJSON requires)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.validation import explain_validity

# A boundary is an area: points and lines do not bound a region, grid or estate.
AREA_TYPES = ("Polygon", "MultiPolygon")


def validate_geojson(value: Any) -> dict[str, Any]:
    """Return the GeoJSON geometry in ``value`` (a dict or JSON text; a Feature is unwrapped), or
    raise ``ValidationError`` saying what is wrong in Chinese."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValidationError(_("边界不是有效的 JSON。"), code="invalid_json") from exc
    if not isinstance(value, dict):
        raise ValidationError(_("边界应为 GeoJSON 对象。"), code="not_object")
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise ValidationError(_("GeoJSON 要素中没有几何图形。"), code="no_geometry")
    if value.get("type") not in AREA_TYPES:
        raise ValidationError(
            _("边界的类型应为 Polygon 或 MultiPolygon，实际为 %(type)s。")
            % {"type": value.get("type") or "—"},
            code="not_area",
        )
    try:
        geometry = shape(value)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, GEOSException) as exc:
        raise ValidationError(_("边界的坐标格式不正确。"), code="bad_coordinates") from exc
    if geometry.is_empty:
        raise ValidationError(_("边界没有坐标。"), code="empty")
    min_x, min_y, max_x, max_y = geometry.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise ValidationError(
            _("坐标超出经纬度范围：应为 [经度, 纬度]，经度在 -180～180，纬度在 -90～90。"),
            code="out_of_range",
        )
    if not geometry.is_valid:
        raise ValidationError(
            _("边界图形无效（%(reason)s），请检查是否自相交或未闭合。")
            % {"reason": explain_validity(geometry)},
            code="invalid_geometry",
        )
    return value
