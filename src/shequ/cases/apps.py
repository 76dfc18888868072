from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "shequ.cases"
    label = "cases"
    verbose_name = _("服务事项与工单")

    def ready(self) -> None:
        from shequ.cases import permissions  # noqa: F401  (registers the permission codes)
