"""Pages of deliberation bodies, meetings and polls.

Staff (VIEW to read, MEETINGS to act, over the community): bodies and members, meetings with agenda,
invitations, session, sign-in for residents without phones, minutes, decisions, polls with in-person
ballots; STATISTICS: indicator 5 (deliberation body coverage). Residents (large text): their
community's meetings, signing in while in session, voting, results once closed. Public: a community's
closed meetings with published minutes and decisions, without residents' names.

Every read goes through ``participation.queries.meetings`` (anything outside the jurisdiction is a
404), every write is one action of ``participation.actions.meetings``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core import calendar
from shequ.core.decorators import permission_required, resident_only
from shequ.core.page_views import (
    flash_errors,
    flash_form_errors,
    list_page,
    paged,
    run_action,
    submit,
)
from shequ.participation.actions import meetings as actions
from shequ.participation.eligibility import own_resident
from shequ.participation.forms import meetings as forms
from shequ.participation.models.meetings import (
    BodyMember,
    DeliberationBody,
    Meeting,
    MeetingStatus,
    Poll,
    PollStatus,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import meetings as queries
from shequ.participation.queries import residents as people
from shequ.participation.queries.public import public_community
from shequ.participation.views.refusals import not_linked

Perm = ParticipationPerm
PER_PAGE = 30
GET_POST = ["GET", "POST"]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _meeting_url(meeting: Meeting) -> HttpResponse:
    return redirect("participation:meeting_detail", meeting_id=meeting.pk)


def _body_url(body: DeliberationBody) -> HttpResponse:
    return redirect("participation:body_edit", body_id=body.pk)


def _poll_url(poll: Poll) -> HttpResponse:
    return redirect("participation:poll_detail", poll_id=poll.pk)


def _refused(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        flash_errors(request, exc)
    else:
        messages.error(request, str(exc) or _("您没有此项权限。"))


# --- Staff: bodies --------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def body_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return list_page(
        request,
        "participation/meetings/body_list.html",
        queries.bodies(user),
        PER_PAGE,
        can_manage=user.has_permission(Perm.MEETINGS),
    )


@permission_required(Perm.MEETINGS)
@require_http_methods(GET_POST)
def body_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.BodyForm(request.POST or None, communities=queries.manageable_communities(user))
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_body(by=user, **data),
            lambda made: _("已建立“%(name)s”，请添加成员。") % {"name": made.name},
            _body_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "participation/meetings/body_form.html", {"form": form, "body": None})


@permission_required(Perm.VIEW)
@require_http_methods(GET_POST)
def body_edit(request: HttpRequest, body_id: int) -> HttpResponse:
    user: Any = request.user
    body = queries.body_detail(user, body_id)
    can_manage = queries.may(user, Perm.MEETINGS, body.community)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = forms.BodyForm(request.POST, editing=True)
        done = submit(
            request,
            form,
            lambda data: actions.update_body(body=body, by=user, **data),
            _("已保存。"),
            _body_url,
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.BodyForm(
            editing=True,
            initial={
                f: getattr(body, f)
                for f in ("kind", "name", "constituted_on", "dissolved_on", "rules")
            },
        )
    search = forms.ResidentSearchForm(request.GET)
    found = (
        people.community_residents(
            user, body.community, search.cleaned_data.get("q", ""), Perm.MEETINGS
        )
        if can_manage and search.is_valid()
        else []
    )
    return render(
        request,
        "participation/meetings/body_form.html",
        {
            "form": form,
            "body": body,
            "members": queries.body_members(body),
            "can_manage": can_manage,
            "search": search,
            "found": found,
            "member_form": forms.MemberForm(
                initial={"start_on": calendar.localdate()}, auto_id="id_member_%s"
            ),
        },
    )


@permission_required(Perm.MEETINGS)
@require_POST
def body_member_add(request: HttpRequest, body_id: int) -> HttpResponse:
    user: Any = request.user
    body = queries.body_detail(user, body_id, Perm.MEETINGS)
    form = forms.MemberForm(request.POST)

    def act(data: dict[str, Any]) -> BodyMember:
        resident = (
            people.community_resident(user, body.community, data["resident"], Perm.MEETINGS)
            if data.get("resident")
            else None
        )
        return actions.add_member(
            body=body,
            by=user,
            resident=resident,
            name=data.get("name", ""),
            affiliation=data.get("affiliation", ""),
            role=data["role"],
            start_on=data["start_on"],
            end_on=data.get("end_on"),
        )

    try:
        run_action(request, form, act, lambda m: _("已添加成员%(name)s。") % {"name": m.name})
    except PermissionDenied as exc:
        _refused(request, exc)
    return _body_url(body)


@permission_required(Perm.MEETINGS)
@require_POST
def body_member_end(request: HttpRequest, body_member_id: int) -> HttpResponse:
    user: Any = request.user
    member = queries.member_detail(user, body_member_id, Perm.MEETINGS)
    try:
        run_action(
            request,
            forms.EndMemberForm(request.POST),
            lambda data: actions.end_member(member=member, by=user, end_on=data.get("end_on")),
            _("已结束该成员的任期。"),
        )
    except PermissionDenied as exc:
        _refused(request, exc)
    return _body_url(member.body)


# --- Staff: meetings ------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.MeetingFilterForm(request.GET)
    return list_page(
        request,
        "participation/meetings/meeting_list.html",
        queries.meetings(user, queries.MeetingFilters(**form.filters())),
        PER_PAGE,
        form=form,
        can_manage=user.has_permission(Perm.MEETINGS),
        can_statistics=user.has_permission(Perm.STATISTICS),
    )


def _bodies_for(user: Any) -> Any:
    return queries.bodies(user).filter(dissolved_on__isnull=True)


@permission_required(Perm.MEETINGS)
@require_http_methods(GET_POST)
def meeting_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.MeetingForm(
        request.POST or None,
        communities=queries.manageable_communities(user),
        bodies=_bodies_for(user),
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_meeting(
                by=user, **{k: v for k, v in data.items() if k != "version"}
            ),
            lambda made: _("已安排“%(title)s”，请添加议程并发出邀请。") % {"title": made.title},
            _meeting_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request, "participation/meetings/meeting_form.html", {"form": form, "meeting": None}
    )


@permission_required(Perm.MEETINGS)
@require_http_methods(GET_POST)
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user: Any = request.user
    meeting = queries.meeting_detail(user, meeting_id, Perm.MEETINGS)
    bodies = _bodies_for(user).filter(community=meeting.community)
    if request.method == "POST":
        form = forms.MeetingForm(request.POST, bodies=bodies, editing=True)
        done = submit(
            request,
            form,
            lambda data: actions.update_meeting(meeting=meeting, by=user, **data),
            _("已保存。"),
            _meeting_url,
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.MeetingForm(
            bodies=bodies,
            editing=True,
            initial={
                "kind": meeting.kind,
                "title": meeting.title,
                "starts_at": calendar.localtime(meeting.starts_at),
                "place": meeting.place,
                "body": meeting.body_id,
                "version": meeting.version,
            },
        )
    return render(
        request, "participation/meetings/meeting_form.html", {"form": form, "meeting": meeting}
    )


@permission_required(Perm.VIEW)
@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user: Any = request.user
    meeting = queries.meeting_detail(user, meeting_id)
    can_manage = queries.may(user, Perm.MEETINGS, meeting.community)
    search = forms.ResidentSearchForm(request.GET)
    found = (
        people.community_residents(
            user, meeting.community, search.cleaned_data.get("q", ""), Perm.MEETINGS
        )
        if can_manage and search.is_valid()
        else []
    )
    live = meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.IN_SESSION)
    return render(
        request,
        "participation/meetings/meeting_detail.html",
        {
            "meeting": meeting,
            **queries.meeting_parts(meeting),
            "can_manage": can_manage,
            "live": live,
            "transitions": actions.MEETING_WORKFLOW.available(meeting, user) if can_manage else [],
            "search": search,
            "found": found,
            "agenda_form": forms.AgendaForm(
                topics=queries.agenda_topic_choices(meeting) if can_manage and live else [],
                auto_id="id_agenda_%s",
            ),
            "close_form": forms.CloseForm(auto_id="id_close_%s"),
            "minutes_form": forms.MinutesForm(
                initial={"minutes": meeting.minutes}, auto_id="id_minutes_%s"
            ),
            "decision_form": forms.DecisionForm(
                topics=queries.decidable_topics(meeting) if can_manage else [],
                auto_id="id_decision_%s",
            ),
        },
    )


@permission_required(Perm.MEETINGS)
@require_POST
def meeting_agenda(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user: Any = request.user
    meeting = queries.meeting_detail(user, meeting_id, Perm.MEETINGS)
    form = forms.AgendaForm(request.POST, topics=queries.agenda_topic_choices(meeting))

    def act(data: dict[str, Any]) -> Any:
        topic = None
        if data.get("topic"):
            topic = next(
                (t for t in queries.agenda_topic_choices(meeting) if t.pk == data["topic"]), None
            )
        return actions.add_agenda_item(
            meeting=meeting, by=user, title=data.get("title", ""), topic=topic
        )

    try:
        run_action(request, form, act, _("已加入议程。"))
    except PermissionDenied as exc:
        _refused(request, exc)
    return _meeting_url(meeting)


@permission_required(Perm.MEETINGS)
@require_POST
def meeting_invite(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user: Any = request.user
    meeting = queries.meeting_detail(user, meeting_id, Perm.MEETINGS)
    ids = [_int(v) for v in request.POST.getlist("resident") if v]
    residents = [people.community_resident(user, meeting.community, i, Perm.MEETINGS) for i in ids]
    try:
        made = actions.invite(
            meeting=meeting,
            by=user,
            residents=residents,
            members=request.POST.get("members") == "1",
        )
        messages.success(request, _("已邀请%(n)d人。") % {"n": len(made)})
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    return _meeting_url(meeting)


@permission_required(Perm.MEETINGS)
@require_POST
def meeting_transition(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user: Any = request.user
    meeting = queries.meeting_detail(user, meeting_id, Perm.MEETINGS)
    name = request.POST.get("transition", "")
    try:
        step = actions.MEETING_WORKFLOW.get(name)
        actions.transition(
            meeting=meeting,
            name=name,
            by=user,
            organisations=request.POST.get("organisations", ""),
        )
        messages.success(request, _("已完成：%(label)s。") % {"label": step.label})
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    return _meeting_url(meeting)


@permission_required(Perm.MEETINGS)
@require_http_methods(GET_POST)
def meeting_sign_for(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user: Any = request.user
    meeting = queries.meeting_detail(user, meeting_id, Perm.MEETINGS)
    if request.method == "POST":
        resident = people.community_resident(
            user, meeting.community, _int(request.POST.get("resident")), Perm.MEETINGS
        )
        try:
            actions.sign_for(meeting=meeting, by=user, resident=resident)
            messages.success(request, _("已为%(name)s代签到。") % {"name": resident.name})
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
        return _meeting_url(meeting)
    search = forms.ResidentSearchForm(request.GET)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    target = reverse("participation:meeting_detail", kwargs={"meeting_id": meeting.pk})
    return redirect(f"{target}?{urlencode({'q': query})}#sign-for" if query else target)


@permission_required(Perm.MEETINGS)
@require_POST
def meeting_minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user: Any = request.user
    meeting = queries.meeting_detail(user, meeting_id, Perm.MEETINGS)
    publish = request.POST.get("publish") == "1"
    try:
        run_action(
            request,
            forms.MinutesForm(request.POST),
            lambda data: actions.save_minutes(
                meeting=meeting, by=user, minutes=data["minutes"], publish=publish
            ),
            _("纪要已公开。") if publish else _("纪要已保存。"),
        )
    except PermissionDenied as exc:
        _refused(request, exc)
    return _meeting_url(meeting)


@permission_required(Perm.MEETINGS)
@require_POST
def meeting_decision(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user: Any = request.user
    meeting = queries.meeting_detail(user, meeting_id, Perm.MEETINGS)
    topics = queries.decidable_topics(meeting)
    form = forms.DecisionForm(request.POST, topics=topics)

    def act(data: dict[str, Any]) -> Any:
        topic = next((t for t in topics if t.pk == data.get("topic")), None)
        return actions.record_decision(meeting=meeting, by=user, text=data["text"], topic=topic)

    try:
        run_action(request, form, act, _("已记录决定。"))
    except PermissionDenied as exc:
        _refused(request, exc)
    return _meeting_url(meeting)


# --- Staff: polls ---------------------------------------------------------------------------------


@permission_required(Perm.MEETINGS)
@require_http_methods(GET_POST)
def poll_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.manageable_communities(user)
    meeting = None
    meeting_id = request.POST.get("meeting") or request.GET.get("meeting")
    if meeting_id:
        meeting = queries.meeting_detail(user, _int(meeting_id), Perm.MEETINGS)
    topic = None
    topic_id = request.POST.get("topic") or request.GET.get("topic")
    if topic_id:
        topic = queries.manageable_topic(user, _int(topic_id))
    initial: dict[str, Any] = {}
    if meeting is not None:
        initial = {"meeting": meeting.pk, "community": meeting.community_id}
    if topic is not None:
        initial |= {"topic": topic.pk, "community": topic.community_id, "question": topic.title}
    form = forms.PollForm(request.POST or None, communities=communities, initial=initial)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_poll(
                by=user,
                community=data["community"],
                question=data["question"],
                options=form.option_labels(),
                meeting=meeting,
                topic=topic,
            ),
            _("已建立表决，请设置截止时间后开始表决。"),
            _poll_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        "participation/meetings/poll_form.html",
        {"form": form, "meeting": meeting, "topic": topic},
    )


@permission_required(Perm.VIEW)
@require_GET
def poll_detail(request: HttpRequest, poll_id: int) -> HttpResponse:
    user: Any = request.user
    poll = queries.poll_detail(user, poll_id)
    can_manage = queries.may(user, Perm.MEETINGS, poll.community)
    search = forms.ResidentSearchForm(request.GET)
    found = (
        people.community_residents(
            user, poll.community, search.cleaned_data.get("q", ""), Perm.MEETINGS
        )
        if can_manage and search.is_valid()
        else []
    )
    return render(
        request,
        "participation/meetings/poll_detail.html",
        {
            "poll": poll,
            "options": list(poll.options.all()),
            "results": queries.poll_results(poll),
            "closed": actions.is_closed(poll),
            "can_manage": can_manage,
            "transitions": actions.POLL_WORKFLOW.available(poll, user) if can_manage else [],
            "open_form": forms.PollOpenForm(auto_id="id_open_%s"),
            "search": search,
            "found": found,
        },
    )


@permission_required(Perm.MEETINGS)
@require_POST
def poll_transition(request: HttpRequest, poll_id: int) -> HttpResponse:
    user: Any = request.user
    poll = queries.poll_detail(user, poll_id, Perm.MEETINGS)
    name = request.POST.get("transition", "")
    form = forms.PollOpenForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _poll_url(poll)
    try:
        step = actions.POLL_WORKFLOW.get(name)
        actions.poll_transition(
            poll=poll, name=name, by=user, closes_at=form.cleaned_data.get("closes_at")
        )
        messages.success(request, _("已完成：%(label)s。") % {"label": step.label})
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    return _poll_url(poll)


@permission_required(Perm.MEETINGS)
@require_POST
def poll_record(request: HttpRequest, poll_id: int) -> HttpResponse:
    user: Any = request.user
    poll = queries.poll_detail(user, poll_id, Perm.MEETINGS)
    form = forms.RecordBallotForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _poll_url(poll)
    resident = people.community_resident(
        user, poll.community, form.cleaned_data["resident"], Perm.MEETINGS
    )
    try:
        actions.record_ballot(
            poll=poll, by=user, resident=resident, option=form.cleaned_data["option"]
        )
        messages.success(request, _("已登记%(name)s的现场投票。") % {"name": resident.name})
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    return _poll_url(poll)


# --- Staff: indicator 5 ---------------------------------------------------------------------------


@permission_required(Perm.STATISTICS)
@require_GET
def deliberation_coverage(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.CoverageForm(request.GET)
    period, day, code = "month", calendar.localdate(), ""
    if form.is_valid():
        period = form.cleaned_data.get("period") or period
        day = form.cleaned_data.get("on") or day
        code = form.cleaned_data.get("region") or ""
    start, end = queries.period_bounds(period, day)
    regions = [queries.statistics_region(user, code)] if code else queries.statistics_roots(user)
    tables = [
        {
            "total": queries.deliberation_coverage(region, start, end),
            "children": queries.deliberation_coverage_by_child(region, start, end),
        }
        for region in regions
    ]
    return render(
        request,
        "participation/meetings/coverage.html",
        {
            "form": form,
            "tables": tables,
            "start": start,
            "end": end,
            "period": period,
            "on": day,
        },
    )


# --- Residents ------------------------------------------------------------------------------------


def _not_linked(request: HttpRequest) -> HttpResponse:
    return not_linked(
        request,
        _("社区议事"),
        _(
            "您的账号还没有与社区登记的居民信息关联，暂时不能参与签到和表决。请带身份证到社区服务站办理关联。"
        ),
    )


@resident_only
@require_GET
def community_meetings(request: HttpRequest) -> HttpResponse:
    me = own_resident(request.user)
    if me is None:
        return _not_linked(request)
    upcoming, past = queries.resident_meetings(me)
    page, _query = paged(request, past, 10)
    return render(
        request,
        "participation/meetings/community_meetings.html",
        {"me": me, "upcoming": upcoming, "page_obj": page, "polls": queries.resident_polls(me)},
    )


@resident_only
@require_GET
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    me = own_resident(request.user)
    if me is None:
        return _not_linked(request)
    meeting = queries.resident_meeting(me, meeting_id)
    published = meeting.minutes_published_at is not None
    return render(
        request,
        "participation/meetings/meeting_page.html",
        {
            "meeting": meeting,
            "agenda": list(meeting.agenda.order_by("position", "pk")),
            "decisions": list(meeting.decisions.order_by("position", "pk")) if published else [],
            "published": published,
            "signed_in": queries.signed_in(meeting, me),
            "polls": [p for p in meeting.polls.all() if p.status != PollStatus.DRAFT],
        },
    )


@resident_only
@require_POST
def meeting_sign_in(request: HttpRequest, meeting_id: int) -> HttpResponse:
    me = own_resident(request.user)
    if me is None:
        return _not_linked(request)
    meeting = queries.resident_meeting(me, meeting_id)
    try:
        actions.sign_in(meeting=meeting, user=request.user)
        messages.success(request, _("签到成功。"))
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    return redirect("participation:meeting_page", meeting_id=meeting.pk)


@resident_only
@require_GET
def poll_page(request: HttpRequest, poll_id: int) -> HttpResponse:
    me = own_resident(request.user)
    if me is None:
        return _not_linked(request)
    poll = queries.resident_poll(me, poll_id)
    options = list(poll.options.all())
    return render(
        request,
        "participation/meetings/poll_page.html",
        {
            "poll": poll,
            "results": queries.poll_results(poll),
            "closed": actions.is_closed(poll),
            "voted": queries.has_voted(poll, me),
            "form": forms.VoteForm(options=options),
        },
    )


@resident_only
@require_POST
def poll_vote(request: HttpRequest, poll_id: int) -> HttpResponse:
    me = own_resident(request.user)
    if me is None:
        return _not_linked(request)
    poll = queries.resident_poll(me, poll_id)
    form = forms.VoteForm(request.POST, options=list(poll.options.all()))
    try:
        run_action(
            request,
            form,
            lambda data: actions.vote(poll=poll, user=request.user, option=data["option"]),
            _("投票成功。表决结束后可以查看结果。"),
        )
    except PermissionDenied as exc:
        _refused(request, exc)
    return redirect("participation:poll_page", poll_id=poll.pk)


# --- Public ---------------------------------------------------------------------------------------


@require_GET
def public_meetings(request: HttpRequest, code: str) -> HttpResponse:
    community = public_community(code)
    return list_page(
        request,
        "participation/meetings/public_meetings.html",
        queries.public_meetings(community),
        10,
        community=community,
    )


urls: list[URLPattern] = [
    path("meetings/bodies/", body_list, name="body_list"),
    path("meetings/bodies/new/", body_create, name="body_create"),
    path("meetings/bodies/<int:body_id>/", body_edit, name="body_edit"),
    path("meetings/bodies/<int:body_id>/members/", body_member_add, name="body_member_add"),
    path("meetings/members/<int:body_member_id>/end/", body_member_end, name="body_member_end"),
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/new/", meeting_create, name="meeting_create"),
    path("meetings/coverage/", deliberation_coverage, name="deliberation_coverage"),
    path("meetings/<int:meeting_id>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/agenda/", meeting_agenda, name="meeting_agenda"),
    path("meetings/<int:meeting_id>/invite/", meeting_invite, name="meeting_invite"),
    path("meetings/<int:meeting_id>/transition/", meeting_transition, name="meeting_transition"),
    path("meetings/<int:meeting_id>/sign-for/", meeting_sign_for, name="meeting_sign_for"),
    path("meetings/<int:meeting_id>/minutes/", meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:meeting_id>/decision/", meeting_decision, name="meeting_decision"),
    path("meetings/polls/new/", poll_create, name="poll_create"),
    path("meetings/polls/<int:poll_id>/", poll_detail, name="poll_detail"),
    path("meetings/polls/<int:poll_id>/transition/", poll_transition, name="poll_transition"),
    path("meetings/polls/<int:poll_id>/record/", poll_record, name="poll_record"),
    path("me/meetings/", community_meetings, name="community_meetings"),
    path("me/meetings/<int:meeting_id>/", meeting_page, name="meeting_page"),
    path("me/meetings/<int:meeting_id>/sign-in/", meeting_sign_in, name="meeting_sign_in"),
    path("me/polls/<int:poll_id>/", poll_page, name="poll_page"),
    path("me/polls/<int:poll_id>/vote/", poll_vote, name="poll_vote"),
    path("public/meetings/<str:code>/", public_meetings, name="public_meetings"),
]
