"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py): one
module per feature of the organizations app, merged here."""

from shequ.organizations.tests.url_params_charity import PROVIDERS as _CHARITY
from shequ.organizations.tests.url_params_imports import PROVIDERS as _IMPORTS
from shequ.organizations.tests.url_params_providers import PROVIDERS as _PROVIDERS
from shequ.organizations.tests.url_params_social import PROVIDERS as _SOCIAL

PROVIDERS = {**_SOCIAL, **_CHARITY, **_PROVIDERS, **_IMPORTS}
