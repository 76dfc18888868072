"""The development pages of the workforce: qualifications and allowance rates, training courses with
attendance and coverage, annual reviews and their schemes, the reserve pool, and the joint review of
committee candidates (两委资格联审).

Every read goes through ``workforce.queries.development`` (outside the jurisdiction: 404), every write
is one action of ``workforce.actions.development``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.page_views import export_or_back, flash_errors, paged, submit, xlsx_response
from shequ.territory.models import Level
from shequ.workforce.actions import development as actions
from shequ.workforce.forms import development as forms
from shequ.workforce.models import CheckAgency, ReviewStatus
from shequ.workforce.permissions import WorkforcePerm
from shequ.workforce.queries import development as queries

PER_PAGE = 50
GET_POST = ["GET", "POST"]
P = WorkforcePerm


def _may(user: Any, perm: str, path_: str) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(path_))


def _picked(data: dict[str, Any], workers: list[Any]) -> dict[str, Any]:
    """The form's values with the chosen worker (one of ``workers``, else None) for its id."""
    values = dict(data)
    worker_id = values.pop("worker")
    values["worker"] = next((w for w in workers if str(w.pk) == worker_id), None)
    return values


def _community_param(request: HttpRequest, user: Any, perm: str) -> Any:
    """The community (or any place) chosen with ``?community=`` inside ``perm``'s scope, or None."""
    code = request.GET.get("community", "").strip()
    if not code:
        return None
    try:
        return queries.region_in_scope(user, code, perm)
    except Http404:
        return None


# --- Qualifications -------------------------------------------------------------------------------


@permission_required(P.VIEW)
@require_GET
def qualifications(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.QualificationFilterForm(request.GET, user=user)
    filters = form.filters()
    found = queries.certified_workers(user, filters)
    page, query = paged(request, found, PER_PAGE)
    page.object_list = queries.with_allowance(page.object_list, filters.on)
    paid, monthly_total = queries.allowance_total(found, filters.on)
    return render(
        request,
        "workforce/development/qualifications.html",
        {
            "form": form,
            "page_obj": page,
            "counts": queries.level_counts(found),
            "paid": paid,
            "monthly_total": monthly_total,
            "on": filters.on or timezone.localdate(),
            "can_edit": user.has_permission(P.EDIT),
            "can_configure": user.has_permission(P.CONFIGURE),
            "export_query": query,
        },
    )


@permission_required(P.VIEW)
@require_GET
@never_cache
def qualification_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.QualificationFilterForm(request.GET, user=user)
    return export_or_back(
        request,
        lambda: queries.export_qualifications(user, form.filters()),
        "workforce:qualifications",
    )


def _worker_picker(request: HttpRequest, user: Any, perm: str) -> dict[str, Any]:
    """A place chosen with ``?community=`` and its workers (for a page that needs one worker)."""
    place = _community_param(request, user, perm)
    return {
        "places": queries.communities(user, perm),
        "place": place,
        "picker_workers": list(queries.workers_of(user, perm, place)[:500]) if place else [],
    }


@permission_required(P.EDIT)
@require_http_methods(GET_POST)
def qualification_new(request: HttpRequest) -> HttpResponse:
    """Record a certificate for a worker (``?worker=`` from the worker page; else pick one)."""
    user: Any = request.user
    worker_id = request.POST.get("worker") or request.GET.get("worker")
    if not worker_id:
        return render(
            request,
            "workforce/development/pick_worker.html",
            {
                "title": _("登记社工职业资格"),
                "target": reverse("workforce:qualification_new"),
                "back": reverse("workforce:qualifications"),
                **_worker_picker(request, user, P.EDIT),
            },
        )
    worker = queries.worker(user, worker_id, P.EDIT)
    if request.method == "POST":
        form = forms.QualificationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.record_qualification(
                    worker=worker,
                    level=data["level"],
                    certificate_number=data["certificate_number"],
                    obtained_on=data["obtained_on"],
                    by=user,
                )
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(
                    request, _("已为%(name)s登记社工职业资格。") % {"name": worker.name}
                )
                if request.POST.get("back") == "worker":
                    return redirect("workforce:worker_detail", worker_id=worker.pk)
                return redirect("workforce:qualifications")
    else:
        form = forms.QualificationForm(initial={"worker": worker.pk})
    return render(
        request,
        "workforce/development/qualification_form.html",
        {
            "form": form,
            "worker": worker,
            "existing": queries.worker_qualifications(worker),
            "back": "worker"
            if (request.POST.get("back") or request.GET.get("back")) == "worker"
            else "",
        },
    )


@permission_required(P.EDIT)
@require_POST
def qualification_remove(request: HttpRequest, qualification_id: int) -> HttpResponse:
    """Remove a certificate recorded by mistake (from the worker's qualification page)."""
    user: Any = request.user
    found = queries.qualification(user, qualification_id, P.EDIT)
    worker_id = found.worker_id
    actions.remove_qualification(qualification=found, by=user)
    messages.success(request, _("已删除该条职业资格登记。"))
    return redirect(reverse("workforce:qualification_new") + f"?worker={worker_id}")


@permission_required(P.VIEW)
@require_http_methods(GET_POST)
def allowance_rates(request: HttpRequest) -> HttpResponse:
    """The allowance each level brings per county and the city; those who configure set them here."""
    user: Any = request.user
    can_configure = user.has_permission(P.CONFIGURE)
    if request.method == "POST" and not can_configure:
        raise PermissionDenied
    form = None
    if can_configure:
        regions = queries.regions_at(user, P.CONFIGURE, (Level.CITY, Level.COUNTY))
        if request.method == "POST":
            form = forms.AllowanceRateForm(request.POST, regions=regions)
            done = submit(
                request,
                form,
                lambda data: actions.set_allowance_rate(by=user, **data),
                _("津贴标准已保存。"),
                lambda _r: redirect("workforce:allowance_rates"),
            )
            if done:
                return done
        else:
            form = forms.AllowanceRateForm(regions=regions)
    return render(
        request,
        "workforce/development/allowance_rates.html",
        {"rates": list(queries.allowance_rates(user)), "form": form},
    )


# --- Training -------------------------------------------------------------------------------------


@permission_required(P.VIEW)
@require_GET
def training(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.CourseFilterForm(request.GET, user=user)
    page = Paginator(queries.courses(user, form.filters()), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "workforce/development/courses.html",
        {"form": form, "page_obj": page, "can_train": user.has_permission(P.TRAIN)},
    )


@permission_required(P.TRAIN)
@require_http_methods(GET_POST)
def course_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.regions_at(user, P.TRAIN, (Level.CITY, Level.COUNTY, Level.TOWNSHIP))
    if request.method == "POST":
        form = forms.CourseForm(request.POST, regions=regions)
        done = submit(
            request,
            form,
            lambda data: actions.register_course(by=user, **data),
            lambda course: _("已登记培训课程“%(title)s”。") % {"title": course.title},
            lambda course: redirect("workforce:course_detail", course_id=course.pk),
        )
        if done:
            return done
    else:
        initial: dict[str, Any] = {}
        first = list(regions[:2])
        if len(first) == 1:
            initial["region"] = first[0].code
            initial["level"] = actions.COURSE_LEVEL_OF_REGION.get(first[0].level, "")
        form = forms.CourseForm(regions=regions, initial=initial)
    return render(
        request,
        "workforce/development/course_form.html",
        {"form": form},
    )


@permission_required(P.VIEW)
@require_http_methods(GET_POST)
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    """A course, its attendance (the user's own workers), and for trainers: add attendees by
    community, mark pass or fail."""
    user: Any = request.user
    course = queries.course(user, course_id)
    may_train = queries.may_train(user, course)
    if request.method == "POST" and not may_train:
        raise PermissionDenied
    place = _community_param(request, user, P.TRAIN) if may_train else None
    if place is not None and not place.path.startswith(course.region.path):
        place = None
    candidates = queries.attendance_candidates(user, course, place) if place else []
    form = None
    if may_train and request.method == "POST":
        form = forms.AttendanceForm(request.POST, candidates=candidates)
        if form.is_valid():
            chosen = set(form.cleaned_data["workers"])
            try:
                added = actions.record_attendance(
                    course=course,
                    workers=[w for w in candidates if w.pk in chosen],
                    hours=form.cleaned_data["hours"],
                    passed=form.cleaned_data["passed"],
                    by=user,
                )
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(request, _("已登记 %(n)s 名参训人员。") % {"n": len(added)})
                return redirect(
                    reverse("workforce:course_detail", kwargs={"course_id": course.pk})
                    + "?"
                    + urlencode({"community": place.code if place else ""})
                )
    elif may_train and place is not None:
        form = forms.AttendanceForm(candidates=candidates, initial={"passed": True})
    records = queries.course_records(user, course)
    page = Paginator(records, PER_PAGE * 2).get_page(request.GET.get("page"))
    return render(
        request,
        "workforce/development/course_detail.html",
        {
            "course": course,
            "page_obj": page,
            "may_train": may_train,
            "form": form,
            "place": place,
            "places": queries.communities(user, P.TRAIN).filter(path__under=course.region.path)
            if may_train
            else [],
        },
    )


@permission_required(P.TRAIN)
@require_POST
def training_record_update(
    request: HttpRequest, course_id: int, training_record_id: int
) -> HttpResponse:
    user: Any = request.user
    course = queries.course(user, course_id)
    found = queries.record(user, course, training_record_id)
    target = reverse("workforce:course_detail", kwargs={"course_id": course.pk})
    if request.POST.get("remove"):
        try:
            actions.remove_training_record(record=found, by=user)
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, _("已将%(name)s移出参训名单。") % {"name": found.worker.name})
        return redirect(target)
    form = forms.RecordResultForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择考核结果。"))
        return redirect(target)
    try:
        actions.update_training_record(
            record=found,
            passed=form.cleaned_data["passed"],
            hours=form.cleaned_data["hours"],
            by=user,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已更新%(name)s的参训记录。") % {"name": found.worker.name})
    return redirect(target)


@permission_required(P.VIEW)
@require_GET
@never_cache
def course_export(request: HttpRequest, course_id: int) -> HttpResponse:
    user: Any = request.user
    course = queries.course(user, course_id)
    name, content = queries.export_attendance(user, course)
    return xlsx_response(content, name)


@permission_required(P.VIEW)
@require_GET
def training_coverage(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.CoverageForm(request.GET)
    year = form.chosen_year()
    code = request.GET.get("region", "").strip()
    region = queries.region_in_scope(user, code) if code else None
    coverage = queries.training_coverage(user, region, year)
    up = region.parent if region is not None else None
    if up is not None and not user.jurisdiction(P.VIEW).covers_path(up.path):
        up = None
    return render(
        request,
        "workforce/development/coverage.html",
        {"form": form, "coverage": coverage, "year": year, "region": region, "up": up},
    )


# --- Annual reviews -------------------------------------------------------------------------------


@permission_required(P.VIEW)
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ReviewFilterForm(request.GET, user=user)
    filters = form.filters()
    found = queries.reviews(user, filters)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    unfiltered = queries.reviews(user, queries.ReviewFilters(filters.year, filters.region_path))
    return render(
        request,
        "workforce/development/reviews.html",
        {
            "form": form,
            "year": filters.year,
            "page_obj": page,
            "counts": queries.grade_counts(unfiltered),
            "schemes": list(queries.schemes(user, filters.year)),
            "can_review": user.has_permission(P.REVIEW),
            "can_configure": user.has_permission(P.CONFIGURE),
        },
    )


@permission_required(P.VIEW)
@require_GET
def review_detail(request: HttpRequest, performance_review_id: int) -> HttpResponse:
    found = queries.review_detail(request.user, performance_review_id)
    return render(
        request,
        "workforce/development/review_detail.html",
        {"review": found, "rows": queries.score_rows(found)},
    )


@permission_required(P.REVIEW)
@require_http_methods(GET_POST)
def review_new(request: HttpRequest) -> HttpResponse:
    """Score one worker for a year (``?worker=&year=``); without a worker, pick one of those not yet
    reviewed that year."""
    user: Any = request.user
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or 0)
    except ValueError:
        year = 0
    year = year or timezone.localdate().year - 1
    worker_id = request.POST.get("worker") or request.GET.get("worker")
    if not worker_id:
        place = _community_param(request, user, P.REVIEW)
        return render(
            request,
            "workforce/development/pick_worker.html",
            {
                "title": _("%(year)s 年度考核：选择人员") % {"year": year},
                "target": reverse("workforce:review_new"),
                "back": reverse("workforce:reviews") + f"?year={year}",
                "year": year,
                "places": queries.communities(user, P.REVIEW),
                "place": place,
                "picker_workers": queries.unreviewed_workers(user, year, place)[:500]
                if place
                else [],
            },
        )
    worker = queries.worker(user, worker_id, P.REVIEW)
    scheme = queries.scheme_for_worker(worker, year)
    indicators = list(scheme.indicators.order_by("position", "pk")) if scheme else []
    if request.method == "POST" and scheme is not None:
        form = forms.ReviewForm(request.POST, indicators=indicators)
        if form.is_valid():
            try:
                done = actions.review_worker(
                    worker=worker,
                    year=year,
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                    by=user,
                )
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已完成%(name)s %(year)s 年度考核：%(total)s 分，%(grade)s。")
                    % {
                        "name": worker.name,
                        "year": year,
                        "total": done.total,
                        "grade": done.get_grade_display(),
                    },
                )
                return redirect(reverse("workforce:reviews") + f"?year={year}")
    else:
        form = forms.ReviewForm(indicators=indicators, initial={"worker": worker.pk, "year": year})
    return render(
        request,
        "workforce/development/review_form.html",
        {"form": form, "worker": worker, "year": year, "scheme": scheme},
    )


@permission_required(P.VIEW)
@require_http_methods(GET_POST)
def review_schemes(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    can_configure = user.has_permission(P.CONFIGURE)
    if request.method == "POST" and not can_configure:
        raise PermissionDenied
    form = None
    if can_configure:
        regions = queries.regions_at(user, P.CONFIGURE, (Level.CITY, Level.COUNTY))
        if request.method == "POST":
            form = forms.SchemeForm(request.POST, regions=regions)
            done = submit(
                request,
                form,
                lambda data: actions.define_review_scheme(
                    region=data["region"],
                    year=data["year"],
                    name=data["name"],
                    indicators=form.indicators(),
                    by=user,
                ),
                _("考核方案已保存。"),
                lambda _r: redirect("workforce:review_schemes"),
            )
            if done:
                return done
        else:
            form = forms.SchemeForm(regions=regions, initial={"year": timezone.localdate().year})
    return render(
        request,
        "workforce/development/schemes.html",
        {"schemes": list(queries.schemes(user)), "form": form},
    )


# --- The reserve pool -----------------------------------------------------------------------------


@permission_required(P.VIEW)
@require_GET
def reserve(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ReserveFilterForm(request.GET, user=user)
    filters = form.filters()
    page = Paginator(queries.reserve(user, filters), PER_PAGE).get_page(request.GET.get("page"))
    for candidate in page.object_list:
        candidate.phone_masked = queries.masked_phone(candidate)
        candidate.may_change = candidate.status == "in_pool" and _may(
            user, P.REVIEW, candidate.region.path
        )
    per_community = list(queries.reserve_by_community(user, filters.region_path))
    empty = [c for c in per_community if not c.in_pool]
    return render(
        request,
        "workforce/development/reserve.html",
        {
            "form": form,
            "page_obj": page,
            "per_community": [c for c in per_community if c.in_pool],
            "empty": empty,
            "can_review": user.has_permission(P.REVIEW),
        },
    )


@permission_required(P.REVIEW)
@require_http_methods(GET_POST)
def reserve_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.communities(user, P.REVIEW)
    place = _community_param(request, user, P.REVIEW)
    workers = list(queries.workers_of(user, P.REVIEW, place)[:500]) if place else []
    if request.method == "POST":
        community_code = request.POST.get("community", "")
        chosen = communities.filter(code=community_code).first()
        workers = list(queries.workers_of(user, P.REVIEW, chosen)[:500]) if chosen else []
        form = forms.ReserveForm(request.POST, communities=communities, workers=workers)
        done = submit(
            request,
            form,
            lambda data: actions.add_reserve_candidate(by=user, **_picked(data, workers)),
            lambda added: _("已将%(name)s纳入后备人才库。") % {"name": added.name},
            lambda _r: redirect("workforce:reserve"),
        )
        if done:
            return done
    else:
        form = forms.ReserveForm(
            communities=communities,
            workers=workers,
            initial={"community": place.code if place else ""},
        )
    return render(
        request,
        "workforce/development/reserve_form.html",
        {"form": form, "places": communities, "place": place},
    )


def _reserve_change(request: HttpRequest, reserve_candidate_id: int, appoint: bool) -> HttpResponse:
    user: Any = request.user
    candidate = queries.reserve_candidate(user, reserve_candidate_id, P.REVIEW)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写变动原因。"))
        return redirect("workforce:reserve")
    change = actions.appoint_reserve_candidate if appoint else actions.remove_reserve_candidate
    try:
        change(candidate=candidate, reason=form.cleaned_data["reason"], by=user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            (_("已将%(name)s标记为已任用。") if appoint else _("已将%(name)s移出后备人才库。"))
            % {"name": candidate.name},
        )
    return redirect("workforce:reserve")


@permission_required(P.REVIEW)
@require_POST
def reserve_appoint(request: HttpRequest, reserve_candidate_id: int) -> HttpResponse:
    return _reserve_change(request, reserve_candidate_id, appoint=True)


@permission_required(P.REVIEW)
@require_POST
def reserve_remove(request: HttpRequest, reserve_candidate_id: int) -> HttpResponse:
    return _reserve_change(request, reserve_candidate_id, appoint=False)


# --- Joint reviews of committee candidates --------------------------------------------------------


@permission_required(P.VIEW)
@require_GET
def candidate_reviews(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.CandidateFilterForm(request.GET, user=user)
    found = queries.candidate_reviews(user, form.filters())
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.id_masked = queries.masked_id(item)
    return render(
        request,
        "workforce/development/candidates.html",
        {
            "form": form,
            "page_obj": page,
            "per_community": queries.status_counts_per_community(found),
            "statuses": ReviewStatus.choices,
            "can_vet": user.has_permission(P.VET_CANDIDATES),
        },
    )


@permission_required(P.VET_CANDIDATES)
@require_http_methods(GET_POST)
def candidate_review_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.communities(user, P.VET_CANDIDATES)
    code = request.POST.get("community") or request.GET.get("community") or ""
    chosen = communities.filter(code=code).first() if code else None
    workers = list(queries.workers_of(user, P.VIEW, chosen)[:500]) if chosen else []
    if request.method == "POST":
        form = forms.CandidateReviewForm(request.POST, communities=communities, workers=workers)
        done = submit(
            request,
            form,
            lambda data: actions.create_candidate_review(by=user, **_picked(data, workers)),
            _("已建立联审，请核对后提交。"),
            lambda made: redirect("workforce:candidate_review", candidate_review_id=made.pk),
        )
        if done:
            return done
    else:
        form = forms.CandidateReviewForm(
            communities=communities, workers=workers, initial={"community": code}
        )
    return render(
        request,
        "workforce/development/candidate_form.html",
        {"form": form, "places": communities, "place": chosen},
    )


@permission_required(P.VIEW)
@require_GET
def candidate_review(request: HttpRequest, candidate_review_id: int) -> HttpResponse:
    user: Any = request.user
    found = queries.candidate_review(user, candidate_review_id)
    may_vet = _may(user, P.VET_CANDIDATES, found.community.path)
    checks = queries.checks_of(found)
    for check in checks:
        check.form = (
            forms.CheckForm(prefix=check.agency)
            if may_vet and check.result == "pending" and found.status == ReviewStatus.IN_REVIEW
            else None
        )
    return render(
        request,
        "workforce/development/candidate_detail.html",
        {
            "review": found,
            "id_masked": queries.masked_id(found),
            "checks": checks,
            "transitions": actions.CANDIDATE_WORKFLOW.available(found, user) if may_vet else [],
        },
    )


@permission_required(P.VET_CANDIDATES)
@require_POST
def candidate_review_transition(
    request: HttpRequest, candidate_review_id: int, transition: str
) -> HttpResponse:
    user: Any = request.user
    found = queries.candidate_review(user, candidate_review_id, P.VET_CANDIDATES)
    try:
        version = int(request.POST.get("version") or found.version)
    except ValueError:
        version = found.version
    found.version = version  # the version the clicker saw: a second click is refused
    try:
        if transition == "submit":
            actions.submit_candidate_review(review=found, by=user)
            messages.success(request, _("已提交联审，各联审部门将逐一审查。"))
        elif transition == "withdraw":
            actions.withdraw_candidate_review(
                review=found, by=user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已撤回。"))
        else:
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("workforce:candidate_review", candidate_review_id=found.pk)


@permission_required(P.VET_CANDIDATES)
@require_POST
def candidate_check(
    request: HttpRequest, candidate_review_id: int, check_agency: str
) -> HttpResponse:
    user: Any = request.user
    found = queries.candidate_review(user, candidate_review_id, P.VET_CANDIDATES)
    if check_agency not in CheckAgency.values:
        raise Http404
    form = forms.CheckForm(request.POST, prefix=check_agency)
    if not form.is_valid():
        messages.error(request, _("请选择审查结果。"))
    else:
        try:
            actions.record_check(
                review=found,
                agency=check_agency,
                result=form.cleaned_data["result"],
                note=form.cleaned_data["note"],
                by=user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("审查意见已登记。"))
    return redirect("workforce:candidate_review", candidate_review_id=found.pk)


urls: list[URLPattern] = [
    path("qualifications/", qualifications, name="qualifications"),
    path("qualifications/export.xlsx", qualification_export, name="qualification_export"),
    path("qualifications/new/", qualification_new, name="qualification_new"),
    path(
        "qualifications/<int:qualification_id>/remove/",
        qualification_remove,
        name="qualification_remove",
    ),
    path("qualifications/allowances/", allowance_rates, name="allowance_rates"),
    path("training/", training, name="training"),
    path("training/new/", course_new, name="course_new"),
    path("training/coverage/", training_coverage, name="training_coverage"),
    path("training/<int:course_id>/", course_detail, name="course_detail"),
    path("training/<int:course_id>/export.xlsx", course_export, name="course_export"),
    path(
        "training/<int:course_id>/records/<int:training_record_id>/",
        training_record_update,
        name="training_record_update",
    ),
    path("reviews/", reviews, name="reviews"),
    path("reviews/new/", review_new, name="review_new"),
    path("reviews/schemes/", review_schemes, name="review_schemes"),
    path("reviews/<int:performance_review_id>/", review_detail, name="review_detail"),
    path("reserve/", reserve, name="reserve"),
    path("reserve/new/", reserve_new, name="reserve_new"),
    path("reserve/<int:reserve_candidate_id>/appoint/", reserve_appoint, name="reserve_appoint"),
    path("reserve/<int:reserve_candidate_id>/remove/", reserve_remove, name="reserve_remove"),
    path("candidates/", candidate_reviews, name="candidate_reviews"),
    path("candidates/new/", candidate_review_new, name="candidate_review_new"),
    path("candidates/<int:candidate_review_id>/", candidate_review, name="candidate_review"),
    path(
        "candidates/<int:candidate_review_id>/submit/",
        candidate_review_transition,
        {"transition": "submit"},
        name="candidate_review_submit",
    ),
    path(
        "candidates/<int:candidate_review_id>/withdraw/",
        candidate_review_transition,
        {"transition": "withdraw"},
        name="candidate_review_withdraw",
    ),
    path(
        "candidates/<int:candidate_review_id>/checks/<str:check_agency>/",
        candidate_check,
        name="candidate_check",
    ),
]
