from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    name = "shequ.volunteering"
    label = "volunteering"
    verbose_name = _("志愿服务、党员报到与时间银行")

    def ready(self) -> None:
        from shequ.volunteering import permissions  # noqa: F401  (registers the permission codes)
        from shequ.volunteering.queries.statistics import register_linkage_party

        # Five-party linkage's volunteers party is answered from this app's records.
        register_linkage_party()
