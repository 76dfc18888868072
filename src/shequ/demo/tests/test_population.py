"""The demo's synthetic population, over a small territory loaded with the real loader."""

from __future__ import annotations

import io
import random
import re
from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from shequ.core import crypto
from shequ.core.models import AuditEvent
from shequ.core.validators import id_birth_date, id_check_character, id_sex, validate_id_number
from shequ.demo.generator import DemoError, generate, reset, synthetic_counts
from shequ.demo.population import (
    CITY_RESIDENTS,
    DEMO_DUPLICATES,
    PERSONS_PER_HOUSEHOLD,
    PHONE_COUNT,
    PHONE_FIRST,
    allocate_households,
    generate_population,
    population_counts,
    sample_household,
)
from shequ.registry.actions import MemberInput, move_member, register_household
from shequ.registry.models import (
    CareGroup,
    CareGroupTag,
    DuplicateCandidate,
    Household,
    HouseholdMembership,
    IdType,
    Relation,
    ResidenceStatus,
    Resident,
)
from shequ.registry.names import pinyin_keys
from shequ.registry.queries import query_condition
from shequ.territory.loading import load_divisions
from shequ.territory.models import Building, Kind, Level, Region, VillagerGroup

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code\n"

# The demo accounts' home township (黄楼街道: first subdistrict of the first county) has two urban
# communities, a village and a virtual community; elsewhere a second subdistrict and a town in 丰县.
ROWS = [
    ("320300", "徐州市", "city", "320000"),
    ("320302", "鼓楼区", "county", "320300"),
    ("320302001", "黄楼街道", "township", "320302"),
    ("320302001002", "万通社区居委会", "village", "320302001"),
    ("320302001003", "白云社区居委会", "village", "320302001"),
    ("320302001201", "黄楼村村委会", "village", "320302001"),
    ("320302001498", "黄楼虚拟社区", "village", "320302001"),
    ("320302002", "丰财街道", "township", "320302"),
    ("320302002001", "丰财社区居委会", "village", "320302002"),
    ("320321", "丰县", "county", "320300"),
    ("320321102", "首羡镇", "township", "320321"),
    ("320321102001", "首羡社区居委会", "village", "320321102"),
    ("320321102201", "首羡村村委会", "village", "320321102"),
]
HOME_TOWNSHIP = "320302001"
CENSUS = {"0-14": 0.2236, "15-59": 0.5813, "60+": 0.1951, "65+": 0.1472}


@pytest.fixture
def territory() -> None:
    text = HEADER + "\n".join(",".join(row) for row in ROWS) + "\n"
    load_divisions(io.BytesIO(text.encode()))


def valid_id(first17: str) -> str:
    return first17 + id_check_character(first17)


REAL_ID = valid_id("11010519491231002")


def today() -> date:
    return timezone.localdate()


def snapshot() -> list[tuple]:
    """Everything that defines the population, in clear (ciphertexts differ run to run: random nonces)."""
    tags: dict[int, list[tuple]] = {}
    for tag in CareGroupTag.objects.order_by("group", "start_date"):
        tags.setdefault(tag.resident_id, []).append(
            (tag.group, tag.start_date, tag.source, tag.disability_category, tag.disability_grade)
        )
    rows = []
    for r in Resident.objects.select_related("household", "community", "grid").order_by(
        "household__number", "birth_date", "name"
    ):
        h = r.household
        rows.append(
            (
                h.number, h.address_detail, h.estate_id and h.estate.name,
                h.building_id and h.building.number, h.villager_group_id and h.villager_group.name,
                r.name, r.relation, r.id_number, r.birth_date, r.sex, r.phone, r.residence_status,
                r.community.code, r.grid.code if r.grid else None, tuple(tags.get(r.pk, [])),
            )
        )  # fmt: skip
    return rows


# --- Sampling (no database) ----------------------------------------------------------------------


def test_sampled_households_have_xuzhous_size_and_age_structure():
    rng = random.Random(1)
    households = [sample_household(rng, rural=n % 3 == 0) for n in range(20_000)]
    ages = [p.age for h in households for p in h.members]
    mean = len(ages) / len(households)
    assert 2.7 <= mean <= 2.9  # census: 2.79
    shares = {
        "0-14": sum(a <= 14 for a in ages) / len(ages),
        "15-59": sum(15 <= a <= 59 for a in ages) / len(ages),
        "60+": sum(a >= 60 for a in ages) / len(ages),
        "65+": sum(a >= 65 for a in ages) / len(ages),
    }
    for band, share in CENSUS.items():
        assert abs(shares[band] - share) < 0.015, (band, shares[band])
    men = sum(p.sex == "male" for h in households for p in h.members) / len(ages)
    assert 0.49 < men < 0.52  # census: 50.4 %
    sizes = Counter(len(h.members) for h in households)
    assert set(sizes) <= {1, 2, 3, 4, 5, 6} and all(sizes[n] > 0 for n in range(1, 7))
    for h in households:
        assert sum(p.relation == Relation.HEAD for p in h.members) == 1
        assert sum(p.relation == Relation.SPOUSE for p in h.members) <= 1
        for p in h.members:
            assert p.surname and 0 <= p.age <= 100
            if p.relation == Relation.SPOUSE:
                head = next(m for m in h.members if m.relation == Relation.HEAD)
                assert head.sex != p.sex


# --- Generation ------------------------------------------------------------------------------------


def sampled() -> Any:
    """The sampled population: every synthetic resident but the few planted duplicates without an ID
    number (``population._plant_duplicates``)."""
    return Resident.objects.filter(is_synthetic=True).exclude(id_type=IdType.NONE)


def test_the_demo_generates_a_population_with_its_counts(territory):
    report = generate(scale=0.1)
    counts = population_counts()
    assert counts["households"] > 0 and counts["residents"] > 0 and counts["care_tags"] > 0
    for key, value in counts.items():
        assert report.counts[key] == value
    assert report.counts == synthetic_counts()
    assert Household.objects.filter(is_synthetic=False).count() == 0
    assert Resident.objects.filter(is_synthetic=False).count() == 0
    assert HouseholdMembership.objects.count() == counts["residents"]

    # Every non-virtual community has residents; the home township's communities many more.
    for community in Region.objects.filter(level=Level.COMMUNITY):
        n = Household.objects.filter(community=community).count()
        if community.is_virtual:
            assert n == 0
        elif community.parent.code == HOME_TOWNSHIP:
            assert 15 <= n <= 30, community.code  # 150–300 × 0.1
        else:
            assert n == 1, community.code  # about 3 × 0.1, at least one

    # One summary audit event, none per row.
    events = AuditEvent.objects.filter(action="demo.generate_population")
    assert events.count() == 1
    assert f"residents={counts['residents']}" in events.get().object_repr
    # Registered through the actions: only the planted duplicates, on the review queue (and the
    # few care-group tags the visits demo adds in the demo grid, so its grid worker has visits, and
    # the sign-in accounts the participation demo links to residents who co-sign, vote and post).
    planted = AuditEvent.objects.filter(action__startswith="registry.")
    assert set(planted.values_list("action", flat=True)) <= {
        "registry.register_household",
        "registry.register_resident",
        "registry.detect_duplicates",
        "registry.tag_care_group",
        "registry.link_account",
    }
    assert planted.filter(action="registry.register_household").count() == DEMO_DUPLICATES


def test_full_scale_households_fill_every_building_and_villager_group(territory):
    generate()  # scale 1.0
    home = Region.objects.filter(parent__code=HOME_TOWNSHIP, is_virtual=False)
    households = Household.objects.filter(community__in=home)
    assert 450 <= households.count() <= 900
    residents = Resident.objects.filter(community__in=home)
    mean = residents.count() / households.count()
    assert 2.5 <= mean <= 3.1
    for building in Building.objects.filter(estate__community__in=home):
        assert Household.objects.filter(building=building).exists(), building
    for group in VillagerGroup.objects.filter(community__in=home):
        assert Household.objects.filter(villager_group=group).exists(), group


def test_households_members_and_addresses_are_consistent(territory):
    generate(scale=0.3)
    rooms = set()
    for h in Household.objects.select_related("community", "estate", "building", "villager_group"):
        assert h.is_synthetic and h.is_active
        assert h.number.startswith(f"{h.community.code}-")
        members = list(Resident.objects.filter(household=h))
        assert 1 <= len(members) <= 6
        heads = [m for m in members if m.relation == Relation.HEAD]
        assert len(heads) == 1 and h.head_id == heads[0].pk
        assert h.grid is not None and h.grid.community_id == h.community_id
        for m in members:
            assert m.community_id == h.community_id and m.grid_id == h.grid_id
        if h.community.kind == Kind.URBAN_COMMUNITY:
            assert h.building is not None and h.estate_id == h.building.estate_id
            assert not h.estate.is_natural_village
            match = re.fullmatch(r"(\d+)单元(\d+)(\d\d)室", h.address_detail)
            assert match, h.address_detail
            unit, floor = int(match[1]), int(match[2])
            assert 1 <= unit <= h.building.units and 1 <= floor <= h.building.floors
            rooms.add((h.building_id, h.address_detail))
        else:
            assert h.villager_group is not None and h.villager_group.community_id == h.community_id
            assert h.estate is not None and h.estate.is_natural_village
            assert re.fullmatch(r"\d+号", h.address_detail)
    # No two households share a flat while buildings have room.
    assert len(rooms) == Household.objects.filter(building__isnull=False).count()
    for m in HouseholdMembership.objects.select_related("resident"):
        assert m.household_id == m.resident.household_id
        assert m.relation == m.resident.relation
        assert m.left_on is None and m.joined_on >= m.resident.birth_date


def test_id_numbers_are_valid_unique_and_match_birth_date_and_sex(territory):
    generate(scale=0.3)
    residents = list(sampled().select_related("community"))
    numbers = [r.id_number for r in residents]
    assert len(numbers) == len(set(numbers))
    statuses = Counter(r.residence_status for r in residents)
    assert statuses[ResidenceStatus.REGISTERED] > len(residents) / 2
    for r in residents:
        assert validate_id_number(r.id_number, today=today()) == r.id_number
        assert id_birth_date(r.id_number) == r.birth_date
        assert id_sex(r.id_number) == r.sex
        assert r.id_type == "resident_id" and r.status == "active"
        if r.residence_status == ResidenceStatus.REGISTERED:
            assert r.id_number[:6] == r.community.code[:6]  # issued in the resident's county
        assert r.name_keys == pinyin_keys(r.name)
        assert 2 <= len(r.name) <= 4


def test_phones_are_in_the_reserved_range_unique_and_only_for_adults(territory):
    report = generate(scale=0.3)
    account_phones = {a.phone for a in report.accounts if a.phone}
    phones = []
    # The exceptions: the residents the demo resident accounts belong to take their numbers.
    for r in Resident.objects.filter(account__isnull=True):
        if r.age_on(today()) < 18:
            assert r.phone == ""
        if r.phone:
            assert PHONE_FIRST <= int(r.phone) < PHONE_FIRST + PHONE_COUNT
            phones.append(r.phone)
    assert phones and len(phones) == len(set(phones))
    assert account_phones and not account_phones & set(phones)
    assert not any(p.startswith("1990000") for p in phones)


def test_care_groups(territory):
    generate()
    day = today()
    residents = {r.pk: r for r in sampled()}
    tags = list(CareGroupTag.objects.all())
    by_group: dict[str, set[int]] = {}
    for tag in tags:
        by_group.setdefault(tag.group, set()).add(tag.resident_id)
        assert tag.end_date is None and tag.start_date <= day
        assert tag.start_date >= residents[tag.resident_id].birth_date
        assert tag.source
        if tag.group == CareGroup.DISABLED:
            assert tag.disability_category and tag.disability_grade in (1, 2, 3, 4)
        else:
            assert not tag.disability_category and tag.disability_grade is None

    # 高龄: exactly everyone aged 80 or more, from the 80th birthday.
    assert by_group[CareGroup.OLDEST_OLD] == {
        pk for pk, r in residents.items() if r.age_on(day) >= 80
    }
    for tag in tags:
        if tag.group == CareGroup.OLDEST_OLD:
            assert residents[tag.resident_id].age_on(tag.start_date) == 80
    # 独居: aged 60+ and alone in the household.
    sizes = Counter(r.household_id for r in residents.values())
    assert by_group[CareGroup.LIVING_ALONE_ELDERLY] == {
        pk for pk, r in residents.items() if r.age_on(day) >= 60 and sizes[r.household_id] == 1
    }
    for group in (CareGroup.EMPTY_NEST_ELDERLY, CareGroup.DEPENDENT_ELDERLY):
        assert all(residents[pk].age_on(day) >= 60 for pk in by_group.get(group, ()))
    for group in (CareGroup.CHILD_IN_DIFFICULTY, CareGroup.LEFT_BEHIND_CHILD):
        assert all(residents[pk].age_on(day) < 18 for pk in by_group.get(group, ()))
    for group in (CareGroup.PARTY_MEMBER, CareGroup.VETERAN, CareGroup.REGISTERED_UNEMPLOYED):
        assert all(residents[pk].age_on(day) >= 18 for pk in by_group.get(group, ()))
    assert all(residents[pk].sex == "male" for pk in by_group.get(CareGroup.VETERAN, ()))
    # 低保 is a household's: all its members are tagged.
    dibao_households = {residents[pk].household_id for pk in by_group.get(CareGroup.DIBAO, ())}
    for household_id in dibao_households:
        members = {pk for pk, r in residents.items() if r.household_id == household_id}
        assert members <= by_group[CareGroup.DIBAO]
    # The common groups have members even in this small population (~2,000 people).
    for group in (
        CareGroup.DISABLED, CareGroup.PARTY_MEMBER, CareGroup.EMPTY_NEST_ELDERLY,
        CareGroup.LIVING_ALONE_ELDERLY, CareGroup.OLDEST_OLD,
    ):  # fmt: skip
        assert by_group.get(group), group
    disabled_share = len(by_group[CareGroup.DISABLED]) / len(residents)
    assert 0.03 < disabled_share < 0.09


# --- Privacy: the rows are what the model fields would store --------------------------------------


def test_personal_fields_are_stored_as_the_model_stores_them(territory):
    generate(scale=0.2)
    resident = Resident.objects.exclude(phone_index="").order_by("pk").first()
    household = resident.household
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_index, phone, phone_index, note FROM registry_resident "
            "WHERE id = %s",
            [resident.pk],
        )
        id_number, id_index, phone, phone_index, note = cursor.fetchone()
        cursor.execute(
            "SELECT address_detail, address_index FROM registry_household WHERE id = %s",
            [household.pk],
        )
        address, address_index = cursor.fetchone()
        cursor.execute("SELECT id_number, phone FROM registry_resident")
        raw = cursor.fetchall()
    assert id_number.startswith("v1$") and phone.startswith("v1$") and address.startswith("v1$")
    assert note == ""
    # Decryptable with the column's own context, to the values the ORM reads.
    assert crypto.decrypt(id_number, context="registry.Resident.id_number") == resident.id_number
    assert crypto.decrypt(phone, context="registry.Resident.phone") == resident.phone
    assert (
        crypto.decrypt(address, context="registry.Household.address_detail")
        == household.address_detail
    )
    # Blind indexes as the fields compute them.
    assert id_index == crypto.blind_index("id_number", resident.id_number)
    assert phone_index == crypto.blind_index("phone", resident.phone)
    assert address_index == crypto.blind_index("address_detail", household.address_detail)
    # Nothing in clear anywhere in the table.
    for stored_id, stored_phone in raw:
        assert stored_id == "" or stored_id.startswith("v1$")  # "" for the planted duplicates
        assert stored_phone == "" or stored_phone.startswith("v1$")
        assert resident.id_number not in stored_id

    # Search finds the person by ID number and by phone through the blind index.
    assert list(Resident.objects.filter(query_condition(resident.id_number))) == [resident]
    assert resident in Resident.objects.filter(query_condition(resident.phone))
    # And by pinyin initials of the name.
    initials = resident.name_keys.split()[0]
    assert resident in Resident.objects.filter(query_condition(initials))


def test_the_registry_refuses_a_second_registration_of_a_synthetic_id_number(territory):
    generate(scale=0.1)
    resident = Resident.objects.order_by("pk").first()
    with pytest.raises(ValidationError):
        register_household(
            community=resident.community,
            members=[
                MemberInput(name="张三", relation=Relation.HEAD, id_number=resident.id_number)
            ],
        )


# --- Idempotence, reset, determinism -----------------------------------------------------------------


def test_a_second_run_changes_nothing(territory):
    generate(scale=0.1)
    before = population_counts()
    events = AuditEvent.objects.count()
    assert generate_population(seed=1, scale=0.5) == before
    assert population_counts() == before
    assert AuditEvent.objects.count() == events


def test_reset_removes_every_synthetic_registry_row_and_keeps_real_ones(territory):
    community = Region.objects.get(code="320302002001")
    real = register_household(
        community=community,
        members=[MemberInput(name="李四", relation=Relation.HEAD, id_number=REAL_ID)],
    )
    report = generate(scale=0.1)

    deleted = reset()

    assert deleted["households"] == report.counts["households"]
    assert deleted["residents"] == report.counts["residents"]
    assert deleted["memberships"] == report.counts["residents"]
    assert deleted["care_tags"] == report.counts["care_tags"]
    assert population_counts() == {"households": 0, "residents": 0, "care_tags": 0}
    assert not Resident.objects.filter(is_synthetic=True).exists()
    assert not HouseholdMembership.objects.filter(resident__is_synthetic=True).exists()
    real.refresh_from_db()
    assert list(Household.objects.all()) == [real]
    assert Resident.objects.get().household_id == real.pk
    assert HouseholdMembership.objects.count() == 1
    # And the demo can be generated again.
    assert generate(scale=0.1).counts["residents"] == report.counts["residents"]


def test_reset_refuses_while_a_real_resident_lives_in_a_demo_household(territory):
    generate(scale=0.1)
    synthetic = Household.objects.filter(is_synthetic=True).order_by("pk").first()
    real = register_household(
        community=synthetic.community,
        members=[MemberInput(name="王五", relation=Relation.HEAD, id_number=REAL_ID)],
    )
    person = Resident.objects.get(household=real)
    move_member(resident=person, to_household=synthetic, relation=Relation.OTHER_RELATIVE)
    before = population_counts()

    with pytest.raises(DemoError):
        reset()
    assert population_counts() == before


def test_same_seed_gives_the_same_population_and_another_seed_a_different_one(territory):
    generate(seed=7, scale=0.2)
    first = snapshot()
    reset()
    generate(seed=7, scale=0.2)
    assert snapshot() == first
    reset()
    generate(seed=8, scale=0.2)
    assert snapshot() != first


def test_scale_multiplies_households(territory):
    small = generate(scale=0.1).counts["households"]
    reset()
    larger = generate(scale=0.4).counts["households"]
    assert larger > 2 * small


def test_population_needs_the_demo(territory):
    with pytest.raises(DemoError):
        generate_population(seed=1, scale=0.1)
    assert not Household.objects.exists()


def test_the_command_reports_the_population(territory):
    out = io.StringIO()
    call_command("demo", scale=0.1, stdout=out)
    text = out.getvalue()
    counts = population_counts()
    assert f"居民 {counts['residents']:,}" in text
    assert "户" in text and "黄楼街道" in text
    fresh = io.StringIO()
    call_command("demo", reset=True, scale=0.1, stdout=fresh)
    assert "居民" in fresh.getvalue()


def test_a_real_resident_with_a_planned_id_number_keeps_it(territory):
    generate(seed=7, scale=0.1)
    taken = Resident.objects.order_by("household__number", "pk").first()
    number, community = taken.id_number, taken.community
    reset()
    real = register_household(
        community=community,
        members=[MemberInput(name="赵六", relation=Relation.HEAD, id_number=number)],
    )

    generate(seed=7, scale=0.1)

    assert Resident.objects.filter(query_condition(number)).get().household_id == real.pk
    numbers = [r.id_number for r in sampled()]
    assert number not in numbers and len(numbers) == len(set(numbers))
    for n in numbers:
        validate_id_number(n, today=today())


# --- A population of a given size (``--residents``, ``--scale full``) -------------------------------


def test_allocation_shares_the_target_by_weight_and_adds_up_exactly():
    communities = [(f"3203{i:08d}", i % 3 != 0) for i in range(2_500)]

    counts = allocate_households(communities, CITY_RESIDENTS, seed=1)

    assert sum(counts.values()) == round(CITY_RESIDENTS / PERSONS_PER_HOUSEHOLD)
    assert min(counts.values()) >= 1
    urban = [counts[code] for code, is_urban in communities if is_urban]
    rural = [counts[code] for code, is_urban in communities if not is_urban]
    assert sum(urban) / len(urban) > 1.3 * sum(rural) / len(rural)
    assert allocate_households(communities, CITY_RESIDENTS, seed=1) == counts
    # Fewer people than communities: still one household each.
    assert set(allocate_households(communities[:10], 3, seed=1).values()) == {1}


def test_a_target_population_reaches_every_community(territory):
    report = generate(scale=0.1, residents=3_000)

    residents = report.counts["residents"]
    assert 2_500 <= residents <= 3_500
    communities = Region.objects.filter(level=Level.COMMUNITY, is_virtual=False)
    assert not communities.exclude(households__isnull=False).exists()


def test_the_command_takes_full_or_a_number_for_scale(territory):
    with pytest.raises(CommandError, match="full"):
        call_command("demo", "--scale", "big", stdout=io.StringIO())
    with pytest.raises(CommandError, match="20,000,000"):
        call_command("demo", "--scale", "FULL", "--residents", "30000000", stdout=io.StringIO())
    assert not Household.objects.exists()


def test_the_demo_resident_account_is_a_registry_record(territory):
    report = generate(scale=0.1)

    account = next(a for a in report.accounts if a.role == "resident")
    resident = Resident.objects.get(account__username=account.username)
    assert resident.phone == account.phone and resident.relation == Relation.HEAD
    assert resident.account.full_name == resident.name
    # An elderly person living at home: the meal table and home services are for them.
    assert 62 <= resident.age_on(timezone.localdate()) <= 80
    assert Resident.objects.filter(phone_index=resident.phone_index).count() == 1


def test_the_demo_puts_a_few_likely_duplicates_on_the_review_queue(territory):
    generate(scale=0.1)

    candidates = DuplicateCandidate.objects.select_related("resident", "other")
    assert candidates.count() >= DEMO_DUPLICATES
    planted = [c for c in candidates if IdType.NONE in (c.resident.id_type, c.other.id_type)]
    assert len(planted) == DEMO_DUPLICATES
    for candidate in planted:
        assert candidate.resident.name == candidate.other.name
        assert candidate.resident.birth_date == candidate.other.birth_date
