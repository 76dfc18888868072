from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "shequ.care"
    label = "care"
    verbose_name = _("关爱探访、居家服务与预约")

    def ready(self) -> None:
        from shequ.care import permissions  # noqa: F401  (registers the permission codes)
