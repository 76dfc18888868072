"""Settings for the test suite: the real settings, with a fixed throwaway key ring and fast hashing."""

import atexit
import base64
import json
import os
import shutil
import tempfile
from pathlib import Path

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

# Photos and other uploads written by tests go to a throwaway directory, removed at exit.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="shequ-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
