from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "shequ.indicators"
    label = "indicators"
    verbose_name = _("指标监测与评估")

    def ready(self) -> None:
        from shequ.indicators import permissions  # noqa: F401  (registers the permission codes)
