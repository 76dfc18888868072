from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "shequ.participation"
    label = "participation"
    verbose_name = _("居民自治与议事协商")

    def ready(self) -> None:
        from shequ.participation import permissions  # noqa: F401  (registers the permission codes)
