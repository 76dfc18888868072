from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "shequ.workforce"
    label = "workforce"
    verbose_name = _("社区工作者队伍")

    def ready(self) -> None:
        from shequ.workforce import permissions  # noqa: F401  (registers the permission codes)
