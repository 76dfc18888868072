"""Demo time bank for the demo county: the county's rule (no overdraft, a balance cap of 500 hours, a
yearly donation limit of 100 hours, hours valid for 24 months), and — after the activities demo has
credited volunteers' hours — a few spends between neighbours, donations to the community pools and
grants from them to residents in need.

Everything goes through ``volunteering.actions.timebank`` as the system (``by=None``), deterministic
for a seed. Request keys are derived from the seed and the accounts, so loading twice posts nothing
new. Member accounts are synthetic with their holders (demo residents)."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from shequ.territory.models import Region
from shequ.volunteering.actions import timebank as actions
from shequ.volunteering.models.timebank import (
    AccountKind,
    TimeAccount,
    TimeBankRule,
    TimeMovement,
    TimeTransfer,
    TransferKind,
)
from shequ.volunteering.queries.timebank import balance_expr

SERVICES = [
    "陪同就医",
    "代买药品",
    "上门理发",
    "手机使用教学",
    "家电小修",
    "接送孩子",
    "助浴",
    "读报聊天",
]
# Most accounts a demo load touches: enough to show every kind of transfer, fast to load.
MOST_ACCOUNTS = 120


def _hours(rng: random.Random, top: Decimal) -> Decimal:
    wanted = Decimal(rng.choice(("0.5", "1", "1.5", "2", "3")))
    return min(wanted, top)


@transaction.atomic
def load_demo_timebank(*, county: Region, seed: int) -> dict[str, int]:
    """The county's rule, then spends, pool donations and grants among the members who already
    have hours (the activities demo credits them; with none, only the rule is set)."""
    rng = random.Random(f"timebank-{seed}")  # noqa: S311 (demo data)
    actions.set_rule(
        region=county,
        by=None,
        overdraft_limit=0,
        max_balance=500,
        yearly_donation_limit=100,
        expiry_months=24,
        is_synthetic=True,
    )
    counts = {"rules": 1, "spends": 0, "pool_donations": 0, "grants": 0}
    if TimeTransfer.objects.filter(request_key__startswith=f"demo-{seed}-").exists():
        return counts  # loaded already: the demo's transfers are not made twice
    members: list[TimeAccount] = list(
        TimeAccount.objects.filter(
            kind=AccountKind.MEMBER, community__path__under=county.path, is_synthetic=True
        )
        .select_related("community")
        .annotate(balance=balance_expr())
        .filter(balance__gt=0)
        .order_by("community__path", "pk")[:MOST_ACCOUNTS]
    )
    by_community: dict[int, list[TimeAccount]] = {}
    for account in members:
        by_community.setdefault(account.community_id, []).append(account)
    balances = {a.pk: Decimal(a.balance) for a in members}  # type: ignore[attr-defined]
    for community_accounts in by_community.values():
        for account in community_accounts:
            roll = rng.random()
            left = balances[account.pk]
            if left <= 0:
                continue
            if roll < 0.4 and len(community_accounts) > 1:
                other = rng.choice([a for a in community_accounts if a.pk != account.pk])
                hours = _hours(rng, left)
                actions.post_transfer(
                    source=account,
                    target=other,
                    hours=hours,
                    kind=TransferKind.SPEND,
                    memo=rng.choice(SERVICES),
                    request_key=f"demo-{seed}-spend-{account.pk}",
                    by=None,
                )
                balances[account.pk] -= hours
                balances[other.pk] += hours
                counts["spends"] += 1
            elif roll < 0.7:
                hours = _hours(rng, left)
                actions.post_transfer(
                    source=account,
                    target=actions.pool_account(account.community),
                    hours=hours,
                    kind=TransferKind.DONATE_POOL,
                    memo="捐入社区互助池",
                    request_key=f"demo-{seed}-pool-{account.pk}",
                    by=None,
                )
                balances[account.pk] -= hours
                counts["pool_donations"] += 1
        # One grant per community whose pool received hours, to a member who has the fewest.
        pool = TimeAccount.objects.filter(
            community_id=community_accounts[0].community_id, kind=AccountKind.POOL
        ).first()
        if pool is None:
            continue
        in_pool = actions._balances([pool.pk])[pool.pk]
        if in_pool <= 0:
            continue
        needy = min(community_accounts, key=lambda a: (balances[a.pk], a.pk))
        actions.post_transfer(
            source=pool,
            target=needy,
            hours=min(in_pool, Decimal(2)),
            kind=TransferKind.GRANT,
            memo="困难群众互助帮扶",
            request_key=f"demo-{seed}-grant-{pool.pk}",
            by=None,
        )
        counts["grants"] += 1
    return counts


@transaction.atomic
def delete_demo_timebank() -> dict[str, int]:
    """Remove the time-bank rows of demo accounts: every transfer touching a synthetic account (its
    reversals first) with its movements, the synthetic accounts, the communities' pool and issuing
    accounts left without movements, and the demo's rules. Runs first on reset (the activities demo's
    attendances are credited by these transfers)."""
    synthetic = TimeAccount.objects.filter(is_synthetic=True)
    touching = TimeTransfer.objects.filter(Q(source__in=synthetic) | Q(target__in=synthetic))
    ids = set(touching.values_list("pk", flat=True))
    # Reversals of demo transfers go too, whatever accounts they touch.
    while True:
        more = set(
            TimeTransfer.objects.filter(reverses__in=ids)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if not more:
            break
        ids |= more
    counts = {"transfers": len(ids), "accounts": 0, "rules": 0}
    TimeMovement.objects.filter(transfer_id__in=ids).delete()
    # Reversals before what they reverse (PROTECT).
    TimeTransfer.objects.filter(pk__in=ids, reverses__isnull=False).delete()
    TimeTransfer.objects.filter(pk__in=ids).delete()
    counts["accounts"] = synthetic.count()
    synthetic.delete()
    empty = TimeAccount.objects.filter(kind__in=[AccountKind.POOL, AccountKind.ISSUING]).exclude(
        pk__in=TimeMovement.objects.values("account_id")
    )
    counts["accounts"] += empty.count()
    empty.delete()
    rules = TimeBankRule.objects.filter(is_synthetic=True)
    counts["rules"] = rules.count()
    rules.delete()
    return counts
