"""Excel export: masked by default, unmasked only with the permission and a reason, always audited."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from shequ.core.models import AuditEvent
from shequ.core.validators import id_check_character
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from shequ.registry.exports import export_residents
from shequ.registry.queries import ResidentFilters
from tests.world import build_world

pytestmark = pytest.mark.django_db
BODY = "32030219800101001"
ID_NUMBER = BODY + id_check_character(BODY)


def _cells(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [
        str(value)
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]


@pytest.fixture
def world():
    world = build_world()
    actions.register_household(
        community=world.regions["320302001001"],
        grid=world.grids["320302001001001"],
        members=[
            MemberInput(name="=张三", relation="head", id_number=ID_NUMBER, phone="13812345678")
        ],
    )
    return world


def test_masked_export_is_watermarked_and_audited(world) -> None:
    staff = world.users["community_staff"]
    result = export_residents(user=staff, filters=ResidentFilters())
    cells = _cells(result.content)
    assert result.rows == 1
    assert ID_NUMBER not in cells and "13812345678" not in cells
    assert any("320302********" in cell for cell in cells)
    assert any(staff.username in cell and "导出时间" in cell for cell in cells)
    assert "'=张三" in cells, "a cell that looks like a formula is exported as text"
    assert AuditEvent.objects.filter(action="registry.export", actor=staff).exists()


def test_unmasked_export_needs_the_permission_and_a_reason(world) -> None:
    with pytest.raises(PermissionDenied):
        export_residents(
            user=world.users["community_staff"],
            filters=ResidentFilters(),
            unmasked=True,
            reason="办理低保复核",
        )
    head = world.users["community_head"]
    with pytest.raises(ValidationError):
        export_residents(user=head, filters=ResidentFilters(), unmasked=True, reason="")
    result = export_residents(
        user=head, filters=ResidentFilters(), unmasked=True, reason="办理低保复核"
    )
    assert ID_NUMBER in _cells(result.content)
    event = AuditEvent.objects.get(action="registry.export_unmasked", actor=head)
    assert event.reason == "办理低保复核" and ID_NUMBER not in str(event.__dict__)


def test_roles_without_export_are_refused(world) -> None:
    with pytest.raises(PermissionDenied):
        export_residents(user=world.users["grid_worker"], filters=ResidentFilters())
