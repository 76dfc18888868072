import io

import pytest

from shequ import selfcheck


@pytest.mark.django_db
def test_self_check_passes_on_a_healthy_installation() -> None:
    out = io.StringIO()
    assert selfcheck.run(out) == 0
    text = out.getvalue()
    assert "[ok] database reachable" in text and "[ok] data keys present and working" in text
    assert text.rstrip().endswith("OK")


@pytest.mark.django_db
def test_self_check_fails_loudly(settings) -> None:
    settings.DEBUG = True
    settings.SHEQU_SMS_BACKEND = "http"
    settings.SHEQU_SMS_GATEWAY_URL = ""
    out = io.StringIO()
    assert selfcheck.run(out) == 1
    text = out.getvalue()
    assert "[FAIL] debug off" in text and "[FAIL] SMS gateway URL set" in text
