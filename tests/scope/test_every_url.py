"""The every-URL-every-role test (F2): no page, API or admin screen shows another place's data.

It discovers every URL pattern in the project — pages, API, admin, and any that later apps add — fills
each one's parameters with objects both inside and outside the role's territory, requests it as every
built-in role (and anonymously), with and without query parameters that point elsewhere, and fails if any
answer is a server error or carries a token of a place outside the role's jurisdiction.

Parameters are filled by name. A new URL parameter needs a provider in ``PROVIDERS`` below or in an
app's ``tests/url_params.py`` (a ``PROVIDERS`` dict of name → callable(world, model) → list of values);
an unknown name fails the test, so nothing slips through untested.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from shequ.accounts.roles import BUILTIN_ROLES
from tests.world import World, build_world, verify_second_factor

Provider = Callable[[World, Any], list[str]]

OUTSIDE_COUNTY = "320303"


def _admin_object_ids(world: World, model: Any) -> list[str]:
    """One object of the model inside the home county and one outside, when the model has places."""
    from shequ.core.scoping import Jurisdiction, scope_q

    if model is None:
        return []
    if model is get_user_model():
        assert world.outsider is not None
        return [str(world.users["community_staff"].pk), str(world.outsider.pk)]
    manager = model._default_manager
    if (
        getattr(model, "scope_region_field", None) is None
        and getattr(model, "scope_grid_field", None) is None
    ):
        first = manager.order_by("pk").first()
        return [str(first.pk)] if first else []
    ids = []
    for county in ("320302", OUTSIDE_COUNTY):
        where = Jurisdiction(region_paths=(world.regions[county].path,), grid_paths=())
        condition = scope_q(model, where)
        row = manager.filter(condition).order_by("pk").first() if condition is not None else None
        if row is not None:
            ids.append(str(row.pk))
    return ids


PROVIDERS: dict[str, Provider] = {
    "code": lambda w, m: [
        "320302001001",
        "320303001001",
        "320302",
        OUTSIDE_COUNTY,
        "999999",
        "32030A",
    ],
    "grid_code": lambda w, m: ["320302001001001", "320303001001001", "000"],
    "object_id": _admin_object_ids,
    "token_id": lambda w, m: ["1", "999999"],
    "pk": lambda w, m: ["1"],
    "app_label": lambda w, m: [],  # admin app index pages are reached through the plain admin index
    "content_type_id": lambda w, m: [],
    "url": lambda w, m: [],
}

# Query parameters that try to point a list or search somewhere else.
PROBE_QUERY = f"?q=%E3%80%90&parent={OUTSIDE_COUNTY}&community={OUTSIDE_COUNTY}001001&code={OUTSIDE_COUNTY}&region={OUTSIDE_COUNTY}"


def _app_providers() -> dict[str, Provider]:
    found: dict[str, Provider] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("shequ."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.url_params")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.url_params"):
                raise
            continue
        found.update(getattr(module, "PROVIDERS", {}))
    return found


def _walk(
    patterns: list[Any], prefix: str = "", names: tuple[str, ...] = ()
) -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = (*names, entry.namespace) if entry.namespace else names
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), namespace)
        elif isinstance(entry, URLPattern):
            name = ":".join((*names, entry.name)) if entry.name else ""
            yield prefix + str(entry.pattern), name, entry


_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _admin_model(name: str) -> Any:
    match = re.match(
        r"admin:(?P<app>[a-z_]+?)_(?P<model>[a-z0-9]+)_(?:change|delete|history)$", name
    )
    if not match:
        return None
    for model in apps.get_models():
        if model._meta.app_label == match["app"] and model._meta.model_name == match["model"]:
            return model
    return None


def concrete_urls(world: World, *, with_parameters: bool = True) -> list[str]:
    providers = {**PROVIDERS, **_app_providers()}
    urls: list[str] = []
    unknown: set[str] = set()
    for route, name, _pattern in _walk(get_resolver().url_patterns):
        if "(?P<" in route and not name.startswith("admin:"):
            continue  # regex routes outside the admin: Django's own static/i18n patterns, no data
        params = [m["name"] for m in _PARAM.finditer(route)] + re.findall(r"\(\?P<([^>]+)>", route)
        if not params:
            urls.append("/" + route.lstrip("^").rstrip("$"))
            continue
        if not with_parameters:
            continue
        missing = [p for p in params if p not in providers]
        if missing:
            unknown.update(missing)
            continue
        model = _admin_model(name)
        value_lists = [providers[p](world, model) for p in params]
        if any(not values for values in value_lists):
            continue
        combos: list[list[str]] = [[]]
        for values in value_lists:
            combos = [[*combo, v] for combo in combos for v in values]
        for combo in combos:
            url = route.lstrip("^").rstrip("$")
            for param, value in zip(params, combo, strict=True):
                url = re.sub(rf"<(?:[^>:]+:)?{param}>|\(\?P<{param}>[^)]*\)", value, url, count=1)
            urls.append("/" + url)
    assert not unknown, (
        f"URL parameters without a provider (add one to PROVIDERS or an app's tests/url_params.py): {sorted(unknown)}"
    )
    return sorted(set(urls))


ROLE_CODES = [spec.code for spec in BUILTIN_ROLES] + ["anonymous"]
SKIP_PREFIXES = ("/static/", "/media/")
# Pages open to everyone (政务公开): the admitted service catalogue of any community. The names of
# places are public, so their tokens (【<code>】, the regions' own names) may appear there; every other
# token — a record's sentinel, a draft item's — still may not. Residents choosing what to ask for pick
# their community from the same public list. (A service hall's kiosk takes its community from the
# terminal's signed token, so without one it names no place and is not exempt.) The API's catalogue
# (``/api/v1/cases/catalog``) is the same public list as data.
# Public pages name places (a service's community, a provider's county, a fund's community): place
# names are allowed there, nothing else.
PUBLIC_PREFIXES = (
    "/cases/services/",
    "/cases/submit/",
    "/api/v1/cases/catalog",
    "/organizations/providers/directory/",
    "/organizations/charity/public/",
    "/volunteering/statistics/",
    "/api/v1/volunteering/statistics",
    "/participation/public/",
)
PLACE_NAME_TOKEN = re.compile(r"【\d+】")


@pytest.mark.django_db
@pytest.mark.parametrize("role_code", ROLE_CODES)
def test_every_url_as_every_role_shows_only_its_territory(client: Any, role_code: str) -> None:
    world = build_world()
    user = world.users.get(role_code)
    if user is not None:
        verify_second_factor(client, user)
    urls = concrete_urls(world)
    list_urls = set(concrete_urls(world, with_parameters=False))
    assert len(urls) > 30, "URL discovery found suspiciously few URLs"
    problems: list[str] = []
    for url in urls:
        if url.startswith(SKIP_PREFIXES):
            continue
        # Lists and searches (no path parameters) are also asked to look elsewhere.
        variants = (url, url + PROBE_QUERY) if url in list_urls else (url,)
        for full in variants:
            response = client.get(full)
            if response.status_code >= 500:
                problems.append(f"{full} → {response.status_code}")
                continue
            if getattr(response, "streaming", False):
                body = b"".join(response.streaming_content).decode("utf-8", "replace")
            else:
                body = response.content.decode("utf-8", "replace")
            if response.get("Content-Type", "").startswith("application/json"):
                # The API escapes non-ASCII (【 is \u3010): read the sentinels in the decoded text.
                body = json.dumps(json.loads(body), ensure_ascii=False)
            leaked = world.leaked_tokens(user, body)
            if full.startswith(PUBLIC_PREFIXES):
                leaked = [t for t in leaked if not PLACE_NAME_TOKEN.fullmatch(t)]
            if leaked:
                problems.append(f"{full} → {response.status_code} shows {leaked}")
    assert not problems, f"{role_code}: " + "\n".join(problems)


@pytest.mark.django_db
def test_discovery_covers_pages_api_and_admin() -> None:
    world = build_world()
    urls = concrete_urls(world)
    assert any(u.startswith("/api/v1/") for u in urls)
    assert any(u.startswith("/admin/") for u in urls)
    assert any(u.startswith("/territory/") for u in urls)
    assert any(u.startswith("/audit/") for u in urls)
