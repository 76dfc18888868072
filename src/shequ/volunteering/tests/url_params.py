"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py): one
module per feature of the volunteering app, merged here."""

from shequ.volunteering.tests.url_params_activities import PROVIDERS as _ACTIVITIES
from shequ.volunteering.tests.url_params_party import PROVIDERS as _PARTY
from shequ.volunteering.tests.url_params_statistics import PROVIDERS as _STATISTICS
from shequ.volunteering.tests.url_params_timebank import PROVIDERS as _TIMEBANK
from shequ.volunteering.tests.url_params_volunteers import PROVIDERS as _VOLUNTEERS
from shequ.volunteering.tests.url_params_wishes import PROVIDERS as _WISHES

PROVIDERS = {**_VOLUNTEERS, **_ACTIVITIES, **_PARTY, **_WISHES, **_TIMEBANK, **_STATISTICS}
