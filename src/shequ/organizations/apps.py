from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "shequ.organizations"
    label = "organizations"
    verbose_name = _("社会组织、慈善与物业")

    def ready(self) -> None:
        from shequ.organizations import permissions  # noqa: F401  (registers the permission codes)
