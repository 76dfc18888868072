"""Six-standards assessments for tests, built with the real actions (``by=None`` is the system)."""

from __future__ import annotations

from typing import Any

from shequ.indicators.actions import standards as actions
from shequ.indicators.models import LineDecision, Standard, StandardsAssessment
from shequ.territory.models import Region


def filled(community: Region, year: int, *, by: Any = None, mark: str = "") -> StandardsAssessment:
    """An assessment with all six standards stated and evidenced, still a draft."""
    for code in Standard.values:
        actions.save_line(
            community=community,
            year=year,
            standard=code,
            statement=f"{mark}{Standard(code).label}：已按要求落实。",
            evidence=f"{mark}制度文件和会议记录存档于党群服务中心。",
            by=by,
        )
    return StandardsAssessment.objects.get(community=community, year=year)


def submitted(community: Region, year: int, *, by: Any = None) -> StandardsAssessment:
    assessment = filled(community, year, by=by)
    return actions.submit(assessment=assessment, by=by)


def reviewed(community: Region, year: int, *, met: int = 6, by: Any = None) -> StandardsAssessment:
    """Reviewed with the first ``met`` standards met and the rest not met."""
    assessment = submitted(community, year)
    for index, code in enumerate(Standard.values):
        ok = index < met
        actions.decide_line(
            assessment=assessment,
            standard=code,
            decision=LineDecision.MET if ok else LineDecision.NOT_MET,
            comment="" if ok else "缺少制度文件。",
            by=by,
        )
    return actions.complete_review(assessment=assessment, by=by)
