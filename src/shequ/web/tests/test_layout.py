"""The page skeleton, layouts, error pages and shared components render with their landmarks.

Test settings make any undefined template variable render as "!!MISSING:<name>!!", so every render
here also proves the templates guard their optional context.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views import defaults
from django.views.csrf import csrf_failure

from shequ.accounts.models import User

MISSING = "!!MISSING"
DEMO_BANNER = "演示环境：数据为合成数据"
USER_MENU_URLS = ("accounts:password_change", "accounts:two_factor", "accounts:logout")


def make_request(path: str = "/somewhere/?q=1", *, user: Any = None, cookies: dict | None = None):
    request = RequestFactory().get(path)
    request.user = user if user is not None else AnonymousUser()
    request._messages = CookieStorage(request)
    if cookies:
        request.COOKIES.update(cookies)
    return request


def staff_user() -> User:
    # Saved: the shell context processor looks up a signed-in user's roles and notifications.
    return User.objects.create(username="wangfang", full_name="王芳")


def require_urls(*names: str) -> None:
    """Skip (naming the URL) while a URL another part of the project owns is not defined yet."""
    for name in names:
        try:
            reverse(name)
        except NoReverseMatch:
            pytest.skip(f"URL name {name!r} is not defined yet")


def render_child(
    parent: str, blocks: str, request: HttpRequest, context: dict | None = None
) -> str:
    source = "{% extends '" + parent + "' %}{% load i18n %}" + blocks
    return engines["django"].from_string(source).render(context or {}, request)


def assert_no_missing(html: str) -> None:
    assert MISSING not in html, re.findall(r"!!MISSING:[^!]*!!", html)


def assert_shell_landmarks(html: str, request: HttpRequest) -> None:
    assert_no_missing(html)
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="zh-hans"' in html
    assert '<meta name="viewport"' in html
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert token and len(token.group(1)) >= 32
    assert 'class="shequ-skip-link visually-hidden-focusable" href="#main"' in html
    assert '<main id="main"' in html
    assert html.count("<main") == 1
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert f'name="next" value="{request.get_full_path()}"' in html
    assert 'name="language" value="zh-hans"' in html
    assert 'name="language" value="en"' in html
    assert "data-shequ-large-text" in html
    assert 'aria-pressed="false"' in html
    assert "vendor/bootstrap/bootstrap.min.css" in html
    assert "vendor/htmx/htmx.min.js" in html
    assert "shequ/shequ.js" in html
    assert "<script>" not in html, "no inline scripts"
    assert DEMO_BANNER in html


# --- base.html ----------------------------------------------------------------------------------


def test_base_has_the_landmarks():
    request = make_request()
    html = render_to_string("base.html", request=request)
    assert_shell_landmarks(html, request)
    assert 'class=""' in html.split("\n", 2)[1], "no large-text class by default"
    assert "<title>社区服务平台</title>" in html


def test_base_large_text_cookie_sets_class_and_pressed_state():
    request = make_request(cookies={"shequ_large_text": "1"})
    html = render_to_string("base.html", request=request)
    assert_no_missing(html)
    assert 'class="large-text"' in html
    assert 'aria-pressed="true"' in html
    assert 'aria-pressed="false"' not in html


def test_base_follows_the_active_language():
    request = make_request()
    with translation.override("en"):
        html = render_to_string("base.html", request=request)
    assert_no_missing(html)
    assert '<html lang="en"' in html
    current = re.search(r'<button[^>]*value="en"[^>]*>', html)
    assert current and 'aria-current="true"' in current.group(0)


def test_base_renders_messages_as_alerts():
    request = make_request()
    messages.error(request, "保存失败")
    messages.success(request, "已保存")
    html = render_to_string("base.html", request=request)
    assert_no_missing(html)
    assert re.search(r'class="alert alert-danger[^"]*" role="alert">.*保存失败', html)
    assert re.search(r'class="alert alert-success[^"]*" role="status">.*已保存', html)


def test_child_blocks_fill_the_skeleton():
    request = make_request()
    html = render_child(
        "base.html",
        "{% block title %}事项 · {{ block.super }}{% endblock %}"
        "{% block head_extra %}<meta name='x-test' content='1'>{% endblock %}"
        "{% block body_class %}page-x{% endblock %}"
        "{% block breadcrumbs %}<nav aria-label='crumbs'>BC</nav>{% endblock %}"
        "{% block content %}<p>正文</p>{% endblock %}"
        "{% block footer %}<footer>FT</footer>{% endblock %}"
        "{% block scripts %}<script src='/static/x.js' defer></script>{% endblock %}",
        request,
    )
    assert_shell_landmarks(html, request)
    assert "<title>事项 · 社区服务平台</title>" in html
    assert "x-test" in html and "page-x" in html and "BC" in html
    assert "<p>正文</p>" in html and "FT" in html and "/static/x.js" in html


# --- layouts ------------------------------------------------------------------------------------

NAV = [
    {"label": "工作台", "url": "/console/", "icon": "speedometer2", "active": True},
    {"label": "事项", "url": "/issues/", "icon": "", "active": False},
]
STAFF_PAGE = (
    "{% block page_title %}工作台{% endblock %}"
    "{% block page_actions %}<a class='btn btn-primary' href='/new/'>新建</a>{% endblock %}"
    "{% block content %}<p>正文</p>{% endblock %}"
)


def test_staff_layout_anonymous():
    request = make_request()
    html = render_child("layouts/staff.html", STAFF_PAGE, request, {"shell_nav": NAV})
    assert_shell_landmarks(html, request)
    assert "社区服务平台" in html
    assert 'class="nav-link active" href="/console/" aria-current="page"' in html
    assert 'class="bi bi-speedometer2"' in html
    assert 'href="/issues/"' in html
    assert "<h1>工作台</h1>" in html and "新建" in html and "<p>正文</p>" in html
    assert "navbar-toggler" in html and 'aria-controls="shequ-staff-nav"' in html
    assert "退出登录" not in html


def test_staff_layout_without_nav_renders_no_nav_list():
    request = make_request()
    html = render_child("layouts/staff.html", STAFF_PAGE, request)
    assert_shell_landmarks(html, request)
    assert "navbar-nav" not in html


def test_staff_layout_user_menu(db):
    require_urls(*USER_MENU_URLS)
    request = make_request(user=staff_user())
    context = {"shell_nav": NAV, "shell_roles": ["网格员", "社区管理员"], "shell_unread": 3}
    html = render_child("layouts/staff.html", STAFF_PAGE, request, context)
    assert_shell_landmarks(html, request)
    assert "王芳" in html
    assert "网格员、社区管理员" in html
    assert "3 条未读通知" in html
    assert f'href="{reverse("accounts:password_change")}"' in html
    assert f'href="{reverse("accounts:two_factor")}"' in html
    assert f'action="{reverse("accounts:logout")}" method="post"' in html


def test_staff_layout_user_menu_without_roles_or_unread(db):
    require_urls(*USER_MENU_URLS)
    request = make_request(user=staff_user())
    html = render_child("layouts/staff.html", STAFF_PAGE, request)
    assert_shell_landmarks(html, request)
    assert "王芳" in html and "未读通知" not in html


def test_resident_layout_anonymous():
    request = make_request()
    html = render_child(
        "layouts/resident.html", "{% block content %}<p>正文</p>{% endblock %}", request
    )
    assert_shell_landmarks(html, request)
    assert "shequ-resident-container" in html
    assert "<footer" in html
    assert html.count("data-shequ-large-text") == 2
    assert "退出登录" not in html


def test_resident_layout_signed_in(db):
    require_urls("accounts:logout")
    resident = User.objects.create(username="13800000000", full_name="李大爷", kind="resident")
    request = make_request(user=resident)
    html = render_child(
        "layouts/resident.html", "{% block content %}<p>正文</p>{% endblock %}", request
    )
    assert_shell_landmarks(html, request)
    assert "您好，李大爷" in html
    assert f'action="{reverse("accounts:logout")}" method="post"' in html


def test_plain_layout():
    request = make_request()
    html = render_child(
        "layouts/plain.html", "{% block content %}<h1>登录</h1>{% endblock %}", request
    )
    assert_shell_landmarks(html, request)
    assert "shequ-plain-card" in html and "<h1>登录</h1>" in html


# --- error pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ("400.html", "请求无法处理"),
        ("403.html", "您没有权限查看此页面"),
        ("404.html", "找不到这个页面"),
        ("403_csrf.html", "页面已过期或安全令牌缺失，请刷新页面后重试"),
    ],
)
def test_error_pages_render_in_the_shell(template, text):
    request = make_request()
    html = render_to_string(template, request=request)
    assert_shell_landmarks(html, request)
    assert text in html
    assert re.search(r'<a class="btn btn-primary[^"]*" href="/"', html)


def test_400_shows_the_given_message():
    request = make_request()
    html = render_to_string("400.html", {"message": "上传内容过大"}, request=request)
    assert_no_missing(html)
    assert "上传内容过大" in html


def test_error_handlers_leak_nothing():
    secret = "/private/path/ Traceback secret-detail"
    request = make_request("/no/such/page/")
    responses = [
        defaults.bad_request(request, Exception(secret)),
        defaults.permission_denied(request, Exception(secret)),
        defaults.page_not_found(request, Exception(secret)),
        csrf_failure(request, reason=secret),
    ]
    for response in responses:
        html = response.content.decode()
        assert_no_missing(html)
        assert "secret-detail" not in html and "/private/path/" not in html
        assert '<main id="main"' in html


def test_500_renders_with_an_empty_context():
    html = render_to_string("500.html")
    assert_no_missing(html)
    assert '<html lang="zh-hans">' in html
    assert 'href="/"' in html
    assert "服务器暂时出错" in html
    response = defaults.server_error(make_request())
    assert response.status_code == 500 and "服务器暂时出错" in response.content.decode()


# --- components ---------------------------------------------------------------------------------


def test_pagination_keeps_other_query_parameters():
    request = make_request("/list/?q=%E8%A1%97%E9%81%93&status=open&page=3")
    page = Paginator(list(range(95)), 10).page(3)
    html = render_to_string("components/pagination.html", {"page_obj": page}, request=request)
    assert_no_missing(html)
    assert "第 3 页，共 10 页" in html
    for number in (1, 2, 4, 10):
        assert f"status=open&amp;page={number}" in html
    assert "q=%E8%A1%97%E9%81%93" in html
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_pagination_edges_and_single_page():
    request = make_request("/list/")
    first = Paginator(list(range(25)), 10).page(1)
    html = render_to_string("components/pagination.html", {"page_obj": first}, request=request)
    assert_no_missing(html)
    assert 'rel="prev"' not in html and 'aria-disabled="true"' in html
    single = Paginator(list(range(5)), 10).page(1)
    html = render_to_string("components/pagination.html", {"page_obj": single}, request=request)
    assert html.strip() == ""


def test_empty_state():
    html = render_to_string("components/empty_state.html", {"message": "暂无待办事项"})
    assert_no_missing(html)
    assert "暂无待办事项" in html and "bi-inbox" in html
    html = render_to_string(
        "components/empty_state.html",
        {"message": "暂无", "icon": "people", "action_url": "/new/", "action_label": "新建"},
    )
    assert "bi-people" in html and 'href="/new/"' in html


# --- vendored assets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/htmx/htmx.min.js",
        "shequ/shequ.css",
        "shequ/shequ.js",
    ],
)
def test_static_assets_exist_without_dangling_references(path):
    """Manifest storage (collectstatic) fails on a url() or source map that points nowhere."""
    found = finders.find(path)
    assert found, path
    with open(found, encoding="utf-8") as handle:
        text = handle.read()
    assert "sourceMappingURL" not in text
    folder = path.rsplit("/", 1)[0]
    for url in re.findall(r"url\(\s*[\"']?([^\"')]+)", text):
        if url.startswith(("data:", "#", "http:", "https:", "/")):
            continue
        target = f"{folder}/{url.split('?')[0].split('#')[0]}"
        assert finders.find(target), f"{path} refers to missing {target}"


MENU_NAV = [
    {"label": "工作台", "url": "/", "icon": "house", "active": False},
    {
        "label": "工单",
        "icon": "inboxes",
        "active": True,
        "children": [
            {"label": "工单待办", "url": "/cases/inbox/", "icon": "inboxes", "active": True},
            {"label": "受理登记", "url": "/cases/new/", "icon": "", "active": False},
        ],
    },
]


def test_staff_layout_renders_menus_with_the_current_page_marked():
    request = make_request()
    html = render_child("layouts/staff.html", STAFF_PAGE, request, {"shell_nav": MENU_NAV})
    assert 'class="nav-link dropdown-toggle btn btn-link active"' in html
    assert 'data-bs-toggle="dropdown" aria-expanded="false"' in html
    assert 'class="dropdown-item active" href="/cases/inbox/" aria-current="page"' in html
    assert 'class="dropdown-item" href="/cases/new/">受理登记' in html


def test_navigation_groups_what_the_user_may_use_into_menus(db):
    from shequ.web.navigation import nav_for
    from tests.world import build_world

    user = build_world().users["community_staff"]
    nav = nav_for(user, "/cases/inbox/")
    labels = [entry["label"] for entry in nav]
    assert labels[:2] == ["工作台", "我的消息"]  # stand-alone links first, as declared
    cases = next(entry for entry in nav if entry["label"] == "工单")
    assert cases["active"] and [c["url"] for c in cases["children"] if c["active"]] == [
        "/cases/inbox/"
    ]
    assert sum(1 for entry in nav for c in entry.get("children", []) if c["active"]) == 1
    # Nothing the role may not use: a community worker has no audit log or admin.
    urls = [c["url"] for entry in nav for c in entry.get("children", [entry])]
    assert "/audit/" not in urls and "/admin/" not in urls
    assert all(len(entry["children"]) > 1 for entry in nav if "children" in entry)
