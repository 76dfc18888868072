"""Counts for officials: right totals, one query per table, small cells suppressed, scope respected."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from shequ.core.validators import id_check_character
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from shequ.registry.statistics import region_statistics, suppress
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _id(serial: int, born: str) -> str:
    body = f"320302{born}{serial:03d}"
    return body + id_check_character(body)


def _populate(world) -> None:
    today = date.today()
    old = f"{today.year - 85}0101"
    child = f"{today.year - 5}0101"
    adult = f"{today.year - 40}0101"
    for n in range(6):
        household = actions.register_household(
            community=world.regions["320302001001"],
            grid=world.grids["320302001001001"],
            members=[
                MemberInput(name=f"甲{n}", relation="head", id_number=_id(n * 3 + 1, adult)),
                MemberInput(name=f"乙{n}", relation="child", id_number=_id(n * 3 + 2, child)),
                MemberInput(
                    name=f"丙{n}",
                    relation="parent",
                    id_number=_id(n * 3 + 3, old),
                    residence_status="migrant",
                ),
            ],
        )
        elder = household.members.get(relation="parent")
        actions.tag_care_group(resident=elder, group="oldest_old", start_date=date(2020, 1, 1))
    lone = actions.register_household(
        community=world.regions["320302001201"],
        grid=world.grids["320302001201001"],
        members=[MemberInput(name="丁", relation="head", id_number=_id(100, adult))],
    )
    actions.tag_care_group(
        resident=lone.head,
        group="disabled",
        start_date=date(2021, 1, 1),
        disability_category="physical",
        disability_grade=2,
    )


def test_county_statistics_add_up_by_township(django_assert_max_num_queries) -> None:
    world = build_world()
    _populate(world)
    with django_assert_max_num_queries(12):
        stats = region_statistics(world.users["county_official"], "320302")
    assert stats.total.residents == 19 and stats.total.households == 7
    assert stats.total.by_age["80+"] == 6 and stats.total.by_age["0-14"] == 6
    assert stats.total.by_status["migrant"] == 6
    assert stats.total.by_group["oldest_old"] == 6 and stats.total.by_group["disabled"] == 1
    by_code = {region.code: tally for region, tally in stats.parts}
    assert by_code["320302001"].residents == 19 and by_code["320302002"].residents == 0


def test_small_cells_are_suppressed() -> None:
    assert suppress(0) == "0"
    assert suppress(1) == "<5" and suppress(4) == "<5"
    assert suppress(5) == "5" and suppress(12345) == "12,345"


def test_statistics_are_scoped() -> None:
    world = build_world()
    with pytest.raises(Http404):
        region_statistics(world.users["county_official"], "320303")
    with pytest.raises(Http404):
        region_statistics(world.users["community_staff"], "320302")  # no statistics permission
