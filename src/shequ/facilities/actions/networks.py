"""Walking networks: imported from an OpenStreetMap extract (.osm.pbf or .osm) or GeoJSON lines, or
generated over the demo's estates. A network covers a region's subtree; importing one switches off the
region's previous network (kept for the record) and asks for a coverage refresh on commit."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.scoping import require_place
from shequ.facilities import network, osm
from shequ.facilities.models import NetworkSource, WalkingNetwork
from shequ.facilities.permissions import FacilitiesPerm
from shequ.territory.models import Level, Region

# A city's OSM extract is tens of megabytes; a province's would not fit the purpose.
MAX_UPLOAD_BYTES = 300 * 1024 * 1024
PBF_MAGIC = b"OSMHeader"


def _require(by: Any, region: Region) -> None:
    if region.level == Level.COMMUNITY:
        raise ValidationError(
            {"region": _("路网应按县(市、区)或镇(街道)导入，不能只导入一个村(社区)。")}
        )
    require_place(
        by, FacilitiesPerm.ANALYSE, region.path, _("该区域不在您的管辖范围内，或您没有此项权限。")
    )


def _kind_of(head: bytes, name: str) -> str:
    """What the upload is, by its content: PBF, OSM XML or GeoJSON."""
    if PBF_MAGIC in head[:64]:
        return "pbf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<?xml") or text.startswith(b"<osm"):
        return "osm"
    if text.startswith(b"{"):
        return "geojson"
    raise ValidationError(
        {
            "file": _(
                "“%(name)s”不是可识别的路网文件：请上传 OpenStreetMap 数据（.osm.pbf 或 .osm）或 GeoJSON 线数据。"
            )
            % {"name": name}
        }
    )


def read_upload(upload: Any) -> tuple[network.WalkingGraph, str]:
    """The graph in an uploaded file and its source kind; ``ValidationError`` says what is wrong."""
    name = getattr(upload, "name", "") or _("上传的文件")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": _("文件太大（超过 %(n)d MB）。") % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)}}
        )
    upload.seek(0)
    head = upload.read(4096)
    kind = _kind_of(head, name)
    upload.seek(0)
    try:
        if kind == "geojson":
            return osm.graph_from_geojson(upload.read()), NetworkSource.GEOJSON
        suffix = ".osm.pbf" if kind == "pbf" else ".osm"
        with tempfile.TemporaryDirectory(prefix="shequ-network-") as folder:
            path = Path(folder) / f"upload{suffix}"
            with path.open("wb") as out:
                for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
                    out.write(chunk)
            return osm.graph_from_pbf(path), NetworkSource.OSM
    except network.NetworkError as exc:
        raise ValidationError({"file": exc.message}) from exc


@transaction.atomic
def save_network(
    *,
    region: Region,
    graph: network.WalkingGraph,
    name: str,
    source: str,
    by: Any,
    is_synthetic: bool = False,
) -> WalkingNetwork:
    """Store ``graph`` as the region's active network (the previous one is switched off)."""
    _require(by, region)
    name = (name or "").strip()[:100] or _("%(region)s步行路网") % {"region": region.name}
    WalkingNetwork.objects.filter(region=region, is_active=True).update(is_active=False)
    walking = WalkingNetwork.objects.create(
        region=region,
        name=name,
        source=source,
        node_count=graph.n_nodes,
        edge_count=graph.n_edges,
        total_length_km=round(float(graph.length.sum()) / 1000, 2),
        data=graph.to_npz_bytes(),
        imported_by=by if getattr(by, "pk", None) else None,
        imported_at=timezone.now(),
        is_synthetic=is_synthetic,
    )
    audit.record(
        "facilities.network.import",
        obj=walking,
        actor=by,
        object_repr=walking.name,
        region=region,
    )
    from shequ.facilities.actions import coverage

    transaction.on_commit(
        lambda: coverage.request_refresh(
            reason=_("导入路网“%(name)s”") % {"name": walking.name}, region=region, by=by
        )
    )
    return walking


def import_network(*, region: Region, upload: Any, name: str, by: Any) -> WalkingNetwork:
    """Read an uploaded street file into the region's walking network."""
    _require(by, region)
    graph, source = read_upload(upload)
    return save_network(region=region, graph=graph, name=name, source=source, by=by)


@transaction.atomic
def deactivate_network(*, walking: WalkingNetwork, by: Any) -> None:
    """Stop using a network; its region's estates fall back to the next network up, or straight lines."""
    try:
        _require(by, walking.region)
    except ValidationError as exc:
        raise PermissionDenied(str(exc)) from exc
    WalkingNetwork.objects.filter(pk=walking.pk).update(is_active=False)
    audit.record(
        "facilities.network.deactivate", obj=walking, actor=by, object_repr=walking.name,
        region=walking.region,
    )  # fmt: skip
    from shequ.facilities.actions import coverage

    transaction.on_commit(
        lambda: coverage.request_refresh(
            reason=_("停用路网“%(name)s”") % {"name": walking.name}, region=walking.region, by=by
        )
    )
