"""The resident's case pages (S2, S4): asking for a service or raising a problem online, the
resident's own cases, following a case by its number without an account, and the self-service
kiosk of a community service hall (only a terminal set up by staff: ``cases/kiosk.py``).

Submitting shows the item's materials list first (一次告知), then the form. A form carries a one-time
token remembered in the session and sent to intake as an idempotency key, so a form sent twice (a
double tap, a reload) makes one case and the second answer is the first case. Residents see only the
public timeline of their cases: no internal notes, no staff names (the unit, or "工作人员").
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shequ.cases import queries
from shequ.cases.actions import handling, ratings
from shequ.cases.actions.intake import CertificateAbolished, Intake, submit_once
from shequ.cases.forms.resident import (
    KIOSK_PROBLEM_CATEGORIES,
    KIOSK_STEPS,
    OTHER_KIND_HELP,
    CaseForm,
    FollowCodeForm,
    FollowStartForm,
    KioskForm,
    RateForm,
    VerifyForm,
    WithdrawForm,
    community_from_code,
)
from shequ.cases.kiosk import IDLE_SECONDS, Terminal, kiosk_terminal, terminal_busy
from shequ.cases.models import BAD_RATING_MAX, Case, CaseStatus, Category, Channel, ServiceItem
from shequ.cases.queries import cases as case_queries
from shequ.cases.queries import resident as resident_queries
from shequ.cases.workflow import CASE, REQUESTER
from shequ.core import calendar
from shequ.core.decorators import resident_only
from shequ.core.forms import apply_action_errors
from shequ.core.masking import mask_phone
from shequ.registry.queries.own import own_record
from shequ.territory.models import Region

GET_POST = ("GET", "POST")
PER_PAGE = 20
SESSION_TOKENS = "cases_form_tokens"
SESSION_FOLLOWED = "cases_followed"
TOKENS_KEPT = 20
# A verified follow code opens the case in this browser for half an hour (S2: 按编号查询).
FOLLOW_SECONDS = 30 * 60
# Every web form's replay is the same request: the token alone tells a repeat from a new one.
FORM_FINGERPRINT = "cases.web_form"
KIOSK_FIELDS = ("item", "category", "description", "requester_name", "requester_phone")


# --- One-time form tokens --------------------------------------------------------------------------


def _issue_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(18)
    kept = [*request.session.get(SESSION_TOKENS, []), token][-TOKENS_KEPT:]
    request.session[SESSION_TOKENS] = kept
    return token


def _tokens(request: HttpRequest) -> tuple[str, ...]:
    return tuple(request.session.get(SESSION_TOKENS, []))


def _fresh_token_if_needed(request: HttpRequest, form: Any) -> None:
    """An invalid form goes back with its token, or a new one when its token was not ours."""
    if "token" in form.errors or not form.data.get("token"):
        form.data = form.data.copy()
        form.data["token"] = _issue_token(request)


# --- Submitting online -----------------------------------------------------------------------------


def _default_community(request: HttpRequest) -> Region | None:
    if "pick" in request.GET:
        return None
    chosen = community_from_code(request.GET.get("community", ""))
    if chosen is not None:
        return chosen
    record = own_record(request.user)
    return record.community if record is not None else None


def _community_search(request: HttpRequest) -> dict[str, Any]:
    q = request.GET.get("q", "").strip()[:30]
    return {"q": q, "communities": list(queries.communities(q)[:50]) if q else []}


@resident_only
@require_GET
def submit(request: HttpRequest) -> HttpResponse:
    community = _default_community(request)
    context: dict[str, Any] = {"community": community, "other_kinds": OTHER_KIND_HELP}
    if community is None:
        context.update(_community_search(request))
    else:
        items = resident_queries.items_for_channel(community, Channel.ONLINE)
        context["groups"] = [
            (Category(category).label, list(rows))
            for category, rows in groupby(items, key=lambda item: item.category)
        ]
    return render(request, "cases/resident/submit_choose.html", context)


def _intake_from(form: CaseForm, *, request: HttpRequest, item: ServiceItem | None) -> Intake:
    data = form.cleaned_data
    return Intake(
        channel=Channel.ONLINE,
        kind=form.case_kind(),
        category="" if item is not None else data["category"],
        title=item.name if item is not None else "",
        service_item=item,
        region=data["community"],
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        address=data.get("address", ""),
        attributes=form.attribute_values(),
        description=data["description"],
        requester=request.user,
        requester_resident=own_record(request.user),
        requester_phone=data["requester_phone"],
        photos=data.get("photos") or [],
    )


def _submit_page(request: HttpRequest, item: ServiceItem | None) -> HttpResponse:
    user: Any = request.user
    if request.method == "POST":
        form = CaseForm(request.POST, request.FILES, item=item, tokens=_tokens(request))
        if form.is_valid():
            try:
                case, created = submit_once(
                    _intake_from(form, request=request, item=item),
                    key=form.cleaned_data["token"],
                    owner=f"resident:{user.pk}",
                    fingerprint=FORM_FINGERPRINT,
                )
            except CertificateAbolished as exc:
                return render(
                    request, "cases/resident/abolished.html", {"certificate": exc.certificate}
                )
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                return render(
                    request,
                    "cases/resident/submitted.html",
                    {"case": case, "repeated": not created},
                )
        _fresh_token_if_needed(request, form)
        community = community_from_code(request.POST.get("community", ""))
    else:
        community = _default_community(request)
        if community is None:
            messages.info(request, _("请先选择您所在的村(社区)。"))
            return redirect("cases:submit")
        form = CaseForm(
            item=item,
            initial={
                "token": _issue_token(request),
                "community": community.code,
                "requester_phone": user.phone,
            },
        )
    return render(
        request,
        "cases/resident/submit_form.html",
        {
            "item": item,
            "form": form,
            "community": community,
            "online": item is None or resident_queries.item_takes_channel(item, Channel.ONLINE),
            "other_kinds": OTHER_KIND_HELP,
        },
    )


@resident_only
@require_http_methods(GET_POST)
def submit_item(request: HttpRequest, item_id: int) -> HttpResponse:
    return _submit_page(request, queries.admitted_item(item_id))


@resident_only
@require_http_methods(GET_POST)
def submit_other(request: HttpRequest) -> HttpResponse:
    return _submit_page(request, None)


# --- A case as its requester sees it -----------------------------------------------------------------


@dataclass(frozen=True)
class Follower:
    """Someone who proved the phone given at intake with a follow code: the requester's actions
    accept them for this one case."""

    follow_case_id: int


def requester_steps(case: Case) -> set[str]:
    """What the requester may do now: the workflow's requester transitions open from this status,
    and confirming or disputing a handled result (in place of a grid worker's check)."""
    steps = {
        t.name for t in CASE.transitions if t.permission == REQUESTER and case.status in t.sources
    }
    if case.status == CaseStatus.HANDLED:
        steps.add("verify")
    return steps


def public_entries(case: Case) -> list[dict[str, Any]]:
    """The public timeline: what happened, when, and who as a unit — never a staff member's name."""
    entries = []
    for event in case_queries.timeline(case, public_only=True):
        if event.unit_id is not None:
            who = event.unit.name  # type: ignore[union-attr]
        elif event.actor_id is not None and event.actor_id != case.requester_id:
            who = _("工作人员")
        else:
            who = ""
        entries.append({"event": event, "who": who})
    return entries


def _act(request: HttpRequest, case: Case, requester: Any, forms: dict[str, Any]) -> str | None:
    """Run the step the POST asks for; the success message, or ``None`` when the action refused."""
    step = request.POST.get("do", "")
    form: Any
    if step == "withdraw":
        form = forms["withdraw"] = WithdrawForm(request.POST)
        if form.is_valid():
            handling.withdraw(case=case, requester=requester, reason=form.cleaned_data["reason"])
            return _("诉求已撤回。")
    elif step == "verify":
        form = forms["verify"] = VerifyForm(request.POST)
        if form.is_valid():
            passed = form.cleaned_data["passed"]
            handling.verify_by_requester(
                case=case, requester=requester, passed=passed, note=form.cleaned_data["note"]
            )
            return (
                _("感谢您的确认，工作人员将办结此件。") if passed else _("已告知工作人员继续办理。")
            )
    elif step == "rate":
        form = forms["rate"] = RateForm(request.POST)
        if form.is_valid():
            stars = int(form.cleaned_data["stars"])
            ratings.rate(
                case=case,
                requester=requester,
                stars=stars,
                comment=form.cleaned_data["comment"],
            )
            if stars <= BAD_RATING_MAX:
                return _(
                    "感谢您的评价。很抱歉没有让您满意，工作人员会在一个工作日内给您打电话，"
                    "并继续整改。"
                )
            return _("感谢您的评价！")
    else:
        raise Http404
    return None


def _case_page(
    request: HttpRequest, case: Case, *, requester: Any, photo_url: str, followed: bool
) -> HttpResponse:
    forms: dict[str, Any] = {}
    refused: list[str] = []
    if request.method == "POST":
        try:
            done = _act(request, case, requester, forms)
        except ValidationError as exc:
            refused = exc.messages
            form = next(iter(forms.values()), None)
            if form is not None:
                apply_action_errors(form, exc)
        else:
            if done is not None:
                messages.success(request, done)
                return redirect(request.path)
    reported, result = resident_queries.reported_and_result_photos(case)
    return render(
        request,
        "cases/resident/case.html",
        {
            "case": case,
            "entries": public_entries(case),
            "reported_photos": reported,
            "result_photos": result,
            "photo_url": photo_url,
            "steps": requester_steps(case),
            "withdraw_form": forms.get("withdraw") or WithdrawForm(),
            "verify_form": forms.get("verify") or VerifyForm(),
            "rate_form": forms.get("rate") or RateForm(),
            "refused": refused,
            "followed": followed,
            "phone": mask_phone(case.requester_phone) if case.requester_phone else "",
            "bad_rating_max": BAD_RATING_MAX,
        },
        status=400 if refused or any(f.errors for f in forms.values()) else 200,
    )


def _photo_response(case: Case, photo_id: int) -> FileResponse:
    photo = resident_queries.case_photo(case, photo_id)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@resident_only
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    page = Paginator(case_queries.my_cases(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "cases/resident/my_cases.html", {"page_obj": page})


def _not_yours(request: HttpRequest, *, followed: bool) -> HttpResponse:
    """404 with a plain explanation: the same for a case that does not exist and for one that is
    someone else's, so ids cannot be probed."""
    return render(request, "cases/resident/not_found.html", {"followed": followed}, status=404)


@resident_only
@require_http_methods(GET_POST)
def my_case(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = case_queries.own_case(request.user, case_id)
    except Http404:
        return _not_yours(request, followed=False)
    return _case_page(
        request, case, requester=request.user, photo_url="cases:my_photo", followed=False
    )


@resident_only
@require_GET
def my_photo(request: HttpRequest, case_id: int, photo_id: int) -> FileResponse:
    return _photo_response(case_queries.own_case(request.user, case_id), photo_id)


# --- Following a case by its number (no account needed) ------------------------------------------


def _followed_ids(request: HttpRequest) -> set[int]:
    """Cases this browser verified a follow code for, within the last ``FOLLOW_SECONDS``."""
    now = calendar.now().timestamp()
    remembered: dict[str, float] = request.session.get(SESSION_FOLLOWED, {})
    live = {key: until for key, until in remembered.items() if until > now}
    if live != remembered:
        request.session[SESSION_FOLLOWED] = live
    return {int(key) for key in live}


def _remember_followed(request: HttpRequest, case: Case) -> None:
    _followed_ids(request)
    remembered = dict(request.session.get(SESSION_FOLLOWED, {}))
    remembered[str(case.pk)] = calendar.now().timestamp() + FOLLOW_SECONDS
    request.session[SESSION_FOLLOWED] = remembered


@never_cache
@require_http_methods(GET_POST)
def follow(request: HttpRequest) -> HttpResponse:
    step = request.POST.get("step", "") if request.method == "POST" else ""
    start_form = FollowStartForm()
    code_form: FollowCodeForm | None = None
    if step == "send":
        start_form = FollowStartForm(request.POST)
        if start_form.is_valid():
            number = start_form.cleaned_data["number"]
            try:
                # The same answer whether the number, the phone or both are wrong.
                ratings.send_follow_code(number=number, phone=start_form.cleaned_data["phone"])
            except ValidationError as exc:
                apply_action_errors(start_form, exc)
            else:
                code_form = FollowCodeForm(initial={"number": number})
    elif step == "verify":
        code_form = FollowCodeForm(request.POST)
        if code_form.is_valid():
            case = ratings.verify_follow_code(
                number=code_form.cleaned_data["number"], code=code_form.cleaned_data["code"]
            )
            if case is not None:
                _remember_followed(request, case)
                return redirect("cases:followed_case", case_id=case.pk)
            code_form.add_error(
                "code",
                _("验证码不正确或已过期。输错5次后验证码作废，请重新获取。"),
            )
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "cases/resident/follow.html",
        {"start_form": start_form, "code_form": code_form},
        status=400 if (start_form.errors or (code_form is not None and code_form.errors)) else 200,
    )


@never_cache
@require_http_methods(GET_POST)
def followed_case(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = resident_queries.followed_case(case_id, _followed_ids(request))
    except Http404:
        return _not_yours(request, followed=True)
    if request.method == "POST" and request.POST.get("do") == "forget":
        remembered = dict(request.session.get(SESSION_FOLLOWED, {}))
        remembered.pop(str(case.pk), None)
        request.session[SESSION_FOLLOWED] = remembered
        messages.info(request, _("已退出查看。"))
        return redirect("cases:follow")
    return _case_page(
        request,
        case,
        requester=Follower(follow_case_id=case.pk),
        photo_url="cases:followed_photo",
        followed=True,
    )


@never_cache
@require_GET
def followed_photo(request: HttpRequest, case_id: int, photo_id: int) -> FileResponse:
    case = resident_queries.followed_case(case_id, _followed_ids(request))
    return _photo_response(case, photo_id)


# --- The kiosk (自助终端) in a community service hall -----------------------------------------------


def _kiosk_context(terminal: Terminal, **extra: Any) -> dict[str, Any]:
    return {
        "community": terminal.community,
        "kiosk_home": terminal.start_url,
        "idle_seconds": IDLE_SECONDS,
        **extra,
    }


def _kiosk_start(
    request: HttpRequest, terminal: Terminal, items: list[ServiceItem]
) -> HttpResponse:
    # The start screen is where the next person begins: cases followed here before are forgotten.
    request.session.pop(SESSION_FOLLOWED, None)
    groups = [
        (Category(category).label, list(rows))
        for category, rows in groupby(items, key=lambda item: item.category)
    ]
    problems = [(c.value, c.label) for c in KIOSK_PROBLEM_CATEGORIES]
    return render(
        request,
        "cases/resident/kiosk.html",
        _kiosk_context(terminal, step="what", groups=groups, problems=problems),
    )


def _kiosk_submit(request: HttpRequest, form: KioskForm, terminal: Terminal) -> HttpResponse | None:
    data = form.cleaned_data
    item = form.service_item
    if terminal_busy(terminal, key=data["token"]):
        form.add_error(
            None,
            _("这台终端最近一小时提交的诉求太多，暂时不能再提交。请稍后再试，或到服务窗口办理。"),
        )
        return None
    try:
        case, created = submit_once(
            Intake(
                channel=Channel.KIOSK,
                kind=form.case_kind(),
                category="" if item is not None else data["category"],
                title=item.name if item is not None else "",
                service_item=item,
                region=terminal.community,
                description=data["description"],
                attributes=form.attribute_values(),
                requester_name=data["requester_name"],
                requester_phone=data["requester_phone"],
            ),
            key=data["token"],
            owner=terminal.owner,
            fingerprint=FORM_FINGERPRINT,
        )
    except CertificateAbolished as exc:
        return render(
            request,
            "cases/resident/kiosk_abolished.html",
            _kiosk_context(terminal, certificate=exc.certificate),
        )
    except ValidationError as exc:
        apply_action_errors(form, exc)
        return None
    return render(
        request,
        "cases/resident/kiosk_done.html",
        _kiosk_context(terminal, case=case, repeated=not created),
    )


@never_cache
@require_http_methods(GET_POST)
def kiosk(request: HttpRequest) -> HttpResponse:
    # The terminal's signed token names the community; nothing else in the request may.
    terminal = kiosk_terminal(request.GET.get("terminal", ""))
    if terminal is None:
        return render(request, "cases/resident/kiosk_unset.html")
    items = resident_queries.items_for_channel(terminal.community, Channel.KIOSK)
    if request.method == "GET":
        return _kiosk_start(request, terminal, items)
    done = request.POST.get("step", "")
    if done not in KIOSK_STEPS:
        raise Http404
    back = "back" in request.POST
    form = KioskForm(request.POST, step=done, items=items, tokens=_tokens(request))
    if back:
        index = KIOSK_STEPS.index(done) - 1
        if index <= 0:
            return _kiosk_start(request, terminal, items)
        initial = {
            key: values if len(values) > 1 else values[-1] for key, values in request.POST.lists()
        }
        form = KioskForm(initial=initial, step=KIOSK_STEPS[index], items=items)
        step = KIOSK_STEPS[index]
    elif form.is_valid():
        if done == "confirm":
            answer = _kiosk_submit(request, form, terminal)
            if answer is not None:
                return answer
            step = done
        else:
            step = KIOSK_STEPS[KIOSK_STEPS.index(done) + 1]
    elif form.non_field_errors() and done == "what":
        return _kiosk_start(request, terminal, items)
    else:
        step = done
    token = request.POST.get("token", "")
    if step == "confirm" and token not in _tokens(request):
        token = _issue_token(request)
    answers = form.cleaned_data if form.is_bound else form.initial
    values = {name: answers.get(name) or "" for name in KIOSK_FIELDS}
    item = {i.pk: i for i in items}.get(_int(values["item"]))  # type: ignore[arg-type]
    category = values["category"]
    what = item.name if item is not None else (
        Category(category).label if category in Category.values else ""
    )  # fmt: skip
    hidden, summary = _kiosk_attribute_answers(form, answers)
    return render(
        request,
        "cases/resident/kiosk.html",
        _kiosk_context(
            terminal,
            step=step,
            form=form,
            token=token,
            item=item,
            what=what,
            values=values,
            attribute_fields=[form[name] for name in form.attribute_names()],
            attribute_hidden=hidden,
            attribute_summary=summary,
        ),
        status=400 if form.is_bound and form.errors and not back else 200,
    )


def _kiosk_attribute_answers(
    form: KioskForm, answers: Any
) -> tuple[list[tuple[str, Any]], list[tuple[str, str]]]:
    """The item's field answers carried to later steps (name, value pairs for hidden inputs) and
    shown for checking on the last one (label, answer)."""
    hidden: list[tuple[str, Any]] = []
    summary: list[tuple[str, str]] = []
    for name in form.attribute_names():
        value = answers.get(name)
        chosen = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        hidden += [(name, v) for v in chosen]
        if chosen:
            field = form.fields[name]
            labels = {str(key): label for key, label in getattr(field, "choices", [])}
            shown = "、".join(str(labels.get(str(v), v)) for v in chosen)
            summary.append((str(field.label), shown))
    return hidden, summary


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


urls: list[URLPattern] = [
    path("submit/", submit, name="submit"),
    path("submit/other/", submit_other, name="submit_other"),
    path("submit/<int:item_id>/", submit_item, name="submit_item"),
    path("mine/", my_cases, name="my_cases"),
    path("mine/<int:case_id>/", my_case, name="my_case"),
    path("mine/<int:case_id>/photos/<int:photo_id>/", my_photo, name="my_photo"),
    path("follow/", follow, name="follow"),
    path("follow/<int:case_id>/", followed_case, name="followed_case"),
    path("follow/<int:case_id>/photos/<int:photo_id>/", followed_photo, name="followed_photo"),
    path("kiosk/", kiosk, name="kiosk"),
]
