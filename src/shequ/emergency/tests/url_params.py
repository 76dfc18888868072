"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py): one
module per feature of the emergency app, merged here."""

from shequ.emergency.tests.url_params_alerts import PROVIDERS as _ALERTS
from shequ.emergency.tests.url_params_preparedness import PROVIDERS as _PREPAREDNESS

PROVIDERS = {**_ALERTS, **_PREPAREDNESS}
