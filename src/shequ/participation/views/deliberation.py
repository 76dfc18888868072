"""Pages: deliberation topics (议题).

Residents (large text, phones): their community's topics, a topic's page (state, public history,
co-signs, published answer, decision, progress, review summary) with co-sign / opinion / review /
withdraw, proposing, "my topics". Staff: the scoped topic list, a topic with the buttons of the steps
available, a step's form, the manager's override, the answer (save, publish), progress updates,
proposing on behalf of a resident, as the committee or from a case; moderators hide a resident's
opinion (or show it again) with a reason; the workflow pages for managers.
Public (anonymous): a community's admitted-and-later topics.

Reads go through ``participation.queries.deliberation`` (outside the jurisdiction: 404); writes are
one action each of ``participation.actions.deliberation``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required, resident_only
from shequ.core.page_views import flash_errors, flash_form_errors, paged, submit
from shequ.participation.actions import deliberation as actions
from shequ.participation.eligibility import own_resident
from shequ.participation.forms import deliberation as forms
from shequ.participation.models import DeliberationMode, Topic, TopicStage
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import deliberation as queries
from shequ.participation.queries.public import public_community
from shequ.participation.views.refusals import not_linked

Perm = ParticipationPerm
G = TopicStage
PER_PAGE = 30
GET_POST = ["GET", "POST"]


def _detail(topic: Topic) -> HttpResponse:
    return redirect("participation:topic_detail", topic_id=topic.pk)


def _page(topic: Topic) -> HttpResponse:
    return redirect("participation:topic_page", topic_id=topic.pk)


# --- Staff -----------------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def topic_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.scoped_communities(user)
    form = forms.TopicFilterForm(request.GET, communities=communities)
    filters = queries.TopicFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = queries.TopicFilters(
            stage=data.get("stage") or "",
            origin=data.get("origin") or "",
            region_path=data["community"].path if data.get("community") else "",
            q=(data.get("q") or "").strip(),
        )
    page, query = paged(request, queries.topics(user, filters), PER_PAGE)
    return render(
        request,
        "participation/deliberation/topic_list.html",
        {
            "form": form,
            "page_obj": page,
            "query": query,
            "can_propose": user.has_permission(Perm.PROPOSE),
            "can_configure": user.has_permission(Perm.CONFIGURE),
        },
    )


@permission_required(Perm.VIEW)
@require_GET
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    user: Any = request.user
    topic = queries.topic_detail(user, topic_id)
    can_manage = queries.may(user, Perm.TOPICS, topic.community)
    can_moderate = queries.may(user, Perm.MODERATE, topic.community)
    progress_form = forms.ProgressForm(auto_id="id_progress_%s")
    return render(
        request,
        "participation/deliberation/topic_detail.html",
        {
            "topic": topic,
            "can_manage": can_manage,
            "can_moderate": can_moderate,
            "can_configure": queries.may(user, Perm.CONFIGURE, topic.community),
            "steps": queries.staff_steps(user, topic),
            "history": queries.history(topic),
            "progress": queries.progress(topic),
            # Staff see hidden opinions too, marked hidden with the reason.
            "opinions": queries.staff_opinions(topic),
            "reviews": queries.reviews(topic),
            "summary": queries.review_summary(topic),
            "progress_form": progress_form,
            "override_form": forms.OverrideForm(
                states=queries.states_of(topic), auto_id="id_override_%s"
            ),
            "answer_form": forms.AnswerForm(initial={"answer": topic.answer}, auto_id="id_ans_%s"),
        },
    )


@permission_required(Perm.TOPICS)
@require_http_methods(GET_POST)
def topic_step(request: HttpRequest, topic_id: int, step_id: int) -> HttpResponse:
    user: Any = request.user
    topic = queries.topic_detail(user, topic_id, Perm.TOPICS)
    step = queries.step_of(topic, step_id)
    need = actions.need_for(step)
    form = forms.step_form(need, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        version = request.POST.get("version", "")
        if version and version != str(topic.version):
            messages.error(request, _("议题状态已变化，请刷新后重试"))
            return _detail(topic)

        def act(data: dict[str, Any]) -> Topic:
            note = data.pop("note", "") or ""
            return actions.fire_step(topic, step.pk, by=user, note=note, **data)

        try:
            done = submit(
                request,
                form,
                act,
                _("已办理：%(label)s。") % {"label": step.label},
                lambda _t: _detail(topic),
                refusal_on_form=True,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
            return _detail(topic)
        if done:
            return done
    return render(
        request,
        "participation/deliberation/topic_step.html",
        {"topic": topic, "step": step, "form": form},
    )


@permission_required(Perm.CONFIGURE)
@require_POST
def topic_override(request: HttpRequest, topic_id: int) -> HttpResponse:
    user: Any = request.user
    topic = queries.topic_detail(user, topic_id, Perm.CONFIGURE)
    form = forms.OverrideForm(request.POST, states=queries.states_of(topic))
    if not form.is_valid():
        flash_form_errors(request, form)
        return _detail(topic)
    try:
        actions.override_state(
            topic, form.cleaned_data["state"].pk, by=user, note=form.cleaned_data["note"]
        )
        messages.success(request, _("已调整议题状态。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _detail(topic)


@permission_required(Perm.TOPICS)
@require_POST
def topic_answer(request: HttpRequest, topic_id: int) -> HttpResponse:
    user: Any = request.user
    topic = queries.topic_detail(user, topic_id, Perm.TOPICS)
    try:
        if request.POST.get("do") == "publish":
            actions.publish_answer(topic, by=user)
            messages.success(request, _("答复已公开。"))
        else:
            form = forms.AnswerForm(request.POST)
            if not form.is_valid():
                flash_form_errors(request, form)
                return _detail(topic)
            actions.save_answer(topic, by=user, text=form.cleaned_data["answer"])
            messages.success(request, _("答复已保存，公开后居民才能看到。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _detail(topic)


@permission_required(Perm.TOPICS)
@require_POST
def topic_progress(request: HttpRequest, topic_id: int) -> HttpResponse:
    user: Any = request.user
    topic = queries.topic_detail(user, topic_id, Perm.TOPICS)
    form = forms.ProgressForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _detail(topic)
    try:
        actions.add_progress(topic, by=user, **form.cleaned_data)
        messages.success(request, _("已发布落实进展。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _detail(topic)


@permission_required(Perm.MODERATE)
@require_POST
def topic_opinion_moderate(request: HttpRequest, topic_id: int, opinion_id: int) -> HttpResponse:
    """Hide a resident's opinion from residents, or show it again, with a reason."""
    user: Any = request.user
    topic = queries.topic_detail(user, topic_id, Perm.MODERATE)
    opinion = queries.opinion_of(topic, opinion_id)
    form = forms.OpinionModerationForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _detail(topic)
    reason = form.cleaned_data["reason"]
    try:
        if form.cleaned_data["do"] == forms.OpinionModerationForm.HIDE:
            actions.hide_opinion(opinion, by=user, reason=reason)
            messages.success(request, _("已隐藏该意见，居民将看不到它。"))
        else:
            actions.restore_opinion(opinion, by=user, reason=reason)
            messages.success(request, _("已恢复显示该意见。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _detail(topic)


@permission_required(Perm.PROPOSE)
@require_http_methods(GET_POST)
def topic_propose_staff(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.proposal_communities(user)
    case = queries.case_for_topic(user, request.GET.get("case") or request.POST.get("case") or "")
    if (request.GET.get("case") or request.POST.get("case")) and case is None:
        raise Http404
    initial: dict[str, Any] = {}
    if case is not None:
        initial = {
            "title": case.title[:100],
            "body": case.description[:4000],
            "case": request.GET.get("case") or request.POST.get("case"),
            "community": case.region_id,
        }
    search = forms.ResidentSearchForm(request.GET, auto_id="id_search_%s")
    found = (
        queries.proposable_residents(user, search.cleaned_data.get("q", ""))
        if search.is_valid()
        else []
    )
    chosen = None
    resident_id = request.GET.get("resident") or request.POST.get("resident")
    if resident_id:
        try:
            chosen = queries.resident_for_proposal(user, int(resident_id))
        except (TypeError, ValueError):
            raise Http404 from None
        initial |= {"on_behalf": forms.StaffProposeForm.AS_RESIDENT, "resident": chosen.pk}
    form = forms.StaffProposeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        communities=communities,
    )
    if request.method == "POST":

        def act(data: dict[str, Any]) -> Topic:
            on_behalf = data["on_behalf"] == forms.StaffProposeForm.AS_RESIDENT
            if on_behalf and chosen is None:
                raise ValidationError({"on_behalf": _("请先查找并选择要代其提出议题的居民。")})
            return actions.propose_staff(
                by=user,
                title=data["title"],
                body=data["body"],
                community=data.get("community"),
                resident=chosen if on_behalf else None,
                case=case,
            )

        done = submit(
            request,
            form,
            act,
            _("议题已提出。"),
            _detail,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        "participation/deliberation/topic_propose_staff.html",
        {"form": form, "search": search, "found": found, "chosen": chosen, "case": case},
    )


# --- Workflows -------------------------------------------------------------------------------------


@permission_required(Perm.CONFIGURE)
@require_http_methods(GET_POST)
def workflow_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.configurable_communities(user)
    form = forms.CopyWorkflowForm(request.POST or None, communities=communities)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.copy_workflow(community=data["community"], by=user),
            _("已为该社区建立议题流程，可以修改了。"),
            lambda wf: redirect("participation:workflow_edit", workflow_id=wf.pk),
            refusal_on_form="community",
        )
        if done:
            return done
    page, _query = paged(request, queries.workflows(user), PER_PAGE)
    return render(
        request,
        "participation/deliberation/workflow_list.html",
        {"form": form, "page_obj": page, "default": actions.default_workflow()},
    )


@permission_required(Perm.CONFIGURE)
@require_http_methods(GET_POST)
def workflow_edit(request: HttpRequest, workflow_id: int) -> HttpResponse:
    user: Any = request.user
    workflow = queries.workflow_detail(user, workflow_id)
    states = queries.workflow_states(workflow)
    form = forms.WorkflowForm(
        initial={
            "name": workflow.name,
            "cosign_threshold": workflow.cosign_threshold,
            "cosign_days": workflow.cosign_days,
        }
    )
    step_form = forms.StepAddForm(states=states, auto_id="id_step_%s")
    if request.method == "POST":
        do = request.POST.get("do", "")
        try:
            if do == "save":
                form = forms.WorkflowForm(request.POST)
                if form.is_valid():
                    rows = {
                        s.pk: {
                            "name": request.POST.get(f"state_{s.pk}_name", s.name),
                            "position": request.POST.get(f"state_{s.pk}_position", s.position),
                            "is_initial": request.POST.get(f"state_{s.pk}_initial") == "on",
                            "is_public": request.POST.get(f"state_{s.pk}_public") == "on",
                            "requires_note": request.POST.get(f"state_{s.pk}_note") == "on",
                        }
                        for s in states
                    }
                    done = submit(
                        request,
                        form,
                        lambda data: actions.update_workflow(
                            workflow=workflow, by=user, states=rows, **data
                        ),
                        _("议题流程已保存。"),
                        lambda wf: redirect("participation:workflow_edit", workflow_id=wf.pk),
                    )
                    if done:
                        return done
                    if form.non_field_errors():
                        for error in form.non_field_errors():
                            messages.error(request, str(error))
            elif do == "add_step":
                step_form = forms.StepAddForm(request.POST, states=states, auto_id="id_step_%s")
                done = submit(
                    request,
                    step_form,
                    lambda data: actions.add_step(workflow=workflow, by=user, **data),
                    _("已添加流转。"),
                    lambda _s: redirect("participation:workflow_edit", workflow_id=workflow.pk),
                )
                if done:
                    return done
            elif do == "remove_step":
                actions.remove_step(workflow=workflow, by=user, step_id=request.POST.get("step"))
                messages.success(request, _("已删除流转。"))
                return redirect("participation:workflow_edit", workflow_id=workflow.pk)
            else:
                raise Http404
        except ValidationError as exc:
            flash_errors(request, exc)
    return render(
        request,
        "participation/deliberation/workflow_edit.html",
        {
            "workflow": workflow,
            "form": form,
            "states": queries.workflow_states(workflow),
            "steps": queries.workflow_steps(workflow),
            "step_form": step_form,
        },
    )


# --- Residents -------------------------------------------------------------------------------------


def _not_linked(request: HttpRequest) -> HttpResponse:
    return not_linked(
        request,
        _("社区议事"),
        _(
            "您的账号还没有与社区登记的居民信息关联，暂时不能参与议事。请带身份证到社区服务站办理关联。"
        ),
    )


@resident_only
@require_GET
def community_topics(request: HttpRequest) -> HttpResponse:
    me = own_resident(request.user)
    if me is None:
        return _not_linked(request)
    page, _query = paged(request, queries.community_topics(me.community), PER_PAGE)
    return render(
        request,
        "participation/deliberation/community_topics.html",
        {"page_obj": page, "community": me.community},
    )


@resident_only
@require_GET
def my_topics(request: HttpRequest) -> HttpResponse:
    page, _query = paged(request, queries.my_topics(request.user), PER_PAGE)
    return render(request, "participation/deliberation/my_topics.html", {"page_obj": page})


@resident_only
@require_http_methods(GET_POST)
def topic_propose(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    me = own_resident(user)
    if me is None:
        return _not_linked(request)
    form = forms.ProposeForm(
        request.POST if request.method == "POST" else None,
        initial={"request_key": uuid.uuid4().hex},
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.propose(
                by=user,
                title=data["title"],
                body=data["body"],
                request_key=data.get("request_key") or None,
            ),
            _("议题已提出。"),
            _page,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(
        request,
        "participation/deliberation/topic_propose.html",
        {"form": form, "threshold": queries.cosign_threshold_of(me.community)},
    )


@resident_only
@require_GET
def topic_page(request: HttpRequest, topic_id: int) -> HttpResponse:
    user: Any = request.user
    topic = queries.resident_topic(user, topic_id)
    stage = topic.state.stage
    online_open = (
        stage == G.DELIBERATING
        and topic.mode == DeliberationMode.ONLINE
        and not queries.consultation_closed(topic)
    )
    return render(
        request,
        "participation/deliberation/topic_page.html",
        {
            "topic": topic,
            "history": queries.history(topic, public_only=True),
            "progress": queries.progress(topic),
            "summary": queries.review_summary(topic),
            "opinions": [
                {"name": queries.masked(o.resident.name), "body": o.body}
                for o in queries.opinions(topic)
            ]
            if topic.mode == DeliberationMode.ONLINE
            else [],
            "is_author": topic.author_id == user.pk,
            "can_cosign": stage == G.COLLECTING
            and topic.author_id != user.pk
            and not queries.has_cosigned(user, topic),
            "has_cosigned": queries.has_cosigned(user, topic),
            "can_withdraw": bool(queries.author_steps(user, topic)) and topic.cosign_count == 0,
            "online_open": online_open,
            "can_review": stage == G.REVIEWING and not queries.has_reviewed(user, topic),
            "has_reviewed": queries.has_reviewed(user, topic),
            "opinion_form": forms.OpinionForm(),
            "review_form": forms.ReviewForm(),
        },
    )


def _resident_act(request: HttpRequest, topic_id: int, act: Any, success: str) -> HttpResponse:
    user: Any = request.user
    topic = queries.resident_topic(user, topic_id)
    try:
        act(topic, user)
        messages.success(request, success)
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _page(topic)


@resident_only
@require_POST
def topic_cosign(request: HttpRequest, topic_id: int) -> HttpResponse:
    return _resident_act(
        request, topic_id, lambda t, u: actions.cosign(t, by=u), _("联署成功，感谢您的支持。")
    )


@resident_only
@require_POST
def topic_withdraw(request: HttpRequest, topic_id: int) -> HttpResponse:
    return _resident_act(
        request, topic_id, lambda t, u: actions.withdraw(t, by=u), _("议题已撤回。")
    )


@resident_only
@require_POST
def topic_opinion(request: HttpRequest, topic_id: int) -> HttpResponse:
    form = forms.OpinionForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("participation:topic_page", topic_id=topic_id)
    return _resident_act(
        request,
        topic_id,
        lambda t, u: actions.give_opinion(t, by=u, body=form.cleaned_data["body"]),
        _("您的意见已提交。"),
    )


@resident_only
@require_POST
def topic_review(request: HttpRequest, topic_id: int) -> HttpResponse:
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("participation:topic_page", topic_id=topic_id)
    return _resident_act(
        request,
        topic_id,
        lambda t, u: actions.review(
            t, by=u, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
        ),
        _("感谢您的评议。"),
    )


# --- Public ----------------------------------------------------------------------------------------


@require_GET
def public_topics(request: HttpRequest, code: str) -> HttpResponse:
    community = public_community(code)
    page, _query = paged(request, queries.public_topics(community), PER_PAGE)
    return render(
        request,
        "participation/deliberation/public_topics.html",
        {"community": community, "page_obj": page},
    )


urls: list[URLPattern] = [
    path("topics/", topic_list, name="topic_list"),
    path("topics/propose/", topic_propose_staff, name="topic_propose_staff"),
    path("topics/<int:topic_id>/", topic_detail, name="topic_detail"),
    path("topics/<int:topic_id>/step/<int:step_id>/", topic_step, name="topic_step"),
    path("topics/<int:topic_id>/override/", topic_override, name="topic_override"),
    path("topics/<int:topic_id>/answer/", topic_answer, name="topic_answer"),
    path("topics/<int:topic_id>/progress/", topic_progress, name="topic_progress"),
    path(
        "topics/<int:topic_id>/opinions/<int:opinion_id>/moderate/",
        topic_opinion_moderate,
        name="topic_opinion_moderate",
    ),
    path("topic-workflows/", workflow_list, name="workflow_list"),
    path("topic-workflows/<int:workflow_id>/", workflow_edit, name="workflow_edit"),
    path("me/topics/", community_topics, name="community_topics"),
    path("me/topics/mine/", my_topics, name="my_topics"),
    path("me/topics/propose/", topic_propose, name="topic_propose"),
    path("me/topics/<int:topic_id>/", topic_page, name="topic_page"),
    path("me/topics/<int:topic_id>/cosign/", topic_cosign, name="topic_cosign"),
    path("me/topics/<int:topic_id>/opinion/", topic_opinion, name="topic_opinion"),
    path("me/topics/<int:topic_id>/review/", topic_review, name="topic_review"),
    path("me/topics/<int:topic_id>/withdraw/", topic_withdraw, name="topic_withdraw"),
    path("public/topics/<str:code>/", public_topics, name="public_topics"),
]
