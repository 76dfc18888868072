"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py): one
module per feature of the workforce app, merged here."""

from shequ.workforce.tests.url_params_development import PROVIDERS as _DEVELOPMENT
from shequ.workforce.tests.url_params_workers import PROVIDERS as _WORKERS

PROVIDERS = {**_WORKERS, **_DEVELOPMENT}
