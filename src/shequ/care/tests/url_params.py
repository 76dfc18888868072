"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py): one
module per feature of the care app, merged here."""

from shequ.care.tests.url_params_bookings import PROVIDERS as _BOOKINGS
from shequ.care.tests.url_params_compliance import PROVIDERS as _COMPLIANCE
from shequ.care.tests.url_params_homeservices import PROVIDERS as _HOMESERVICES
from shequ.care.tests.url_params_visits import PROVIDERS as _VISITS

PROVIDERS = {**_VISITS, **_COMPLIANCE, **_HOMESERVICES, **_BOOKINGS}
