"""Where the secret key and the data-encryption key ring come from.

Read before Django is set up, so this module imports nothing from Django.

Order: environment variable, then a file named by an environment variable, then (embedded mode only)
a file under ``var/`` generated on first use with a loud warning. Production mode never generates keys.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any


class MissingKeyError(RuntimeError):
    """A key required in production mode is absent."""


def _warn(message: str) -> None:
    print(f"\n*** shequ: {message}\n", file=sys.stderr)


def _read_or_create(path: Path, make: Any, what: str, consequence: str) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # Created with owner-only permissions; never committed (var/ is ignored).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    _warn(
        f"generated a new {what} in {path}. This is fine for a local trial; in production set it "
        f"from a secret store and back it up. {consequence}"
    )
    return value


def secret_key(var_dir: Path, *, production: bool) -> str:
    if value := os.environ.get("SHEQU_SECRET_KEY"):
        return value
    if file := os.environ.get("SHEQU_SECRET_KEY_FILE"):
        return Path(file).read_text(encoding="utf-8").strip()
    if production:
        raise MissingKeyError("SHEQU_SECRET_KEY or SHEQU_SECRET_KEY_FILE must be set in production")
    return _read_or_create(
        var_dir / "secret_key",
        lambda: secrets.token_urlsafe(50),
        "secret key",
        "Changing it signs everyone out and voids pending SMS codes.",
    )


def new_key_ring() -> str:
    """A fresh key ring: one active 256-bit data key and a separate 256-bit blind-index key."""
    key_id = "k1"
    ring = {
        "active": key_id,
        "keys": {key_id: base64.b64encode(secrets.token_bytes(32)).decode()},
        "index_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    return json.dumps(ring, indent=2)


def data_keys(var_dir: Path, *, production: bool) -> dict[str, Any]:
    """The key ring: ``{"active": id, "keys": {id: base64 key}, "index_key": base64 key}``."""
    if value := os.environ.get("SHEQU_DATA_KEYS"):
        raw = value
    elif file := os.environ.get("SHEQU_DATA_KEYS_FILE"):
        raw = Path(file).read_text(encoding="utf-8")
    elif production:
        raise MissingKeyError("SHEQU_DATA_KEYS or SHEQU_DATA_KEYS_FILE must be set in production")
    else:
        raw = _read_or_create(
            var_dir / "data_keys.json",
            new_key_ring,
            "data-encryption key ring",
            "Without it the encrypted personal data cannot be read.",
        )
    ring: dict[str, Any] = json.loads(raw)
    if ring.get("active") not in ring.get("keys", {}) or not ring.get("index_key"):
        raise MissingKeyError("the data key ring must name an active key and hold an index_key")
    return ring
