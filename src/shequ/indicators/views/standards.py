"""The six standards (六个规范): the list of a region's communities for a year with each one's status
and standards met, the share meeting all six against the plan's 95% goal (per child region too), the
Excel export; and one community's assessment — filled in and submitted by its staff, decided line
by line, returned, completed or reopened by a reviewer at the township or above.

Every read goes through ``indicators.queries.standards`` (outside the jurisdiction answers 404);
every write is one action of ``indicators.actions.standards``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequ.core import calendar
from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.page_views import flash_errors, flash_form_errors, list_page, xlsx_response
from shequ.indicators.actions import standards as actions
from shequ.indicators.forms import standards as forms
from shequ.indicators.models import (
    AssessmentStatus,
    LineDecision,
    Standard,
    StandardsAssessment,
    StandardsLine,
)
from shequ.indicators.models.standards import GUIDANCE
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries import standards as queries
from shequ.territory.models import Region
from shequ.territory.queries import breadcrumbs

Perm = IndicatorPerm
S = AssessmentStatus
PER_PAGE = 30


def _this_year() -> int:
    return calendar.localdate().year


def _crumbs(user: Any, region: Region) -> list[tuple[Any, bool]]:
    """The ancestors, each with whether the user may open its list."""
    where = user.jurisdiction(Perm.ASSESS)
    parts = region.path.rstrip("/").split("/")
    paths = ["/".join(parts[:n]) + "/" for n in range(1, len(parts))]
    return [
        (crumb, where.covers_path(p)) for crumb, p in zip(breadcrumbs(region), paths, strict=False)
    ]


# --- The list ----------------------------------------------------------------------------------------


def _listing(
    request: HttpRequest,
) -> tuple[forms.StandardsFilterForm, Region, int, queries.Filters]:
    user: Any = request.user
    region = queries.standards_region(user, request.GET.get("region", ""))
    form = forms.StandardsFilterForm(
        request.GET or None, townships=queries.townships_under(user, region)
    )
    year, status, result, township = _this_year(), "", "", None
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data  # the fields that are valid; the others show their error
        year = data.get("year") or year
        status, result = data.get("status", ""), data.get("result", "")
        township = form.townships.get(data.get("township") or "")
    return form, region, year, queries.Filters(status=status, result=result, township=township)


def _export_query(request: HttpRequest, region: Region, year: int) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query["region"], query["year"] = region.code, str(year)
    return query.urlencode()


@permission_required(Perm.ASSESS)
@require_GET
def standards_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form, region, year, filters = _listing(request)
    return list_page(
        request,
        "indicators/standards/list.html",
        queries.community_rows(user, region, year, filters),
        PER_PAGE,
        form=form,
        region=region,
        year=year,
        summary=queries.summary(user, region, year),
        crumbs=_crumbs(user, region),
        clear_url=f"{reverse('indicators:standards')}?region={region.code}&year={year}",
        export_query=_export_query(request, region, year),
        six=queries.SIX,
    )


@permission_required(Perm.ASSESS)
@require_GET
def standards_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _form, region, year, filters = _listing(request)
    made = queries.export(user=user, region=region, year=year, filters=filters)
    return xlsx_response(made.content, made.filename)


# --- One assessment -------------------------------------------------------------------------------


def _page_url(community: Region, year: int) -> str:
    return f"{reverse('indicators:standards_assessment', args=[community.code])}?year={year}"


def _posted_year(request: HttpRequest) -> int | None:
    form = forms.YearForm(request.POST)
    if form.is_valid() and form.cleaned_data.get("year"):
        return int(form.cleaned_data["year"])
    return None


def _line_form(code: str, line: StandardsLine | None) -> forms.LineForm:
    initial: dict[str, Any] = {"standard": code}
    if line is not None:
        initial |= {"version": line.version, "statement": line.statement, "evidence": line.evidence}
    return forms.LineForm(initial=initial, prefix=code)


def _decision_form(code: str, line: StandardsLine | None) -> forms.DecisionForm:
    initial: dict[str, Any] = {"standard": code}
    if line is not None:
        initial |= {"version": line.version, "comment": line.comment}
        if line.decision != LineDecision.PENDING:
            initial["decision"] = line.decision
    return forms.DecisionForm(initial=initial, prefix=f"d-{code}")


def _list_url(community: Region, year: int, can_review: bool) -> str:
    """Back to the list: a reviewer's at the community's township, a community's own."""
    url = reverse("indicators:standards")
    if can_review and community.parent_id is not None:
        parent = Region.objects.only("code").get(pk=community.parent_id)
        return f"{url}?region={parent.code}&year={year}"
    return f"{url}?year={year}"


def _render(
    request: HttpRequest,
    community: Region,
    year: int,
    *,
    bound: dict[Any, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The assessment page; ``bound`` replaces one line's form (or decision form) with the one
    just posted, shown with its errors."""
    user: Any = request.user
    assessment = queries.assessment_of(community, year)
    can_prepare = queries.may_prepare(user, community)
    can_review = queries.may_review(user, community)
    own_submission = assessment is not None and assessment.submitted_by_id == user.pk
    state = assessment.status if assessment is not None else None
    editable = can_prepare and year <= queries.last_year() and state in (None, *actions.EDITABLE)
    reviewing = can_review and not own_submission and state == S.SUBMITTED
    bound = bound or {}
    existing = {line.standard: line for line in (assessment.ordered_lines if assessment else [])}  # type: ignore[attr-defined]
    entries = []
    for code, label in Standard.choices:
        line = existing.get(code)
        entries.append(
            {
                "standard": code,
                "label": label,
                "guidance": GUIDANCE[Standard(code)],
                "line": line,
                "form": bound.get(("line", code)) or _line_form(code, line),
                "decision_form": bound.get(("decide", code)) or _decision_form(code, line),
            }
        )
    version = assessment.version if assessment is not None else 0
    # Errors of a form the page no longer shows (the assessment moved on meanwhile) go on top.
    shown = {("line", c) for c in Standard.values} if editable else set()
    if reviewing:
        shown |= {("decide", c) for c in Standard.values}
    bound_errors = [
        error
        for key, form in bound.items()
        if key not in shown and key not in ("return", "reopen")
        for error in form.non_field_errors()
    ]
    return render(
        request,
        "indicators/standards/assessment.html",
        {
            "community": community,
            "year": year,
            "assessment": assessment,
            "entries": entries,
            "bound_errors": bound_errors,
            "editable": editable,
            "can_prepare": can_prepare,
            "can_review": can_review,
            "own_submission": own_submission,
            "reviewing": reviewing,
            "can_reopen": can_review and not own_submission and state == S.REVIEWED,
            "version": version,
            "return_form": bound.get("return") or forms.ReasonForm(initial={"version": version}),
            "reopen_form": bound.get("reopen") or forms.ReasonForm(initial={"version": version}),
            "year_form": forms.YearForm(initial={"year": year}),
            "list_url": _list_url(community, year, can_review),
            "six": queries.SIX,
        },
        status=status,
    )


@permission_required(Perm.ASSESS)
@require_GET
def assessment_page(request: HttpRequest, code: str) -> HttpResponse:
    community = queries.community_for(request.user, code)
    form = forms.YearForm(request.GET or None)
    year = _this_year()
    if form.is_bound:
        if form.is_valid():
            year = form.cleaned_data.get("year") or year
        else:
            flash_form_errors(request, form)
    return _render(request, community, year)


def _act(request: HttpRequest, act: Any, success: str) -> bool:
    try:
        act()
    except ValidationError as exc:
        flash_errors(request, exc)
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有此项权限。"))
        return False
    messages.success(request, success)
    return True


def _found(community: Region, year: int) -> StandardsAssessment:
    assessment = StandardsAssessment.objects.filter(community=community, year=year).first()
    if assessment is None:
        raise Http404
    assessment.community = community
    return assessment


def _year_or_back(request: HttpRequest, community: Region) -> int | HttpResponse:
    year = _posted_year(request)
    if year is None:
        messages.error(request, _("年度无效，请重新选择年度。"))
        return redirect(_page_url(community, _this_year()))
    return year


def _answer_line(
    request: HttpRequest,
    community: Region,
    year: int,
    form: Any,
    key: tuple[str, str],
    act: Callable[[dict[str, Any]], Any],
    said: str,
) -> HttpResponse:
    """One standard's form posted: the action run on its data, then back to the line with
    ``said``; the page again with the form's errors (400), or a refusal as a message."""
    if form.is_valid():
        data = form.cleaned_data
        try:
            act(data)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect(_page_url(community, year))
        else:
            messages.success(request, said % {"standard": Standard(data["standard"]).label})
            return redirect(_page_url(community, year) + f"#line-{key[1]}")
    return _render(request, community, year, bound={key: form}, status=400)


@permission_required(Perm.ASSESS)
@require_POST
def line_save(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    community = queries.community_for(user, code)
    year = _year_or_back(request, community)
    if isinstance(year, HttpResponse):
        return year
    standard = request.POST.get("standard", "")
    if standard not in Standard.values:
        messages.error(request, _("请选择六个规范中的一项。"))
        return redirect(_page_url(community, year))
    form = forms.LineForm(request.POST, request.FILES, prefix=standard)
    return _answer_line(
        request,
        community,
        year,
        form,
        ("line", standard),
        lambda data: actions.save_line(
            community=community,
            year=year,
            standard=data["standard"],
            statement=data["statement"],
            evidence=data["evidence"],
            uploads=data["files"],
            version=data.get("version"),
            by=user,
        ),
        _("已保存“%(standard)s”。"),
    )


@permission_required(Perm.ASSESS)
@require_POST
def line_decide(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    community = queries.community_for(user, code)
    year = _year_or_back(request, community)
    if isinstance(year, HttpResponse):
        return year
    assessment = _found(community, year)
    standard = request.POST.get("standard", "")
    if standard not in Standard.values:
        messages.error(request, _("请选择六个规范中的一项。"))
        return redirect(_page_url(community, year))
    form = forms.DecisionForm(request.POST, prefix=f"d-{standard}")
    return _answer_line(
        request,
        community,
        year,
        form,
        ("decide", standard),
        lambda data: actions.decide_line(
            assessment=assessment,
            standard=data["standard"],
            decision=data["decision"],
            comment=data["comment"],
            version=data.get("version"),
            by=user,
        ),
        _("已评定“%(standard)s”。"),
    )


def _move(request: HttpRequest, code: str, name: str) -> HttpResponse:
    """The workflow's buttons: submit, return, complete, reopen."""
    user: Any = request.user
    community = queries.community_for(user, code)
    year = _year_or_back(request, community)
    if isinstance(year, HttpResponse):
        return year
    assessment = _found(community, year)
    if name in ("return", "reopen"):
        form: forms.VersionForm = forms.ReasonForm(request.POST)
    else:
        form = forms.VersionForm(request.POST)
    if not form.is_valid():
        if name in ("return", "reopen"):
            return _render(request, community, year, bound={name: form}, status=400)
        messages.error(request, _("页面已过期，请刷新页面后再操作。"))
        return redirect(_page_url(community, year))
    data = form.cleaned_data
    version = data["version"]
    said = {
        "submit": _("已提交审核。"),
        "return": _("已退回，村(社区)补充后可重新提交。"),
        "complete": _("已完成审核。"),
        "reopen": _("已重新打开审核。"),
    }[name]
    moves = {
        "submit": lambda: actions.submit(assessment=assessment, by=user, version=version),
        "return": lambda: actions.return_assessment(
            assessment=assessment, reason=data["reason"], by=user, version=version
        ),
        "complete": lambda: actions.complete_review(
            assessment=assessment, by=user, version=version
        ),
        "reopen": lambda: actions.reopen_review(
            assessment=assessment, reason=data["reason"], by=user, version=version
        ),
    }
    _act(request, moves[name], said)
    return redirect(_page_url(community, year))


@permission_required(Perm.ASSESS)
@require_POST
def assessment_submit(request: HttpRequest, code: str) -> HttpResponse:
    return _move(request, code, "submit")


@permission_required(Perm.ASSESS)
@require_POST
def assessment_return(request: HttpRequest, code: str) -> HttpResponse:
    return _move(request, code, "return")


@permission_required(Perm.ASSESS)
@require_POST
def assessment_complete(request: HttpRequest, code: str) -> HttpResponse:
    return _move(request, code, "complete")


@permission_required(Perm.ASSESS)
@require_POST
def assessment_reopen(request: HttpRequest, code: str) -> HttpResponse:
    return _move(request, code, "reopen")


# --- Files ---------------------------------------------------------------------------------------------


@permission_required(Perm.ASSESS)
@require_GET
def evidence_file(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    found = queries.evidence_for(request.user, evidence_id)
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise Http404 from exc
    download = request.GET.get("download") == "1"
    response = FileResponse(
        handle, content_type=found.content_type, as_attachment=download, filename=found.name
    )
    if not download:
        response["Content-Disposition"] = response["Content-Disposition"].replace(
            "attachment", "inline", 1
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@permission_required(Perm.ASSESS)
@require_POST
def evidence_delete(request: HttpRequest, evidence_id: int) -> HttpResponse:
    user: Any = request.user
    found = queries.evidence_for(user, evidence_id)
    assessment = found.line.assessment
    form = forms.EvidenceDeleteForm(request.POST)
    version = form.cleaned_data.get("version") if form.is_valid() else None
    _act(
        request,
        lambda: actions.delete_evidence(evidence=found, by=user, version=version),
        _("已删除附件“%(name)s”。") % {"name": found.name},
    )
    return redirect(
        _page_url(assessment.community, assessment.year) + f"#line-{found.line.standard}"
    )


urlpatterns: list[URLPattern] = [
    path("standards/", standards_list, name="standards"),
    path("standards/export.xlsx", standards_export, name="standards_export"),
    path("standards/files/<int:evidence_id>/", evidence_file, name="standards_evidence"),
    path(
        "standards/files/<int:evidence_id>/delete/",
        evidence_delete,
        name="standards_evidence_delete",
    ),
    path("standards/<str:code>/", assessment_page, name="standards_assessment"),
    path("standards/<str:code>/line/", line_save, name="standards_line"),
    path("standards/<str:code>/decide/", line_decide, name="standards_decide"),
    path("standards/<str:code>/submit/", assessment_submit, name="standards_submit"),
    path("standards/<str:code>/return/", assessment_return, name="standards_return"),
    path("standards/<str:code>/complete/", assessment_complete, name="standards_complete"),
    path("standards/<str:code>/reopen/", assessment_reopen, name="standards_reopen"),
]
