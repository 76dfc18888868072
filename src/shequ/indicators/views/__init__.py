"""The pages of the plan's indicators, one module per area; each module lists its own URLs."""

from django.urls import URLPattern

from shequ.indicators.views import command, dashboard, evaluation, projects, standards, targets

app_name = "indicators"
urlpatterns: list[URLPattern] = [
    *dashboard.urlpatterns,
    *projects.urlpatterns,
    *command.urlpatterns,
    *standards.urlpatterns,
    *evaluation.urlpatterns,
    *targets.urlpatterns,
]
