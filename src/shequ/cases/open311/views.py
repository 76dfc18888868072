"""Open311 GeoReport v2 at ``/open311/v2/`` (the spec's six methods less ``tokens``: every request gets
its number at once). Thin: read the arguments, call one query or action, answer in JSON or XML.

The GET methods are public and need no key; POST needs the ``api_key`` of a client system. Errors
follow the spec: 400 for a missing or invalid argument, 403 for a key problem, 404 for an unknown
resource, each with a list of ``{code, description}``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from shequ.cases.actions import open311 as actions
from shequ.cases.open311 import params, render
from shequ.cases.queries import open311 as queries


def _bad(fmt: str, exc: ValidationError) -> HttpResponse:
    return render.respond(fmt, "errors", render.errors(exc, 400), status=400)


def _not_found(fmt: str, what: str) -> HttpResponse:
    return render.respond(fmt, "errors", render.error(404, what), status=404)


def _unknown_jurisdiction(fmt: str, exc: params.UnknownJurisdiction) -> HttpResponse:
    return _not_found(fmt, _("jurisdiction_id：没有这个区划代码 %(c)s。") % {"c": exc.args[0]})


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    document = render.discovery(
        base_url=base.rsplit("/", 1)[0] + "/",
        changeset=queries.catalogue_changed_at(),
        contact=getattr(settings, "SHEQU_OPEN311_CONTACT", "") or _("本平台安全管理员"),
    )
    return render.respond(fmt, "discovery", document)


@require_GET
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        region = params.region(request.GET)
    except params.UnknownJurisdiction as exc:
        return _unknown_jurisdiction(fmt, exc)
    items = queries.services(region)
    return render.respond(fmt, "services", [render.service(item) for item in items])


@require_GET
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    try:
        item = queries.service(service_code, params.region(request.GET))
    except params.UnknownJurisdiction as exc:
        return _unknown_jurisdiction(fmt, exc)
    except Http404:
        return _not_found(fmt, _("没有这个服务事项：%(c)s") % {"c": service_code})
    return render.respond(fmt, "service_definition", render.service_definition(item))


@csrf_exempt  # a client system posts with its api_key, never with a browser session
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    try:
        found = queries.published_requests(params.request_filters(request.GET))
    except params.UnknownJurisdiction as exc:
        return _unknown_jurisdiction(fmt, exc)
    except ValidationError as exc:
        return _bad(fmt, exc)
    return render.respond(fmt, "service_requests", [render.request_item(c) for c in found])


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = str(request.POST.get("api_key") or "").strip()
    if not key:
        return render.respond(fmt, "errors", render.error(403, _("缺少 api_key。")), status=403)
    client = actions.authenticate(key)
    if client is None:
        return render.respond(
            fmt, "errors", render.error(403, _("api_key 无效或已被吊销。")), status=403
        )
    try:
        case, _created = actions.submit_request(
            client=client,
            request=params.service_request(request.POST),
            area=params.region(request.POST),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
    except params.UnknownJurisdiction as exc:
        return _unknown_jurisdiction(fmt, exc)
    except ValidationError as exc:
        return _bad(fmt, exc)
    # A retry with the same Idempotency-Key gets the same answer as the first call.
    return render.respond(fmt, "service_requests", render.created(case))


@require_GET
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    try:
        case = queries.published_request(service_request_id)
    except Http404:
        return _not_found(fmt, _("没有这个公开的工单：%(n)s") % {"n": service_request_id})
    return render.respond(fmt, "service_requests", [render.request_item(case)])
