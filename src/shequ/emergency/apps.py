from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "shequ.emergency"
    label = "emergency"
    verbose_name = _("应急预警、避难场所、物资与演练")

    def ready(self) -> None:
        from shequ.emergency import permissions  # noqa: F401  (registers the permission codes)
