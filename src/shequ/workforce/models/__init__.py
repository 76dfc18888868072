"""The community workforce (W1).

- ``people``: ``CommunityWorker`` (a community worker, with encrypted ID number and phone), ``WorkerPost`` (the
  posts a worker holds, in a community and optionally a grid, with dates), ``WorkerStatusChange`` (the
  status history), ``AnnualPay`` with ``AverageWage`` (the local average wage a year's pay is checked
  against) and ``UrbanPopulation`` (the statistics bureau's urban permanent residents per county and
  year, the denominator of workers per 10,000).
- ``development``: social-work ``SocialWorkQualification`` with ``AllowanceRate``, ``TrainingCourse`` and
  ``TrainingRecord``, ``ReviewScheme`` / ``ReviewIndicator`` / ``PerformanceReview``, the party
  secretaries' ``ReserveCandidate`` pool, and the joint qualification review of committee candidates
  (``CandidateReview`` with its ``CandidateCheck`` rows).
"""

from shequ.workforce.models.development import (
    AllowanceRate,
    CandidateCheck,
    CandidateReview,
    CheckAgency,
    CheckResult,
    PerformanceReview,
    QualificationLevel,
    ReserveCandidate,
    ReserveStatus,
    ReviewGrade,
    ReviewIndicator,
    ReviewScheme,
    ReviewStatus,
    SocialWorkQualification,
    SoughtPost,
    TrainingCourse,
    TrainingLevel,
    TrainingRecord,
)
from shequ.workforce.models.people import (
    AnnualPay,
    AverageWage,
    CommunityWorker,
    Education,
    HiringMethod,
    PoliticalStatus,
    PostKind,
    UrbanPopulation,
    WorkerImport,
    WorkerPost,
    WorkerStatus,
    WorkerStatusChange,
)

__all__ = [
    "AllowanceRate",
    "AnnualPay",
    "AverageWage",
    "CandidateCheck",
    "CandidateReview",
    "CheckAgency",
    "CheckResult",
    "CommunityWorker",
    "Education",
    "HiringMethod",
    "PerformanceReview",
    "PoliticalStatus",
    "PostKind",
    "QualificationLevel",
    "ReserveCandidate",
    "ReserveStatus",
    "ReviewGrade",
    "ReviewIndicator",
    "ReviewScheme",
    "ReviewStatus",
    "SocialWorkQualification",
    "SoughtPost",
    "TrainingCourse",
    "TrainingLevel",
    "TrainingRecord",
    "UrbanPopulation",
    "WorkerImport",
    "WorkerPost",
    "WorkerStatus",
    "WorkerStatusChange",
]
