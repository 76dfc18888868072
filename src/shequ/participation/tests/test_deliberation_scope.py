"""Every deliberation page and API as every role, with topics and workflows in both counties (the
providers of ``url_params_deliberation``): no error, and no record's marker from outside the role's
jurisdiction. The public page may name places (as the project-wide public pages may), nothing else.
A fast, feature-only version of ``tests/scope/test_every_url.py``."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.accounts.roles import BUILTIN_ROLES
from shequ.participation.tests.url_params_deliberation import PROVIDERS
from tests.scope.test_every_url import PROBE_QUERY
from tests.world import build_world, verify_second_factor

pytestmark = pytest.mark.django_db
ROLE_CODES = [spec.code for spec in BUILTIN_ROLES] + ["anonymous"]
PLACE_NAME_TOKEN = re.compile(r"【\d+】")
CODES = ["320302001001", "320303001001", "320302", "999999"]
ROUTES: dict[str, tuple[str, ...]] = {
    "topic_list": (),
    "topic_propose_staff": (),
    "workflow_list": (),
    "community_topics": (),
    "my_topics": (),
    "topic_propose": (),
    "topic_detail": ("topic_id",),
    "topic_step": ("topic_id", "step_id"),
    "topic_override": ("topic_id",),
    "topic_answer": ("topic_id",),
    "topic_progress": ("topic_id",),
    "topic_page": ("topic_id",),
    "topic_cosign": ("topic_id",),
    "topic_opinion": ("topic_id",),
    "topic_review": ("topic_id",),
    "topic_withdraw": ("topic_id",),
    "workflow_edit": ("workflow_id",),
    "public_topics": ("code",),
}
API = ["/api/v1/participation/topics", "/api/v1/participation/me/topics"]


def _urls(world: Any) -> list[str]:
    found = list(API)
    for record in PROVIDERS["topic_id"](world, None):
        found.append(f"/api/v1/participation/topics/{record}")
    for name, params in ROUTES.items():
        values = [CODES if p == "code" else PROVIDERS[p](world, None) for p in params]
        for combo in itertools.product(*values):
            path = reverse(f"participation:{name}", kwargs=dict(zip(params, combo, strict=True)))
            found.append(path)
            if not params:
                found.append(path + PROBE_QUERY)
    return found


@pytest.mark.parametrize("role_code", ROLE_CODES)
def test_every_deliberation_url_as_every_role(client: Any, role_code: str) -> None:
    world = build_world()
    user = world.users.get(role_code)
    if user is not None:
        verify_second_factor(client, user)
    problems = []
    for url in _urls(world):
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url} → {response.status_code}")
            continue
        body = response.content.decode("utf-8", "replace")
        if response.get("Content-Type", "").startswith("application/json"):
            body = json.dumps(json.loads(body), ensure_ascii=False)
        leaked = world.leaked_tokens(user, body)
        if "/public/" in url:
            leaked = [t for t in leaked if not PLACE_NAME_TOKEN.fullmatch(t)]
        if leaked:
            problems.append(f"{url} → {response.status_code} shows {leaked}")
    assert not problems, f"{role_code}: " + "\n".join(problems)
