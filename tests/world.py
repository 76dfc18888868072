"""A small territory with every built-in role placed in it, and sentinels to catch leaks.

Every region, grid, handling unit and staff member gets a name carrying a unique token (【…】), so a
test can tell exactly which places' data a page shows.

    320300 city
    ├── 320302 county (home)             ├── 320303 county (elsewhere)
    │   ├── 320302001 township (home)    │   └── 320303001 township
    │   │   ├── 320302001001 community (home, urban) — grids 001 (home), 002
    │   │   └── 320302001201 village
    │   └── 320302002 township
    │       └── 320302002001 community
    └── …
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from shequ.accounts import actions
from shequ.accounts.models import HandlingUnit, Role, User
from shequ.accounts.roles import BUILTIN_ROLES
from shequ.territory.models import Building, Estate, Grid, Kind, Level, Region, VillagerGroup

HOME = {
    "city": "320300",
    "county": "320302",
    "township": "320302001",
    "community": "320302001001",
    "grid": "320302001001001",
}


def token(code: str) -> str:
    return f"【{code}】"


@dataclass
class World:
    regions: dict[str, Region] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)
    units: dict[str, HandlingUnit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # role code → user
    outsider: User | None = None  # a staff member held in the other county
    all_tokens: dict[str, str] = field(default_factory=dict)  # token → path of the place it marks

    def visible_paths(self, user: User) -> list[str]:
        where = user.jurisdiction()
        return [*where.region_paths, *where.grid_paths]

    def leaked_tokens(self, user: User | None, body: str) -> list[str]:
        """Tokens in ``body`` of places neither inside the user's jurisdiction nor above it."""
        paths = self.visible_paths(user) if user is not None else []
        own_units = {
            token(a.handling_unit.region.code + "U")
            for a in (user.active_assignments() if user is not None else [])
            if a.handling_unit is not None
        }
        leaked = []
        for tok, path in self.all_tokens.items():
            if tok not in body or tok in own_units:
                continue
            inside = any(path.startswith(p) for p in paths)
            ancestor = any(p.startswith(path) for p in paths)
            if not (inside or ancestor):
                leaked.append(tok)
        return leaked


def _region(
    world: World, code: str, level: str, kind: str, parent: Region | None, urban: bool
) -> Region:
    path = (parent.path if parent else "") + code + "/"
    region = Region.objects.create(
        code=code,
        name=f"{token(code)}区域",
        level=level,
        kind=kind,
        parent=parent,
        path=path,
        depth=path.count("/") - 1,
        is_urban=urban,
    )
    world.regions[code] = region
    world.all_tokens[token(code)] = path
    return region


def _grid(world: World, community: Region, number: str) -> Grid:
    code = community.code + number
    grid = Grid.objects.create(
        community=community, code=code, name=f"{token(code)}网格", path=community.path + code + "/"
    )
    world.grids[code] = grid
    world.all_tokens[token(code)] = grid.path
    estate = Estate.objects.create(community=community, grid=grid, name=f"{token(code + 'E')}小区")
    world.all_tokens[token(code + "E")] = grid.path
    Building.objects.create(estate=estate, grid=grid, number=token(code + "B"))
    world.all_tokens[token(code + "B")] = grid.path
    return grid


def build_world() -> World:
    world = World()
    city = _region(world, "320300", Level.CITY, Kind.CITY, None, True)
    for county_code in ("320302", "320303"):
        county = _region(world, county_code, Level.COUNTY, Kind.DISTRICT, city, True)
        unit = HandlingUnit.objects.create(
            code=f"{county_code}-mz", name=f"{token(county_code + 'U')}民政局", region=county
        )
        world.units[county_code] = unit
        world.all_tokens[token(county_code + "U")] = county.path
        townships = ("001", "002") if county_code == "320302" else ("001",)
        for t in townships:
            township = _region(
                world, county_code + t, Level.TOWNSHIP, Kind.SUBDISTRICT, county, True
            )
            communities = [("001", Kind.URBAN_COMMUNITY, True)]
            if county_code == "320302" and t == "001":
                communities.append(("201", Kind.VILLAGE, False))
            for c, kind, urban in communities:
                community = _region(
                    world, township.code + c, Level.COMMUNITY, kind, township, urban
                )
                for g in ("001", "002"):
                    _grid(world, community, g)
                if not urban:
                    VillagerGroup.objects.create(
                        community=community, name=f"{token(community.code + 'V')}组"
                    )
                    world.all_tokens[token(community.code + "V")] = community.path
    city_unit = HandlingUnit.objects.create(
        code="320300-mz", name=f"{token('320300U')}民政局", region=city
    )
    world.units["320300"] = city_unit
    world.all_tokens[token("320300U")] = city.path

    actions.sync_builtin_roles()
    roles = {role.code: role for role in Role.objects.all()}
    for spec in BUILTIN_ROLES:
        if spec.code == "resident":
            user = actions.create_resident_user(
                phone="19900000001", full_name="居民甲", password="Resident-pass-123"
            )
        else:
            user = actions.create_staff_user(
                username=spec.code, full_name=f"{spec.name}甲", password=None
            )
            place: dict[str, Any] = {}
            if spec.held_at == "grid":
                place["grid"] = world.grids[HOME["grid"]]
            elif spec.held_at == "unit":
                place["handling_unit"] = world.units["320302"]
            elif spec.held_at == "any":
                place["region"] = world.regions[HOME["county"]]
            else:
                place["region"] = world.regions[HOME[spec.held_at]]
            actions.assign_role(user=user, role=roles[spec.code], **place)
        world.users[spec.code] = user
    # Someone elsewhere, whose name must not appear below the city level.
    other = actions.create_staff_user(
        username="elsewhere", full_name=f"{token('P320303')}乙", password=None
    )
    actions.assign_role(
        user=other, role=roles["community_staff"], region=world.regions["320303001001"]
    )
    world.all_tokens[token("P320303")] = world.regions["320303001001"].path
    world.outsider = other
    return world


def verify_second_factor(client: Any, user: User) -> None:
    """Sign in and pass the second factor, as the user would with their authenticator app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.create(
        user=user, name="default", confirmed=True, key=base64.b16encode(b"k" * 20).decode().lower()
    )
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
