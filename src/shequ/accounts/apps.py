from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    # Reference data, not domain logic: the built-in roles must exist in every database.
    from shequ.accounts.actions import sync_builtin_roles

    sync_builtin_roles()


class AccountsConfig(AppConfig):
    name = "shequ.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from shequ.accounts import audit_signals  # noqa: F401  (sign-in events → AuditEvent)

        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="shequ-sync-roles")
