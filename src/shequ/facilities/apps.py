from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "shequ.facilities"
    label = "facilities"
    verbose_name = _("服务设施与生活圈")

    def ready(self) -> None:
        from shequ.facilities import permissions  # noqa: F401  (registers the permission codes)
