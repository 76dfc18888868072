"""Console items from accounts: second factor not yet set up."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.core.console import AttentionItem


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False):
        return []
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return []
    return [
        AttentionItem(
            title=_("建议启用双因素认证"),
            detail=_("用手机身份验证器保护您的账号。"),
            url=reverse("accounts:two_factor"),
            level="warning",
        )
    ]
