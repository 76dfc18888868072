"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py): one
module per area of the indicators app, merged here."""

from shequ.indicators.tests.url_params_projects import PROVIDERS as _PROJECTS
from shequ.indicators.tests.url_params_standards import PROVIDERS as _STANDARDS
from shequ.indicators.tests.url_params_targets import PROVIDERS as _TARGETS

PROVIDERS = {**_PROJECTS, **_STANDARDS, **_TARGETS}
