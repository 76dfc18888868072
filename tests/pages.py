"""Helpers for tests at the HTTP level: a signed-in client, and a page body checked for template
variables that did not resolve (the test settings render them as ``!!MISSING:<name>!!``)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

MISSING = "!!MISSING"


def client_for(user: Any, **login: Any) -> Client:
    client = Client()
    client.force_login(user, **login)
    return client


def html(response: Any) -> str:
    body = response.content.decode()
    assert MISSING not in body, re.findall(r"!!MISSING:[^!]*!!", body)
    return body
