"""The every-URL-every-role check (tests/scope/test_every_url.py) for the party and wish pages and API
alone: every role, objects inside and outside its territory, no server error and no other place's
token. Runs on its own while other features' URL parameters are still being built."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import get_resolver

from tests.scope import test_every_url as every
from tests.world import build_world, verify_second_factor

MINE = re.compile(
    r"^/(volunteering/(party|wishes|me/party|me/wishes)|api/v1/volunteering/(party|wishes|me/party|me/wishes|me/tasks))"
)


def _my_urls(world: Any) -> tuple[list[str], set[str]]:
    providers = {**every.PROVIDERS, **every._app_providers()}
    urls: list[str] = []
    lists: set[str] = set()
    for route, _name, _pattern in every._walk(get_resolver().url_patterns):
        url = "/" + route.lstrip("^").rstrip("$")
        if not MINE.match(url):
            continue
        params = [m["name"] for m in every._PARAM.finditer(route)]
        if not params:
            urls.append(url)
            lists.add(url)
            continue
        combos: list[list[str]] = [[]]
        for values in (providers[p](world, None) for p in params):
            combos = [[*combo, v] for combo in combos for v in values]
        for combo in combos:
            filled = url
            for param, value in zip(params, combo, strict=True):
                filled = re.sub(rf"<(?:[^>:]+:)?{param}>", value, filled, count=1)
            urls.append(filled)
    return sorted(set(urls)), lists


@pytest.mark.django_db
@pytest.mark.parametrize("role_code", every.ROLE_CODES)
def test_party_and_wish_urls_show_only_the_roles_territory(client: Any, role_code: str) -> None:
    world = build_world()
    user = world.users.get(role_code)
    if user is not None:
        verify_second_factor(client, user)
    urls, lists = _my_urls(world)
    assert len(urls) > 20
    problems = []
    for url in urls:
        for full in (url, url + every.PROBE_QUERY) if url in lists else (url,):
            response = client.get(full)
            if response.status_code >= 500:
                problems.append(f"{full} → {response.status_code}")
                continue
            body = response.content.decode("utf-8", "replace")
            if response.get("Content-Type", "").startswith("application/json"):
                body = json.dumps(json.loads(body), ensure_ascii=False)
            leaked = world.leaked_tokens(user, body)
            if leaked:
                problems.append(f"{full} → {response.status_code} shows {leaked}")
    assert not problems, f"{role_code}: " + "\n".join(problems)
