"""The demo generator and ``shequ manage demo`` over a small territory loaded with the real loader."""

from __future__ import annotations

import io
import json
import re
import stat
from pathlib import Path

import pytest
from django.core.management import call_command

from shequ.accounts.models import HandlingUnit, RoleAssignment, User, UserKind
from shequ.accounts.roles import BUILTIN_ROLES
from shequ.core.models import AuditEvent
from shequ.demo import generator
from shequ.demo.generator import DemoError, chinese_numeral, generate, generate_password, reset
from shequ.territory.loading import load_divisions
from shequ.territory.models import Building, Estate, Grid, Kind, Level, Region, VillagerGroup

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code\n"

# 1 city, 2 counties. 鼓楼区's first subdistrict has two urban communities, a village and a virtual
# community; a second subdistrict and a town in 丰县 complete the tree.
ROWS = [
    ("320300", "徐州市", "city", "320000"),
    ("320302", "鼓楼区", "county", "320300"),
    ("320302001", "黄楼街道", "township", "320302"),
    ("320302001003", "白云社区居委会", "village", "320302001"),
    ("320302001002", "万通社区居委会", "village", "320302001"),
    ("320302001201", "黄楼村村委会", "village", "320302001"),
    ("320302001498", "黄楼虚拟社区", "village", "320302001"),
    ("320302002", "丰财街道", "township", "320302"),
    ("320302002001", "丰财社区居委会", "village", "320302002"),
    ("320321", "丰县", "county", "320300"),
    ("320321102", "首羡镇", "township", "320321"),
    ("320321102001", "首羡社区居委会", "village", "320321102"),
    ("320321102201", "首羡村村委会", "village", "320321102"),
    ("320321102202", "张庄村村委会", "village", "320321102"),
]

HOME_COMMUNITY = (
    "320302001002"  # first urban community of the first subdistrict of the first county
)
PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def load(rows: list[tuple[str, ...]]) -> None:
    text = HEADER + "\n".join(",".join(row) for row in rows) + "\n"
    load_divisions(io.BytesIO(text.encode()))


@pytest.fixture
def territory() -> None:
    load(ROWS)


def synthetic_total() -> int:
    return (
        sum(generator.synthetic_counts().values())
        + RoleAssignment.objects.filter(user__is_synthetic=True).count()
    )


def grid_snapshot() -> list[tuple]:
    return list(
        Grid.objects.order_by("code").values_list(
            "code", "name", "path", "is_micro", "parent__code", "centre_lat", "centre_lng"
        )
    )


# --- Structure ---------------------------------------------------------------------------------


def test_generate_builds_grids_estates_buildings_groups_units(territory):
    report = generate()

    assert report.created
    for key in (
        "grids", "micro_grids", "estates", "natural_villages", "buildings", "villager_groups",
        "handling_units",
    ):  # fmt: skip
        assert report.counts[key] > 0, key
    assert report.counts["accounts"] == len(BUILTIN_ROLES)
    assert report.counts == {**generator.synthetic_counts()}
    assert report.regions_located == Region.objects.exclude(level=Level.CITY).count()

    communities = Region.objects.filter(level=Level.COMMUNITY)
    for community in communities:
        grids = list(Grid.objects.filter(community=community, is_micro=False))
        if community.is_virtual:
            assert grids == []
            continue
        low, high = (4, 8) if community.kind == Kind.URBAN_COMMUNITY else (2, 4)
        assert low <= len(grids) <= high, community.code
        assert sorted(g.name for g in grids)[0].startswith("第")
        for number, grid in enumerate(sorted(grids, key=lambda g: g.code), start=1):
            assert grid.is_synthetic
            assert grid.code == f"{community.code}{number:03d}"
            assert grid.name == f"第{chinese_numeral(number)}网格"
            assert grid.path == f"{community.path}{grid.code}/"
            assert grid.path.startswith(community.path)
            assert grid.parent_id is None
            assert grid.centre_lat is not None and grid.centre_lng is not None
            micro = list(grid.micro_grids.order_by("code"))
            if community.kind == Kind.URBAN_COMMUNITY:
                assert 2 <= len(micro) <= 4
            else:
                assert micro == []
            for m_number, m in enumerate(micro, start=1):
                assert m.is_micro and m.is_synthetic
                assert m.community_id == community.id
                assert m.code == f"{grid.code}{m_number:02d}"
                assert m.name == f"第{chinese_numeral(m_number)}微网格"
                assert m.path == f"{grid.path}{m.code}/"

    # Micro-grids always hang under a main grid of the same community.
    for m in Grid.objects.filter(is_micro=True).select_related("parent"):
        assert m.parent is not None and not m.parent.is_micro
        assert m.parent.community_id == m.community_id

    for community in communities.filter(is_virtual=False, kind=Kind.URBAN_COMMUNITY):
        estates = Estate.objects.filter(community=community)
        assert 2 <= estates.count() <= 5
        assert not estates.filter(is_natural_village=True).exists()
        for estate in estates:
            assert estate.grid.community_id == community.id
            buildings = Building.objects.filter(estate=estate)
            assert 4 <= buildings.count() <= 20
            for b in buildings:
                assert 6 <= b.floors <= 33 and 1 <= b.units <= 4
                assert b.grid.community_id == community.id
                assert b.number.endswith("号楼")
        # Every grid of an urban community has buildings.
        for grid in Grid.objects.filter(community=community, is_micro=False):
            assert Building.objects.filter(grid=grid).exists()

    for community in communities.filter(kind=Kind.VILLAGE):
        groups = VillagerGroup.objects.filter(community=community)
        assert 3 <= groups.count() <= 8
        assert groups.filter(name="第一村民小组").exists()
        assert all(g.grid.community_id == community.id for g in groups)
        natural = Estate.objects.filter(community=community, is_natural_village=True)
        assert 1 <= natural.count() <= 3

    units = HandlingUnit.objects.filter(is_synthetic=True)
    assert units.filter(code="320302-mz", name="鼓楼区民政局").exists()
    assert units.filter(code="320300-mz", name="徐州市民政局").exists()
    assert units.filter(code="320302-ga", name="徐州市公安局鼓楼分局").exists()
    assert units.filter(code="320321-ga", name="丰县公安局").exists()
    assert set(units.values_list("region__level", flat=True)) == {Level.CITY, Level.COUNTY}

    # Real regions: nothing marked, only missing centres filled in (not on the city).
    assert not Region.objects.filter(is_synthetic=True).exists()
    assert not Region.objects.exclude(level=Level.CITY).filter(centre_lat__isnull=True).exists()
    assert Region.objects.get(code="320300").centre_lat is None
    gulou = Region.objects.get(code="320302")
    assert (gulou.centre_lat, gulou.centre_lng) == (34.29, 117.19)
    township = Region.objects.get(code="320302001")
    assert abs(township.centre_lat - 34.29) < 0.08 and abs(township.centre_lng - 117.19) < 0.1


def test_existing_region_coordinates_are_kept(territory):
    Region.objects.filter(code=HOME_COMMUNITY).update(centre_lat=30.0, centre_lng=120.0)
    generate()
    community = Region.objects.get(code=HOME_COMMUNITY)
    assert (community.centre_lat, community.centre_lng) == (30.0, 120.0)
    for grid in Grid.objects.filter(community=community, is_micro=False):
        assert abs(grid.centre_lat - 30.0) < 0.01 and abs(grid.centre_lng - 120.0) < 0.01


# --- Accounts ----------------------------------------------------------------------------------


def test_one_account_per_builtin_role_held_at_the_right_place(territory):
    report = generate()
    by_role = {a.role: a for a in report.accounts}
    assert set(by_role) == {spec.code for spec in BUILTIN_ROLES}

    expected_region = {
        "city": "320300",
        "county": "320302",
        "township": "320302001",
        "community": HOME_COMMUNITY,
        "any": "320302",
    }
    for spec in BUILTIN_ROLES:
        account = by_role[spec.code]
        if not spec.is_staff_role:  # resident, volunteer, party member: phone sign-in
            user = User.objects.get(username=account.username)
            assert user.kind == UserKind.RESIDENT
            assert user.resident_record.community.code == HOME_COMMUNITY  # linked to the registry
            assert account.phone.startswith("1990000") and len(account.phone) == 11
            assert user.phone == account.phone
            assert account.login == account.phone
        else:
            user = User.objects.get(username=spec.code)
            assert user.kind == UserKind.STAFF
            assert account.login == spec.code
        assert user.is_synthetic
        assignments = list(RoleAssignment.objects.filter(user=user))
        assert len(assignments) == 1
        assignment = assignments[0]
        assert assignment.role.code == spec.code
        if spec.held_at == "grid":
            assert assignment.grid.community.code == HOME_COMMUNITY
            assert assignment.grid.code == f"{HOME_COMMUNITY}001"
            assert not assignment.grid.is_micro
        elif spec.held_at == "unit":
            assert assignment.handling_unit.code == "320302-mz"
        else:
            assert assignment.region.code == expected_region[spec.held_at], spec.code
            if spec.held_at != "any":
                assert assignment.region.level == spec.held_at

        # Only a hash is stored, and it checks out.
        assert user.password != account.password
        assert account.password not in user.password
        assert user.check_password(account.password)
        assert user.password_changed_at is not None
        assert len(account.password) >= 14

    assert len({a.password for a in report.accounts}) == len(report.accounts)


def test_placement_falls_back_within_the_first_county_then_to_the_next(db):
    # 鼓楼区's first subdistrict has only a village; its town has an urban community.
    load(
        [
            ("320300", "徐州市", "city", "320000"),
            ("320302", "鼓楼区", "county", "320300"),
            ("320302001", "黄楼街道", "township", "320302"),
            ("320302001201", "黄楼村村委会", "village", "320302001"),
            ("320302101", "测试镇", "township", "320302"),
            ("320302101201", "测试村村委会", "village", "320302101"),
            ("320302101002", "测试社区居委会", "village", "320302101"),
        ]
    )
    report = generate()
    grid_worker = RoleAssignment.objects.get(user__username="grid_worker")
    assert grid_worker.grid.community.code == "320302101002"
    assert {a.role: a.place for a in report.accounts}["township_staff"] == "鼓楼区 测试镇"


def test_placement_skips_a_county_without_communities(db):
    load(
        [
            ("320300", "徐州市", "city", "320000"),
            ("320302", "鼓楼区", "county", "320300"),
            ("320321", "丰县", "county", "320300"),
            ("320321102", "首羡镇", "township", "320321"),
            ("320321102201", "首羡村村委会", "village", "320321102"),
        ]
    )
    generate()
    assert RoleAssignment.objects.get(user__username="grid_worker").grid.community.code == (
        "320321102201"
    )
    assert RoleAssignment.objects.get(user__username="county_official").region.code == "320321"
    assert RoleAssignment.objects.get(user__username="unit_handler").handling_unit.code == (
        "320321-mz"
    )


def test_a_taken_username_stops_generation_with_nothing_written(territory):
    User.objects.create(username="auditor", full_name="真实审计员")
    with pytest.raises(DemoError, match="auditor"):
        generate()
    assert not Grid.objects.exists()
    assert Region.objects.filter(centre_lat__isnull=False).count() == 0


# --- Idempotence, reset, determinism -----------------------------------------------------------


def test_second_generate_is_a_no_op(territory):
    generate()
    counts = generator.synthetic_counts()
    users = User.objects.count()
    second = generate()
    assert not second.created
    assert second.accounts == []
    assert second.counts == counts
    assert generator.synthetic_counts() == counts
    assert User.objects.count() == users


def test_reset_removes_exactly_the_synthetic_rows(territory):
    village = Region.objects.get(code="320321102202")
    real_grid = Grid.objects.create(
        community=village, code="320321102202001", name="真实网格",
        path=f"{village.path}320321102202001/",
    )  # fmt: skip
    real_estate = Estate.objects.create(community=village, name="真实自然村", grid=real_grid)
    real_unit = HandlingUnit.objects.create(
        code="320321-real", name="丰县真实单位", region=village.parent.parent
    )
    real_user = User.objects.create(username="real_person", full_name="真实用户")
    regions_before = Region.objects.count()

    report = generate()
    assert report.communities_skipped == 1
    assert not Grid.objects.filter(community=village, is_synthetic=True).exists()
    audit_before = AuditEvent.objects.count()

    deleted = reset()

    assert deleted["grids"] == report.counts["grids"]
    assert deleted["micro_grids"] == report.counts["micro_grids"]
    assert deleted["buildings"] == report.counts["buildings"]
    assert deleted["estates"] == report.counts["estates"]
    assert deleted["natural_villages"] == report.counts["natural_villages"]
    assert deleted["villager_groups"] == report.counts["villager_groups"]
    assert deleted["handling_units"] == report.counts["handling_units"]
    assert deleted["accounts"] == len(BUILTIN_ROLES)
    assert synthetic_total() == 0
    assert Region.objects.count() == regions_before
    for obj in (real_grid, real_estate, real_unit, real_user):
        obj.refresh_from_db()
    assert real_estate.grid_id == real_grid.pk
    # The audit trail of the demo accounts is kept (plus one event for the reset).
    assert AuditEvent.objects.count() == audit_before + 1
    assert AuditEvent.objects.filter(action="demo.reset").exists()

    # And the demo can be generated again.
    assert generate().created


def test_reset_refuses_while_a_real_account_works_on_a_demo_grid(territory):
    generate()
    grid = Grid.objects.filter(is_synthetic=True).first()
    real_user = User.objects.create(username="real_person", full_name="真实用户")
    RoleAssignment.objects.create(
        user=real_user, role=RoleAssignment.objects.first().role, grid=grid
    )
    before = generator.synthetic_counts()
    with pytest.raises(DemoError, match="真实账号"):
        reset()
    assert generator.synthetic_counts() == before


def test_same_seed_gives_the_same_demo_and_another_seed_a_different_one(territory):
    generate(seed=7)
    first_grids = grid_snapshot()
    first_estates = sorted(Estate.objects.values_list("community__code", "name", "address"))
    first_buildings = sorted(
        Building.objects.values_list("estate__name", "number", "floors", "units", "grid__code")
    )
    first_groups = sorted(VillagerGroup.objects.values_list("grid__code", "name"))

    reset()
    generate(seed=7)
    assert grid_snapshot() == first_grids
    assert sorted(Estate.objects.values_list("community__code", "name", "address")) == first_estates
    assert (
        sorted(
            Building.objects.values_list("estate__name", "number", "floors", "units", "grid__code")
        )
        == first_buildings
    )
    assert sorted(VillagerGroup.objects.values_list("grid__code", "name")) == first_groups

    reset()
    generate(seed=8)
    assert sorted(Estate.objects.values_list("community__code", "name", "address")) != first_estates


def test_scale_changes_the_number_of_grids_and_estates(territory):
    full = generate(scale=1.0).counts
    reset()
    small = generate(scale=0.2).counts
    assert small["grids"] < full["grids"]
    assert small["estates"] < full["estates"]
    assert (
        small["grids"] >= Region.objects.filter(level=Level.COMMUNITY, is_virtual=False).count()
    )  # at least one grid everywhere
    reset()
    big = generate(scale=2.0).counts
    assert big["grids"] > full["grids"]


@pytest.mark.parametrize("scale", [0, -1, 1000])
def test_scale_out_of_range_is_refused(territory, scale):
    with pytest.raises(DemoError):
        generate(scale=scale)


def test_generate_needs_the_territory(db):
    with pytest.raises(DemoError, match="行政区划"):
        generate()


# --- Command -----------------------------------------------------------------------------------


def test_command_prints_accounts_once_and_writes_a_private_file(territory, tmp_path: Path):
    out = io.StringIO()
    path = tmp_path / "accounts.json"
    call_command("demo", accounts_file=str(path), stdout=out)
    text = out.getvalue()

    accounts = json.loads(path.read_text(encoding="utf-8"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(accounts) == len(BUILTIN_ROLES)
    resident = next(a for a in accounts if a["role"] == "resident")
    for account in accounts:
        assert account["login"] in text
        assert account["password"] in text
        assert account["place"] in text
        assert account["role_name"] in text
        user = (
            User.objects.get(username=account["username"])
            if account["username"]
            else next(
                u
                for u in User.objects.filter(is_synthetic=True, kind=UserKind.RESIDENT)
                if u.phone == account["phone"]
            )
        )
        assert user.check_password(account["password"])
    for spec in BUILTIN_ROLES:
        if spec.is_staff_role:
            assert spec.code in text
    # The only phone numbers printed are the demo resident accounts' own (synthetic) ones.
    assert sorted(PHONE_RE.findall(text)) == sorted(a["phone"] for a in accounts if a["phone"])
    assert resident["phone"]
    assert "shequ demo --reset" in text

    # Run again: nothing changes and no password is shown.
    again = io.StringIO()
    call_command("demo", stdout=again)
    assert "演示数据已载入" in again.getvalue()
    assert "shequ demo --reset" in again.getvalue()
    assert not any(a["password"] in again.getvalue() for a in accounts)

    # --reset regenerates with new passwords.
    fresh = io.StringIO()
    call_command("demo", reset=True, accounts_file=str(path), stdout=fresh)
    new_accounts = json.loads(path.read_text(encoding="utf-8"))
    assert {a["role"] for a in new_accounts} == {a["role"] for a in accounts}
    assert not {a["password"] for a in new_accounts} & {a["password"] for a in accounts}
    assert "已删除原有演示数据" in fresh.getvalue()


def test_command_without_territory_fails_cleanly(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load-territory"):
        call_command("demo", stdout=io.StringIO())


# --- Helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九"), (100, "一百"),
     (105, "一百零五"), (110, "一百一十"), (999, "九百九十九")],
)  # fmt: skip
def test_chinese_numeral(n, text):
    assert chinese_numeral(n) == text


def test_passwords_are_long_readable_and_varied():
    passwords = {generate_password() for _i in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) >= 14
        assert not set(password) & set("0O1lI")
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)
