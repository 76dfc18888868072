"""Settings for the test suite: the real settings, with a fixed throwaway key ring and fast hashing."""

import base64
import json
import os

os.environ["SHEQU_TESTING"] = "1"
os.environ.setdefault("SHEQU_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault(
    "SHEQU_DATA_KEYS",
    json.dumps(
        {
            "active": "t1",
            "keys": {"t1": base64.b64encode(b"\x01" * 32).decode()},
            "index_key": base64.b64encode(b"\x02" * 32).decode(),
        }
    ),
)

from shequ.settings import *  # noqa: F403
