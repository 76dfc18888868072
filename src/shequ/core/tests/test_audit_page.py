"""The auditor's page: only events of one's own jurisdiction, filters, and an audited, safe CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from shequ.core import audit
from shequ.core.models import AuditEvent
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _export(client: Client, query: str = "") -> list[list[str]]:
    response = client.get("/audit/export.csv" + query)
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_auditor_sees_only_events_of_their_county(client: Client) -> None:
    world = build_world()
    audit.record("test.inside", region=world.regions["320302001001"], object_repr="甲事件")
    audit.record("test.outside", region=world.regions["320303001001"], object_repr="乙事件")
    client.force_login(world.users["auditor"])  # held at county 320302
    page = client.get("/audit/").content.decode()
    assert "甲事件" in page and "乙事件" not in page
    rows = _export(client)
    reprs = {row[7] for row in rows[1:]}
    assert "甲事件" in reprs and "乙事件" not in reprs


def test_filters_narrow_the_list(client: Client) -> None:
    world = build_world()
    audit.record("test.alpha", region=world.regions["320302001001"], object_repr="阿尔法")
    audit.record("test.beta", region=world.regions["320302001001"], object_repr="贝塔")
    client.force_login(world.users["auditor"])
    page = client.get("/audit/?action=test.alpha").content.decode()
    assert "阿尔法" in page and "贝塔" not in page
    bad = client.get("/audit/?date_from=not-a-date")
    assert bad.status_code == 200
    assert "有效的日期" in bad.content.decode() or "valid date" in bad.content.decode()


def test_export_is_audited_and_neutralises_formulas(client: Client) -> None:
    world = build_world()
    audit.record("test.formula", region=world.regions["320302001001"], object_repr="=HYPERLINK(1)")
    client.force_login(world.users["auditor"])
    rows = _export(client, "?action=test.formula")
    assert rows[1][7] == "'=HYPERLINK(1)"
    assert AuditEvent.objects.filter(
        action="core.export_audit", actor=world.users["auditor"]
    ).exists()


def test_staff_without_audit_permission_are_refused(client: Client) -> None:
    world = build_world()
    client.force_login(world.users["community_staff"])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_audit_rows_cannot_be_changed_or_removed_early() -> None:
    event = audit.record("test.immutable", object_repr="x")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.immutable").exists()
