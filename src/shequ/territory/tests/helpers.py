"""Small local helpers for the territory tests: a mini division file and users holding roles.

The shared factories will replace the user helpers; the mini territory stays here because it is built
with the real loader.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import count

from shequ.accounts.models import Role, RoleAssignment, User
from shequ.territory.loading import load_divisions
from shequ.territory.models import Grid, Region
from shequ.territory.permissions import TerritoryPerm

HEADER = "code,name,level,parent_code\n"

# 测试市 (329900): 2 counties × 2 townships × 2 communities. 329901 is a district, 329921 a county.
MINI_ROWS = [
    ("329900", "测试市", "city", "320000"),
    ("329901", "甲区", "county", "329900"),
    ("329901001", "甲一街道", "township", "329901"),
    ("329901001001", "甲一一社区居委会", "village", "329901001"),
    ("329901001002", "甲一二社区居委会", "village", "329901001"),
    ("329901101", "甲二镇", "township", "329901"),
    ("329901101001", "甲二一社区居委会", "village", "329901101"),
    ("329901101201", "甲二二村委会", "village", "329901101"),
    ("329921", "乙县", "county", "329900"),
    ("329921001", "乙一街道", "township", "329921"),
    ("329921001001", "乙一一社区居委会", "village", "329921001"),
    ("329921001002", "乙一二社区居委会", "village", "329921001"),
    ("329921101", "乙二镇", "township", "329921"),
    ("329921101201", "乙二一村委会", "village", "329921101"),
    ("329921101202", "乙二二村委会", "village", "329921101"),
]


def csv_bytes(rows: Sequence[Sequence[str] | str], header: str = HEADER) -> io.BytesIO:
    lines = [row if isinstance(row, str) else ",".join(row) for row in rows]
    return io.BytesIO((header + "\n".join(lines) + "\n").encode())


def load_mini_territory() -> dict[str, Region]:
    load_divisions(csv_bytes(MINI_ROWS))
    return {region.code: region for region in Region.objects.filter(path__under="329900/")}


def make_grid(community: Region, number: int = 1, *, parent: Grid | None = None) -> Grid:
    if parent is None:
        code = f"{community.code}{number:03d}"
        path = f"{community.path}{code}/"
    else:
        code = f"{parent.code}{number:02d}"
        path = f"{parent.path}{code}/"
    return Grid.objects.create(
        community=community,
        parent=parent,
        code=code,
        name=f"{community.name}第{number}网格",
        is_micro=parent is not None,
        path=path,
    )


_serial = count(1)


def user_at(
    place: Region | Grid,
    permissions: tuple[str, ...] = (TerritoryPerm.VIEW,),
    *,
    username: str | None = None,
) -> User:
    """A staff user holding a role with ``permissions`` at a region or a grid."""
    n = next(_serial)
    role = Role.objects.create(
        code=f"t_role_{n}", name=f"测试角色{n}", permissions=list(permissions)
    )
    user = User.objects.create(username=username or f"t_user_{n}", full_name=f"测试用户{n}")
    if isinstance(place, Grid):
        RoleAssignment.objects.create(user=user, role=role, grid=place)
    else:
        RoleAssignment.objects.create(user=user, role=role, region=place)
    return user
