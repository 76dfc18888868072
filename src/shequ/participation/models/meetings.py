"""Deliberation bodies, meetings and votes (P1).

A ``DeliberationBody`` (居民议事会、村民议事会、协商议事委员会) is constituted in a community with
``BodyMember``s. A ``Meeting`` (民生月谈, 议事会 …) has an agenda of ``AgendaItem``s (often topics),
``Invitation``s, ``Attendance`` (signed by the resident, or by staff for residents without phones),
minutes and ``MeetingDecision``s. A ``Poll`` asks one question of the community's verified residents:
one ``Ballot`` per resident, the channel recorded, results shown once it closes.

Indicator 5 (deliberation body coverage): a community counts when it has a constituted body with
members and held at least one meeting in the period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.participation.models.deliberation import Topic
from shequ.registry.models import Resident
from shequ.territory.models import Region


class BodyKind(models.TextChoices):
    RESIDENTS_COUNCIL = "residents_council", _("居民议事会")
    VILLAGERS_COUNCIL = "villagers_council", _("村民议事会")
    CONSULTATION_COMMITTEE = "consultation_committee", _("协商议事委员会")


class DeliberationBody(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=24, choices=BodyKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    constituted_on = models.DateField(_("成立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    rules = models.TextField(_("议事规则"), max_length=4000, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("议事协商组织")
        verbose_name_plural = _("议事协商组织")
        ordering = ["community", "name"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("召集人")
    MEMBER = "member", _("成员")


class BodyMember(models.Model):
    body = models.ForeignKey(DeliberationBody, on_delete=models.PROTECT, related_name="members")
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Members who are not residents here (a unit's representative, 驻区单位代表) by name only.
    name = models.CharField(_("姓名"), max_length=60)
    affiliation = models.CharField(_("单位或身份"), max_length=100, blank=True)
    role = models.CharField(
        _("职务"), max_length=8, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("议事组织成员")
        verbose_name_plural = _("议事组织成员")
        ordering = ["body", "role", "pk"]

    def __str__(self) -> str:
        return self.name


class MeetingKind(models.TextChoices):
    MONTHLY_TALK = "monthly_talk", _("民生月谈")
    COUNCIL = "council", _("议事会")
    HEARING = "hearing", _("听证会")
    CONSULTATION = "consultation", _("协商会")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    IN_SESSION = "in_session", _("进行中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Meeting(models.Model):
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.ForeignKey(
        DeliberationBody,
        verbose_name=_("议事组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    place = models.CharField(_("地点"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    version = models.PositiveIntegerField(default=0)
    minutes = models.TextField(_("会议纪要"), max_length=20000, blank=True)
    minutes_published_at = models.DateTimeField(_("纪要公开时间"), null=True, blank=True)
    attendee_count = models.PositiveIntegerField(_("参会人数"), default=0)
    organisations = models.CharField(_("参会单位"), max_length=400, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="meeting_community_time"),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    title = models.CharField(_("议程"), max_length=200)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )

    class Meta:
        verbose_name = _("会议议程")
        verbose_name_plural = _("会议议程")
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=60)
    sent_at = models.DateTimeField(_("邀请时间"), default=timezone.now)

    class Meta:
        verbose_name = _("会议邀请")
        verbose_name_plural = _("会议邀请")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "resident"], name="invitation_once_per_resident"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AttendanceChannel(models.TextChoices):
    SELF = "self", _("本人签到")
    STAFF = "staff", _("工作人员代签")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=60)
    channel = models.CharField(_("签到方式"), max_length=8, choices=AttendanceChannel.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("签到时间"), default=timezone.now)

    class Meta:
        verbose_name = _("会议签到")
        verbose_name_plural = _("会议签到")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "resident"], name="attendance_once_per_resident"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_decisions"
    )
    text = models.TextField(_("决定事项"), max_length=4000)

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:30]


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("未开始")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已结束")


class Poll(models.Model):
    """One question put to the community's verified residents: one ballot each, any channel."""

    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="polls"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="polls"
    )
    question = models.CharField(_("表决事项"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=8, choices=PollStatus.choices, default=PollStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=0)
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    label = models.CharField(_("选项"), max_length=100)

    class Meta:
        verbose_name = _("表决选项")
        verbose_name_plural = _("表决选项")
        ordering = ["poll", "position", "pk"]

    def __str__(self) -> str:
        return self.label


class BallotChannel(models.TextChoices):
    ONLINE = "online", _("网上投票")
    IN_PERSON = "in_person", _("现场投票（工作人员登记）")


class Ballot(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="ballots")
    option = models.ForeignKey(PollOption, on_delete=models.PROTECT, related_name="ballots")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("投票方式"), max_length=12, choices=BallotChannel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField(_("投票时间"), default=timezone.now)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        constraints = [
            models.UniqueConstraint(fields=["poll", "resident"], name="ballot_once_per_resident")
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.resident_id}"
