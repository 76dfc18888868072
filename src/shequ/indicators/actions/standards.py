"""Writes of the six-standards assessment (六个规范): a community's staff fill in the six lines with
their evidence and submit; a reviewer at the township or above decides each line, returns the
assessment for more evidence with a reason, or completes the review; a completed review may be
reopened by a reviewer.

Who does what (ADR 0033): one permission, ``indicators.assess``, and the level of the place it is
held at decides the part. Held at the community itself: prepare and submit. Held at a place above
the community (its township, county or the city): review. Nobody reviews a submission of their own.

Concurrency: the moves of the assessment are ``STANDARDS_FLOW`` transitions (a conditional UPDATE
on ``status`` and ``version``); the edit of a line is a conditional UPDATE on the line's own
``version`` under a row lock on the assessment, so two people filling different lines do not
collide, and a page read before someone else's change is refused with a message, never saved over
it. Editing a line bumps the assessment's version too: a submission or a completed review always
covers what the person clicking it saw.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar, notifications
from shequ.core.workflow import Transition, Workflow
from shequ.indicators.models import (
    AssessmentStatus,
    LineDecision,
    Standard,
    StandardsAssessment,
    StandardsEvidence,
    StandardsLine,
)
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries.standards import (
    FIRST_YEAR,
    assessment_url,
    last_year,
    may_prepare,
    may_review,
)
from shequ.participation.actions.disclosures import PreparedFile, prepare_files
from shequ.territory.models import Level, Region

S = AssessmentStatus
MAX_TEXT = 4000
MAX_COMMENT = 2000
MAX_FILES_PER_LINE = 10
EDITABLE = (S.DRAFT, S.RETURNED)

STANDARDS_FLOW = Workflow(
    transitions=[
        Transition("submit", (S.DRAFT, S.RETURNED), S.SUBMITTED, IndicatorPerm.ASSESS,
                   gettext_lazy("提交审核")),
        Transition("return", (S.SUBMITTED,), S.RETURNED, IndicatorPerm.ASSESS,
                   gettext_lazy("退回补充"), style="danger"),
        Transition("complete", (S.SUBMITTED,), S.REVIEWED, IndicatorPerm.ASSESS,
                   gettext_lazy("完成审核")),
        Transition("reopen", (S.REVIEWED,), S.SUBMITTED, IndicatorPerm.ASSESS,
                   gettext_lazy("重新审核"), style="secondary"),
    ]
)  # fmt: skip


def _stale() -> ValidationError:
    # Not under the hidden ``version`` field: at the top of the form, where it is seen.
    return ValidationError(_("该评定刚刚已被他人修改或处理，请刷新页面查看最新内容后再操作。"))


def _require_preparer(by: Any, community: Region) -> None:
    if by is not None and not may_prepare(by, community):
        raise PermissionDenied(_("只有本村(社区)的工作人员可以填报和提交六个规范评定。"))


def _require_reviewer(by: Any, assessment: StandardsAssessment) -> None:
    if by is None:
        return
    if not may_review(by, assessment.community):
        raise PermissionDenied(
            _("六个规范评定须由镇(街道)及以上、对该村(社区)有评定权限的人员审核。")
        )
    if assessment.submitted_by_id == by.pk:
        raise PermissionDenied(_("不能审核自己提交的评定，请由其他人员审核。"))


def _text(value: Any, limit: int, field: str, label: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise ValidationError(
            {field: _("%(label)s不能超过%(n)d字。") % {"label": label, "n": limit}}
        )
    return text


def _locked(assessment: StandardsAssessment) -> StandardsAssessment:
    return (
        StandardsAssessment.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=assessment.pk)
    )


def _check_version(locked: StandardsAssessment, version: int | None) -> None:
    if version is not None and version != locked.version:
        raise _stale()


def _line(locked: StandardsAssessment, standard: str) -> StandardsLine:
    if standard not in Standard.values:
        raise ValidationError({"standard": _("请选择六个规范中的一项。")})
    return StandardsLine.objects.get(assessment=locked, standard=standard)


def _refresh(assessment: StandardsAssessment, locked: StandardsAssessment) -> None:
    for name in ("status", "version", "met_count", "submitted_by_id", "submitted_at"):
        setattr(assessment, name, getattr(locked, name))


# --- Starting and filling in ------------------------------------------------------------------------


@transaction.atomic
def start_assessment(*, community: Region, year: int, by: Any) -> StandardsAssessment:
    """The community's assessment for ``year``, created with its six empty lines if there is none
    yet. Two people starting it at once get the same one."""
    if community.level != Level.COMMUNITY or community.is_virtual:
        raise ValidationError({"community": _("六个规范只评定村(社区)，请选择一个村(社区)。")})
    if not FIRST_YEAR <= int(year) <= last_year():
        raise ValidationError(
            {
                "year": _("年度须在%(first)d年至%(last)d年之间。")
                % {"first": FIRST_YEAR, "last": last_year()}
            }
        )
    _require_preparer(by, community)
    found = StandardsAssessment.objects.filter(community=community, year=year).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            assessment = StandardsAssessment.objects.create(
                community=community, year=year, created_by=by, created_at=calendar.now()
            )
    except IntegrityError:
        # Someone else started it in the same moment: theirs is the one.
        return StandardsAssessment.objects.get(community=community, year=year)
    StandardsLine.objects.bulk_create(
        StandardsLine(assessment=assessment, standard=standard) for standard in Standard.values
    )
    audit.record(
        "indicators.standards_start",
        obj=assessment,
        actor=by,
        fields=["year"],
        region=community,
    )
    return assessment


def _prepare_uploads(uploads: Sequence[Any], already: int) -> list[PreparedFile]:
    """Every upload checked (PDF, JPEG or PNG by their first bytes, at most 10 MB, images
    re-encoded without their metadata) before anything is written."""
    return prepare_files(
        uploads,
        already=already,
        limit=MAX_FILES_PER_LINE,
        too_many=_("每项规范最多%(n)d个附件，已有%(have)d个。"),
        required=False,
    )


def _store(line: StandardsLine, prepared: list[PreparedFile], by: Any) -> list[StandardsEvidence]:
    rows: list[StandardsEvidence] = []
    try:
        for item in prepared:
            row = StandardsEvidence(
                line=line,
                name=item.name,
                content_type=item.content_type,
                size=len(item.content),
                uploaded_by=by,
                uploaded_at=calendar.now(),
            )
            row.file.save(
                f"{secrets.token_hex(16)}.{item.extension}", ContentFile(item.content), save=False
            )
            rows.append(row)
            row.save()
    except Exception:
        for row in rows:
            row.file.storage.delete(row.file.name)
        raise
    return rows


def _touch_line(line: StandardsLine, version: int | None, by: Any, **changes: Any) -> None:
    """The line's edit as one conditional UPDATE on the version the editor read; its decision is
    cleared (what was decided is no longer what is stated), and the assessment's version moves."""
    seen = line.version if version is None else version
    moved = StandardsLine.objects.filter(pk=line.pk, version=seen).update(
        version=F("version") + 1,
        updated_by=by,
        updated_at=calendar.now(),
        decision=LineDecision.PENDING,
        comment="",
        decided_by=None,
        decided_at=None,
        **changes,
    )
    if moved != 1:
        raise ValidationError(
            _("“%(standard)s”刚刚已被他人修改，请刷新页面查看最新内容后再填写。")
            % {"standard": line.get_standard_display()}
        )
    StandardsAssessment.objects.filter(pk=line.assessment_id).update(version=F("version") + 1)


@transaction.atomic
def save_line(
    *,
    community: Region,
    year: int,
    standard: str,
    statement: str,
    evidence: str = "",
    uploads: Sequence[Any] = (),
    version: int | None = None,
    by: Any,
) -> StandardsLine:
    """Fill in one standard of the community's assessment for ``year`` (started by the first line
    saved): what the community states, the evidence in words and files. Only while the assessment
    is being filled in or has been returned; ``version`` is the line's as the editor read it. All
    or nothing: a refused file leaves no assessment, line or file behind."""
    _require_preparer(by, community)
    assessment = start_assessment(community=community, year=year, by=by)
    locked = _locked(assessment)
    if locked.status not in EDITABLE:
        raise ValidationError(_("评定已提交审核，不能再修改；如需补充，请审核人员退回。"))
    line = _line(locked, standard)
    statement = _text(statement, MAX_TEXT, "statement", _("达标情况说明"))
    evidence = _text(evidence, MAX_TEXT, "evidence", _("佐证材料说明"))
    prepared = _prepare_uploads(uploads, StandardsEvidence.objects.filter(line=line).count())
    _touch_line(line, version, by, statement=statement, evidence=evidence)
    _store(line, prepared, by)
    audit.record(
        "indicators.standards_line",
        obj=locked,
        actor=by,
        fields=["statement", "evidence", *(["files"] if prepared else [])],
        object_repr=f"{locked} · {line.get_standard_display()}",
        region=locked.community,
    )
    line.refresh_from_db()
    return line


@transaction.atomic
def delete_evidence(*, evidence: StandardsEvidence, by: Any, version: int | None = None) -> None:
    """Remove one file while the assessment can still be edited (its line's decision is cleared,
    as for any edit of the line)."""
    line = evidence.line
    assessment = line.assessment
    _require_preparer(by, assessment.community)
    locked = _locked(assessment)
    if locked.status not in EDITABLE:
        raise ValidationError(_("评定已提交审核，不能再修改；如需补充，请审核人员退回。"))
    _touch_line(line, version, by)
    name, storage = evidence.file.name, evidence.file.storage
    StandardsEvidence.objects.filter(pk=evidence.pk).delete()
    audit.record(
        "indicators.standards_evidence_delete",
        obj=locked,
        actor=by,
        fields=["files"],
        object_repr=f"{locked} · {line.get_standard_display()} · {evidence.name}",
        region=locked.community,
    )
    transaction.on_commit(lambda: storage.delete(name))


# --- The workflow ----------------------------------------------------------------------------------


@transaction.atomic
def submit(
    *, assessment: StandardsAssessment, by: Any, version: int | None = None
) -> StandardsAssessment:
    """Send the assessment for review: every standard must state how the community meets it and
    give evidence (words or a file)."""
    _require_preparer(by, assessment.community)
    locked = _locked(assessment)
    _check_version(locked, version)
    if locked.status not in EDITABLE:
        raise ValidationError(_("当前状态下不能提交，请刷新页面查看最新状态。"))
    lines = list(StandardsLine.objects.filter(assessment=locked).prefetch_related("files"))
    incomplete = [
        line.get_standard_display()
        for line in sorted(lines, key=lambda li: Standard.values.index(li.standard))
        if not line.statement or not (line.evidence or line.files.all())
    ]
    if incomplete:
        raise ValidationError(
            _("以下规范还没有填写达标情况说明和佐证材料：%(list)s。")
            % {"list": "、".join(incomplete)}
        )
    STANDARDS_FLOW.fire(locked, "submit", by=by, submitted_by=by, submitted_at=calendar.now())
    audit.record(
        "indicators.standards_submit",
        obj=locked,
        actor=by,
        fields=["status"],
        region=locked.community,
    )
    _refresh(assessment, locked)
    return assessment


@transaction.atomic
def decide_line(
    *,
    assessment: StandardsAssessment,
    standard: str,
    decision: str,
    comment: str = "",
    version: int | None = None,
    by: Any,
) -> StandardsLine:
    """A reviewer's decision on one standard: met, or not met with the reason. It may be changed
    until the review is completed; ``version`` is the line's as the reviewer read it."""
    _require_reviewer(by, assessment)
    locked = _locked(assessment)
    _require_reviewer(by, locked)  # the submitter as of now, not as of the page
    if locked.status != S.SUBMITTED:
        raise ValidationError(_("该评定不在待审核状态，请刷新页面查看最新状态。"))
    line = _line(locked, standard)
    if decision not in (LineDecision.MET, LineDecision.NOT_MET):
        raise ValidationError({"decision": _("请选择评定结果：达标或未达标。")})
    comment = _text(comment, MAX_COMMENT, "comment", _("评定意见"))
    if decision == LineDecision.NOT_MET and not comment:
        raise ValidationError({"comment": _("评定为未达标时，请写明未达标的原因。")})
    seen = line.version if version is None else version
    moved = StandardsLine.objects.filter(pk=line.pk, version=seen).update(
        version=F("version") + 1,
        decision=decision,
        comment=comment,
        decided_by=by,
        decided_at=calendar.now(),
    )
    if moved != 1:
        raise ValidationError(
            _("“%(standard)s”刚刚已被他人评定或修改，请刷新页面查看最新内容。")
            % {"standard": line.get_standard_display()}
        )
    StandardsAssessment.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    audit.record(
        "indicators.standards_decide",
        obj=locked,
        actor=by,
        fields=["decision", "comment"],
        object_repr=f"{locked} · {line.get_standard_display()}",
        region=locked.community,
    )
    line.refresh_from_db()
    _refresh(assessment, StandardsAssessment.objects.get(pk=locked.pk))
    return line


def _tell_submitter(assessment: StandardsAssessment, subject: Any, body: Any) -> None:
    if assessment.submitted_by is None:
        return
    notifications.notify(
        recipients=[assessment.submitted_by],
        topic="indicators.standards",
        subject=subject,
        body=body,
        url=assessment_url(assessment),
    )


@transaction.atomic
def return_assessment(
    *, assessment: StandardsAssessment, reason: str, by: Any, version: int | None = None
) -> StandardsAssessment:
    """Send the assessment back to the community for more evidence; the reason is required and
    shown to them. Decisions already made stay (an edited line loses its own)."""
    _require_reviewer(by, assessment)
    locked = _locked(assessment)
    _require_reviewer(by, locked)
    _check_version(locked, version)
    reason = _text(reason, MAX_COMMENT, "reason", _("退回原因"))
    if not reason:
        raise ValidationError({"reason": _("请写明退回的原因和需要补充的材料。")})
    STANDARDS_FLOW.fire(
        locked,
        "return",
        by=by,
        return_reason=reason,
        returned_by=by,
        returned_at=calendar.now(),
    )
    audit.record(
        "indicators.standards_return",
        obj=locked,
        actor=by,
        fields=["status", "return_reason"],
        reason=reason,
        region=locked.community,
    )
    _tell_submitter(
        locked,
        format_lazy(
            gettext_lazy("{place} {year}年六个规范评定被退回补充"),
            place=locked.community.name,
            year=locked.year,
        ),
        reason,
    )
    _refresh(assessment, locked)
    return assessment


@transaction.atomic
def complete_review(
    *, assessment: StandardsAssessment, by: Any, version: int | None = None
) -> StandardsAssessment:
    """Finish the review once every standard is decided: the community meets the six standards for
    the year when all six are met."""
    _require_reviewer(by, assessment)
    locked = _locked(assessment)
    _require_reviewer(by, locked)
    _check_version(locked, version)
    decisions = dict(
        StandardsLine.objects.filter(assessment=locked).values_list("standard", "decision")
    )
    pending = [
        Standard(code).label
        for code in Standard.values
        if decisions.get(code) not in (LineDecision.MET, LineDecision.NOT_MET)
    ]
    if pending:
        raise ValidationError(
            _("以下规范还没有评定：%(list)s。") % {"list": "、".join(str(p) for p in pending)}
        )
    met = sum(1 for d in decisions.values() if d == LineDecision.MET)
    STANDARDS_FLOW.fire(
        locked, "complete", by=by, met_count=met, reviewed_by=by, reviewed_at=calendar.now()
    )
    audit.record(
        "indicators.standards_complete",
        obj=locked,
        actor=by,
        fields=["status", "met_count"],
        region=locked.community,
    )
    _tell_submitter(
        locked,
        format_lazy(
            gettext_lazy("{place} {year}年六个规范评定已审核"),
            place=locked.community.name,
            year=locked.year,
        ),
        format_lazy(
            gettext_lazy("六项中达标 {met} 项。"),
            met=met,
        ),
    )
    _refresh(assessment, locked)
    return assessment


@transaction.atomic
def reopen_review(
    *, assessment: StandardsAssessment, reason: str, by: Any, version: int | None = None
) -> StandardsAssessment:
    """Take a completed review back to 'waiting for review' (a decision to correct); the community
    no longer counts as meeting the standards until it is completed again."""
    _require_reviewer(by, assessment)
    locked = _locked(assessment)
    _require_reviewer(by, locked)
    _check_version(locked, version)
    reason = _text(reason, MAX_COMMENT, "reason", _("重新审核原因"))
    if not reason:
        raise ValidationError({"reason": _("请写明重新审核的原因。")})
    STANDARDS_FLOW.fire(locked, "reopen", by=by, met_count=None, reviewed_by=None, reviewed_at=None)
    audit.record(
        "indicators.standards_reopen",
        obj=locked,
        actor=by,
        fields=["status", "met_count"],
        reason=reason,
        region=locked.community,
    )
    _refresh(assessment, locked)
    return assessment
