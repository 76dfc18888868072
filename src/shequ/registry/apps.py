from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shequ.registry"
    label = "registry"
    verbose_name = _("居民与户籍")

    def ready(self) -> None:
        from shequ.registry import permissions  # noqa: F401  (registers the permission codes)
