"""URL parameter values for the every-URL-every-role test (tests/scope/test_every_url.py): one
module per feature of the participation app, merged here."""

from shequ.participation.tests.url_params_deliberation import PROVIDERS as _DELIBERATION
from shequ.participation.tests.url_params_disclosures import PROVIDERS as _DISCLOSURES
from shequ.participation.tests.url_params_elections import PROVIDERS as _ELECTIONS
from shequ.participation.tests.url_params_lists import PROVIDERS as _LISTS
from shequ.participation.tests.url_params_meetings import PROVIDERS as _MEETINGS
from shequ.participation.tests.url_params_talk import PROVIDERS as _TALK

PROVIDERS = {**_DELIBERATION, **_MEETINGS, **_DISCLOSURES, **_TALK, **_ELECTIONS, **_LISTS}
