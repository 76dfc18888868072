"""Resident search among a million residents (issue #3): exact ID number and phone, and a name page.

Data: the bundled Xuzhou territory plus the demo with ``residents=1_000_000`` spread over every
community (``shequ demo --residents 1000000``); generation time and rate are printed too. ``--residents
N`` changes the size.

Users: a township_staff member at the township with the most residents (the widest scope any built-in
role with ``registry.view`` has), and, as the worst case, a bench-only role holding ``registry.view`` at
the city (all residents in scope).

Figures, each against a floor of hand-written SQL through ``connection.cursor()`` that does the same
selection without the ORM, scoping or decryption:
- exact search by ID number and by phone: ``search_residents(user, q=<number>)`` evaluated (blind
  index, scope, one row), against ``SELECT … WHERE id_number_index = %s``;
- a name page: ``search_residents`` for a surname and for pinyin initials, then what the list page does
  (the count and the first 20 rows), against the same LIKE/COUNT/LIMIT in raw SQL over the scope's paths;
- the name page through ``django.test.Client`` (every middleware, template rendering).
Goals: exact search median under 10 ms, name page under 100 ms.
Run: ``.venv/bin/python bench/bench_search.py [--residents N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

_common.setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from shequ.core import crypto  # noqa: E402
from shequ.core.paths import upper_bound  # noqa: E402
from shequ.registry.models import Resident  # noqa: E402
from shequ.registry.queries import ResidentFilters, search_residents  # noqa: E402
from shequ.territory.models import Level, Region  # noqa: E402

REPEAT = 25
PAGE = 20

EXACT_SQL = """
    SELECT r.id, r.name, r.id_number, r.phone, r.birth_date
    FROM registry_resident r
    JOIN territory_region c ON c.id = r.community_id
    WHERE r.{column} = %s AND c.path >= %s AND c.path < %s
"""
NAME_COUNT_SQL = """
    SELECT COUNT(*)
    FROM registry_resident r
    JOIN territory_region c ON c.id = r.community_id
    WHERE r.{column} LIKE %s AND r.status = 'active' AND c.path >= %s AND c.path < %s
"""
NAME_PAGE_SQL = """
    SELECT r.id, r.name, r.id_number, r.phone, r.birth_date, r.household_id
    FROM registry_resident r
    JOIN territory_region c ON c.id = r.community_id
    WHERE r.{column} LIKE %s AND r.status = 'active' AND c.path >= %s AND c.path < %s
    ORDER BY r.name_keys, r.id
    LIMIT 20
"""


def city_viewer(city: Region):
    """A bench-only role: ``registry.view`` over the whole city, the worst case for a search."""
    from shequ.accounts import actions
    from shequ.accounts.models import Role

    role = Role.objects.create(
        code="bench_city_viewer", name="基准全市查看", held_at="city", permissions=["registry.view"]
    )
    user = actions.create_staff_user(username="bench-city", full_name="基准全市", password=None)
    actions.assign_role(user=user, role=role, region=city)
    user.forget_assignments()
    return user


def busiest_township() -> Region:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.parent_id, COUNT(*) FROM registry_resident r
            JOIN territory_region c ON c.id = r.community_id
            GROUP BY c.parent_id ORDER BY COUNT(*) DESC, c.parent_id LIMIT 1
            """
        )
        township_id, _n = cursor.fetchone()
    return Region.objects.get(pk=township_id)


def raw(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def bench_user(label: str, user, place: Region) -> list:
    """The figures for one user: exact searches and name pages within the user's scope."""
    rows = []
    in_scope = Resident.objects.filter(community__path__under=place.path)
    print(f"\n{label}: {in_scope.count():,} residents in scope")
    with_phone = in_scope.exclude(phone_index="").order_by("pk")
    sample = with_phone[with_phone.count() // 2]
    bounds = [place.path, upper_bound(place.path)]

    def exact(q: str) -> None:
        found = list(search_residents(user, ResidentFilters(q=q)))
        assert len(found) == 1, len(found)

    id_index = crypto.blind_index("id_number", sample.id_number)
    phone_index = crypto.blind_index("phone", sample.phone)
    rows.append(
        _common.compare(
            f"{label}: exact ID number",
            lambda: exact(sample.id_number),
            lambda: raw(EXACT_SQL.format(column="id_number_index"), [id_index, *bounds]),
            floor_name="raw SELECT by blind index + path range",
            repeat=REPEAT,
        )
    )
    rows.append(
        _common.compare(
            f"{label}: exact phone",
            lambda: exact(sample.phone),
            lambda: raw(EXACT_SQL.format(column="phone_index"), [phone_index, *bounds]),
            floor_name="raw SELECT by blind index + path range",
            repeat=REPEAT,
        )
    )

    surname = sample.name[0]
    initials = sample.name_keys.split()[0]

    def name_page(q: str) -> int:
        residents = search_residents(user, ResidentFilters(q=q))
        count = residents.count()
        list(residents[:PAGE])
        return count

    for text, column, pattern in (
        (surname, "name", f"%{surname}%"),
        (initials, "name_keys", f"% {initials}%"),
    ):
        n = name_page(text)
        rows.append(
            _common.compare(
                f"{label}: name page “{text}” ({n:,} found)",
                lambda text=text: name_page(text),
                lambda column=column, pattern=pattern: (
                    raw(NAME_COUNT_SQL.format(column=column), [pattern, *bounds]),
                    raw(NAME_PAGE_SQL.format(column=column), [pattern, *bounds]),
                ),
                floor_name="raw COUNT + LIMIT 20 with LIKE over the path range",
                repeat=REPEAT // 2,
            )
        )

    client = Client()
    client.force_login(user)
    url = f"/registry/?q={surname}"
    assert client.get(url).status_code == 200
    rows.append(
        _common.compare(
            f"{label}: name page “{surname}” through the client",
            lambda url=url, client=client: client.get(url),
            lambda: (
                raw(NAME_COUNT_SQL.format(column="name"), [f"%{surname}%", *bounds]),
                raw(NAME_PAGE_SQL.format(column="name"), [f"%{surname}%", *bounds]),
            ),
            floor_name="raw COUNT + LIMIT 20 with LIKE over the path range",
            repeat=REPEAT // 2,
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_000_000)
    args = parser.parse_args()

    _common.header(f"bench_search: resident search among {args.residents:,} residents")
    _common.load_territory()
    started = time.monotonic()
    from shequ.demo.generator import generate

    report = generate(scale=1.0, residents=args.residents)
    seconds = time.monotonic() - started
    total = Resident.objects.count()
    print(
        f"generated the demo with {total:,} residents, {report.counts['households']:,} households "
        f"in {seconds:.0f} s ({total / seconds:,.0f} residents/s, territory and accounts included)"
    )
    call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    township = busiest_township()
    city = Region.objects.get(level=Level.CITY)
    users = {
        f"township {township.name}": (_common.staff_user("bench-town", "township_staff", region=township), township),
        "whole city (bench role)": (city_viewer(city), city),
    }  # fmt: skip

    rows = []
    for label, (user, place) in users.items():
        rows.extend(bench_user(label, user, place))
    _common.print_table(rows)


if __name__ == "__main__":
    main()
