"""The community worker pages (W1): the list with its filters and Excel export, a worker (new, detail,
edit) with a reasoned reveal of the ID number or phone, status changes, posts, pay, and the figures
(urban permanent population, local average wage) staffing and pay are measured by.

Thin: every read goes through ``workforce.queries.workers`` (a worker outside the jurisdiction answers
404, as one that does not exist), every write is one action of ``workforce.actions.workers``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.page_views import export_or_back, flash_errors, paged, submit
from shequ.workforce.actions import workers as actions
from shequ.workforce.forms import workers as forms
from shequ.workforce.models import CommunityWorker
from shequ.workforce.permissions import WorkforcePerm
from shequ.workforce.queries import development
from shequ.workforce.queries import workers as queries

PER_PAGE = 50
GET_POST = ["GET", "POST"]


def _may(user: Any, perm: str, worker: CommunityWorker) -> bool:
    return user.has_permission(perm) and user.jurisdiction(perm).covers_path(worker.region.path)


def _label(workers: Any) -> None:
    labels = queries.labels_of()
    for worker in workers:
        worker.status_label = labels["status"].get(worker.status, worker.status)
        worker.post_labels = [queries.post_label(post, labels) for post in worker.open_posts]
        worker.masked_phone = queries.masked(worker)["phone"]


# --- The list and its export ----------------------------------------------------------------------


@permission_required(WorkforcePerm.VIEW)
@require_GET
def worker_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.WorkerFilterForm(request.GET, user=user)
    filters = form.filters()
    found = queries.search_workers(user, filters)
    page, query = paged(request, found, PER_PAGE)
    _label(page.object_list)
    return render(
        request,
        "workforce/workers/worker_list.html",
        {
            "form": form,
            "page_obj": page,
            "pay_year": filters.pay_below_average_year,
            "can_edit": user.has_permission(WorkforcePerm.EDIT),
            "can_configure": user.has_permission(WorkforcePerm.CONFIGURE),
            "export_query": query,
        },
    )


@permission_required(WorkforcePerm.VIEW)
@require_GET
@never_cache
def worker_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.WorkerFilterForm(request.GET, user=user)
    return export_or_back(
        request,
        lambda: queries.export_workers(user=user, filters=form.filters()),
        "workforce:worker_list",
    )


# --- A worker -------------------------------------------------------------------------------------


@permission_required(WorkforcePerm.EDIT)
@require_http_methods(GET_POST)
def worker_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.employing_regions(user)
    if request.method == "POST":
        form = forms.WorkerForm(request.POST, regions=regions)
        done = submit(
            request,
            form,
            lambda data: actions.register_worker(region=data["region"], by=user, **form.values()),
            lambda made: _("已登记社区工作者“%(name)s”。") % {"name": made.name},
            lambda made: redirect("workforce:worker_detail", worker_id=made.pk),
        )
        if done:
            return done
    else:
        initial = {"hiring_method": "county_selection"}
        only = list(regions.filter(level="community").values_list("code", flat=True)[:2])
        if len(only) == 1:
            initial["region"] = only[0]
        form = forms.WorkerForm(regions=regions, initial=initial)
    return render(request, "workforce/workers/worker_form.html", {"form": form, "worker": None})


@permission_required(WorkforcePerm.EDIT)
@require_http_methods(GET_POST)
def worker_edit(request: HttpRequest, worker_id: int) -> HttpResponse:
    user: Any = request.user
    worker = queries.editable_worker(user, worker_id)
    regions = queries.employing_regions(user)
    if request.method == "POST":
        form = forms.WorkerForm(request.POST, regions=regions, worker=worker)
        done = submit(
            request,
            form,
            lambda data: actions.update_worker(
                worker=worker,
                by=user,
                version=data.get("version") or worker.version,
                region=data["region"],
                **form.values(),
            ),
            _("已保存。"),
            lambda _r: redirect("workforce:worker_detail", worker_id=worker.pk),
        )
        if done:
            return done
    else:
        form = forms.WorkerForm(regions=regions, worker=worker)
    return render(request, "workforce/workers/worker_form.html", {"form": form, "worker": worker})


def _reveal_form(field: str, data: Any = None) -> forms.RevealForm:
    return forms.RevealForm(data, initial={"field": field}, auto_id=f"reveal-{field}-%s")


def _render_detail(
    request: HttpRequest,
    worker: CommunityWorker,
    *,
    revealed: dict[str, str] | None = None,
    reveal_form: forms.RevealForm | None = None,
    status_form: forms.StatusForm | None = None,
    post_form: forms.PostForm | None = None,
    pay_form: forms.PayForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    can_edit = _may(user, WorkforcePerm.EDIT, worker)
    revealable = []
    if _may(user, WorkforcePerm.REVEAL, worker):
        for field, label in (("id_number", _("身份证号")), ("phone", _("手机号"))):
            if not getattr(worker, field):
                continue
            form = reveal_form if reveal_form and reveal_form["field"].value() == field else None
            revealable.append(
                {
                    "field": field,
                    "label": label,
                    "form": form or _reveal_form(field),
                    "value": (revealed or {}).get(field),
                }
            )
    today = timezone.localdate().isoformat()
    if can_edit:
        status_form = status_form or forms.StatusForm(
            initial={"version": worker.version, "effective_on": today}
        )
        post_form = post_form or forms.PostForm(
            communities=queries.post_communities(user, worker),
            grids=queries.post_grids(user, worker),
            initial={"started_on": today},
        )
    if _may(user, WorkforcePerm.MANAGE_PAY, worker):
        pay_form = pay_form or forms.PayForm(initial={"year": timezone.localdate().year - 1})
    labels = queries.labels_of()
    posts = list(queries.worker_posts(worker))
    for post in posts:
        post.label = queries.post_label(post, labels)
    return render(
        request,
        "workforce/workers/worker_detail.html",
        {
            "worker": worker,
            "mask": queries.masked(worker),
            "sex_label": labels["sex"].get(worker.sex, ""),
            "posts": posts,
            "history": list(queries.status_history(worker)),
            "pay": queries.pay_rows(worker),
            "can_edit": can_edit,
            "is_serving": worker.is_serving,
            "revealable": revealable,
            "status_form": status_form if can_edit else None,
            "post_form": post_form if can_edit and worker.is_serving else None,
            "pay_form": pay_form,
            "today": today,
            "development": development.for_worker(user, worker),
        },
        status=status,
    )


@permission_required(WorkforcePerm.VIEW)
@require_GET
def worker_detail(request: HttpRequest, worker_id: int) -> HttpResponse:
    return _render_detail(request, queries.worker_detail(request.user, worker_id))


@never_cache
@permission_required(WorkforcePerm.REVEAL)
@require_POST
def worker_reveal(request: HttpRequest, worker_id: int) -> HttpResponse:
    """The clear ID number or phone, for a stated reason, recorded; shown in this answer only."""
    user: Any = request.user
    worker = queries.worker_detail(user, worker_id, WorkforcePerm.REVEAL)
    field = request.POST.get("field", "")
    if field not in actions.REVEALABLE_FIELDS:
        return HttpResponseBadRequest()
    form = _reveal_form(field, request.POST)
    value = None
    if form.is_valid():
        try:
            value = actions.reveal(
                worker=worker, field_name=field, reason=form.cleaned_data["reason"], by=user
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
    revealed = {field: value} if value is not None else None
    response = _render_detail(request, worker, revealed=revealed, reveal_form=form)
    response["Cache-Control"] = "no-store"
    return response


@permission_required(WorkforcePerm.EDIT)
@require_POST
def worker_status(request: HttpRequest, worker_id: int) -> HttpResponse:
    user: Any = request.user
    worker = queries.editable_worker(user, worker_id)
    form = forms.StatusForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: actions.change_status(
            worker=worker,
            to_status=data["to_status"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            version=data.get("version") or worker.version,
            by=user,
        ),
        _("状态已变更。"),
        lambda _r: redirect("workforce:worker_detail", worker_id=worker.pk),
    )
    return done or _render_detail(request, worker, status_form=form, status=422)


@permission_required(WorkforcePerm.EDIT)
@require_POST
def worker_post_add(request: HttpRequest, worker_id: int) -> HttpResponse:
    user: Any = request.user
    worker = queries.editable_worker(user, worker_id)
    form = forms.PostForm(
        request.POST,
        communities=queries.post_communities(user, worker),
        grids=queries.post_grids(user, worker),
    )
    done = submit(
        request,
        form,
        lambda data: actions.assign_post(
            worker=worker,
            kind=data["kind"],
            community=data["community"],
            grid=data.get("grid"),
            started_on=data["started_on"],
            ended_on=data.get("ended_on") or None,
            note=data.get("note") or "",
            by=user,
        ),
        _("已登记岗位。"),
        lambda _r: redirect("workforce:worker_detail", worker_id=worker.pk),
    )
    return done or _render_detail(request, worker, post_form=form, status=422)


@permission_required(WorkforcePerm.EDIT)
@require_POST
def worker_post_end(request: HttpRequest, worker_id: int, worker_post_id: int) -> HttpResponse:
    user: Any = request.user
    post = queries.post_of(user, worker_id, worker_post_id)
    form = forms.EndPostForm(request.POST)
    if form.is_valid():
        try:
            actions.end_post(post=post, ended_on=form.cleaned_data["ended_on"], by=user)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("岗位已结束。"))
    else:
        messages.error(request, _("请填写离任日期。"))
    return redirect("workforce:worker_detail", worker_id=worker_id)


@permission_required(WorkforcePerm.MANAGE_PAY)
@require_POST
def worker_pay(request: HttpRequest, worker_id: int) -> HttpResponse:
    user: Any = request.user
    worker = queries.worker_detail(user, worker_id, WorkforcePerm.MANAGE_PAY)
    form = forms.PayForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: actions.record_pay(
            worker=worker, year=data["year"], amount=data["amount"], by=user
        ),
        lambda _r: _("已保存 %(year)s 年度薪酬。") % {"year": form.cleaned_data["year"]},
        lambda _r: redirect("workforce:worker_detail", worker_id=worker.pk),
    )
    return done or _render_detail(request, worker, pay_form=form, status=422)


# --- Figures --------------------------------------------------------------------------------------


def _figure_form(
    kind: str, regions: Any, data: Any = None, initial: Any = None
) -> forms.FigureForm:
    label = _("城镇常住人口（人）") if kind == "population" else _("社会平均工资（元/年）")
    return forms.FigureForm(
        data, regions=regions, value_label=label, prefix=kind, initial=initial or {}
    )


@permission_required(WorkforcePerm.VIEW)
@require_http_methods(GET_POST)
def figures(request: HttpRequest) -> HttpResponse:
    """The urban permanent population and the average wage of each county and the city, by year,
    with who entered them and when; those who may configure enter or replace them here."""
    user: Any = request.user
    regions = queries.configurable_regions(user)
    can_configure = user.has_permission(WorkforcePerm.CONFIGURE) and regions.exists()
    if request.method == "POST" and not can_configure:
        raise PermissionDenied
    this_year = timezone.localdate().year
    initial = {"year": this_year - 1}
    forms_by_kind = {
        kind: _figure_form(kind, regions, initial=initial) for kind in ("population", "wage")
    }
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in forms_by_kind:
            return HttpResponseBadRequest()
        form = _figure_form(kind, regions, data=request.POST)
        forms_by_kind[kind] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if kind == "population":
                    actions.record_urban_population(
                        region=data["region"], year=data["year"], population=data["value"],
                        source=data["source"], by=user,
                    )  # fmt: skip
                else:
                    actions.record_average_wage(
                        region=data["region"], year=data["year"], amount=data["value"],
                        source=data["source"], by=user,
                    )  # fmt: skip
            except ValidationError as exc:
                exc = (
                    ValidationError(
                        {("value" if k in ("population", "amount") else k): v
                         for k, v in exc.message_dict.items()}
                    )
                    if hasattr(exc, "error_dict")
                    else exc
                )  # fmt: skip
                apply_action_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已保存%(region)s %(year)s 年的数据。")
                    % {"region": data["region"].name, "year": data["year"]},
                )
                return redirect("workforce:figures")
    rows = queries.figure_rows(user, range(this_year, this_year - 4, -1))
    return render(
        request,
        "workforce/workers/figures.html",
        {
            "rows": rows,
            "can_configure": can_configure,
            "population_form": forms_by_kind["population"] if can_configure else None,
            "wage_form": forms_by_kind["wage"] if can_configure else None,
        },
    )


urls: list[URLPattern] = [
    path("", worker_list, name="worker_list"),
    path("export.xlsx", worker_export, name="worker_export"),
    path("new/", worker_new, name="worker_new"),
    path("figures/", figures, name="figures"),
    path("<int:worker_id>/", worker_detail, name="worker_detail"),
    path("<int:worker_id>/edit/", worker_edit, name="worker_edit"),
    path("<int:worker_id>/reveal/", worker_reveal, name="worker_reveal"),
    path("<int:worker_id>/status/", worker_status, name="worker_status"),
    path("<int:worker_id>/posts/", worker_post_add, name="worker_post_add"),
    path(
        "<int:worker_id>/posts/<int:worker_post_id>/end/",
        worker_post_end,
        name="worker_post_end",
    ),
    path("<int:worker_id>/pay/", worker_pay, name="worker_pay"),
]
