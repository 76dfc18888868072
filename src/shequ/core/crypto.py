"""Field encryption and blind indexes for personal information (PIPL Art. 51; 等保 8.1.4.8).

Ciphertext text format, stored in the column::

    v1$<alg>$<key id>$<base64(nonce ‖ ciphertext ‖ tag)>

``alg`` is ``a`` (AES-256-GCM) or ``s`` (SM4-GCM, GB/T 32907). The additional authenticated data is the
column's label (``app.Model.field``), so a ciphertext copied into another column fails to decrypt.
New values use the key ring's active key and the configured cipher; any key still in the ring can decrypt,
which is what lets ``shequ manage rotate_keys`` re-encrypt in batches.

Blind index: ``HMAC(index_key, kind ‖ 0x00 ‖ normalised value)`` with SHA-256 (or SM3), hex. ``kind``
("id_number", "phone") rather than the column, so the same number finds the same person in every table.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1"
ALG_CODES = {"aes-256-gcm": "a", "sm4-gcm": "s"}
ALG_NAMES = {code: name for name, code in ALG_CODES.items()}
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(ValueError):
    """A stored value could not be decrypted (unknown key id, tampering, wrong column)."""


@dataclass(frozen=True)
class KeyRing:
    active: str
    keys: dict[str, bytes]
    index_key: bytes
    cipher: str = "aes-256-gcm"
    blind_index: str = "hmac-sha256"

    @classmethod
    def from_config(
        cls,
        config: dict[str, Any],
        *,
        cipher: str = "aes-256-gcm",
        blind_index: str = "hmac-sha256",
    ) -> KeyRing:
        keys = {kid: base64.b64decode(value) for kid, value in config["keys"].items()}
        for kid, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"data key {kid!r} must be 32 bytes (256 bits)")
        if cipher not in ALG_CODES:
            raise ValueError(f"unknown cipher {cipher!r}; choose one of {sorted(ALG_CODES)}")
        if blind_index not in ("hmac-sha256", "hmac-sm3"):
            raise ValueError(f"unknown blind index {blind_index!r}")
        if config.get("active") not in keys:
            raise ValueError("the key ring's active key id is not among its keys")
        if len(base64.b64decode(config["index_key"])) < 32:
            raise ValueError("the blind-index key must be at least 32 bytes")
        return cls(
            active=config["active"],
            keys=keys,
            index_key=base64.b64decode(config["index_key"]),
            cipher=cipher,
            blind_index=blind_index,
        )


@functools.lru_cache(maxsize=64)
def _sm4_key(key: bytes) -> bytes:
    # SM4 takes 128-bit keys; derive one from the 256-bit data key rather than truncating it.
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=b"shequ-sm4-gcm").derive(key)


@functools.lru_cache(maxsize=64)
def _aes(key: bytes) -> AESGCM:
    # Key schedule once per key, not per value (measured: ~45% of an encryption, bench_crypto).
    return AESGCM(key)


def _seal(alg: str, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    if alg == "aes-256-gcm":
        return _aes(key).encrypt(nonce, plaintext, aad)
    encryptor = Cipher(algorithms.SM4(_sm4_key(key)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def _open(alg: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if alg == "aes-256-gcm":
        return _aes(key).decrypt(nonce, sealed, aad)
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(_sm4_key(key)), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def encrypt(plaintext: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = _seal(ring.cipher, ring.keys[ring.active], nonce, plaintext.encode(), context.encode())
    blob = base64.b64encode(nonce + sealed).decode()
    return f"{PREFIX}${ALG_CODES[ring.cipher]}${ring.active}${blob}"


def parse(token: str) -> tuple[str, str, bytes]:
    """(algorithm name, key id, raw bytes) of a stored ciphertext."""
    try:
        prefix, alg_code, kid, blob = token.split("$", 3)
        if prefix != PREFIX:
            raise ValueError
        return ALG_NAMES[alg_code], kid, base64.b64decode(blob, validate=True)
    except (ValueError, KeyError) as exc:
        raise DecryptionError("not a shequ ciphertext") from exc


def decrypt(token: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    alg, kid, raw = parse(token)
    key = ring.keys.get(kid)
    if key is None:
        raise DecryptionError(f"key {kid!r} is not in the key ring")
    try:
        plaintext = _open(alg, key, raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except Exception as exc:  # InvalidTag and friends: never echo the data
        raise DecryptionError("ciphertext failed authentication") from exc
    return plaintext.decode()


def key_id_of(token: str) -> str:
    return parse(token)[1]


def needs_rotation(token: str, ring: KeyRing | None = None) -> bool:
    """True when a value is not under the active key and cipher."""
    ring = ring or keyring()
    alg, kid, _raw = parse(token)
    return kid != ring.active or alg != ring.cipher


def blind_index(kind: str, value: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    message = kind.encode() + b"\x00" + value.encode()
    if ring.blind_index == "hmac-sm3":
        return _hmac_sm3(ring, message)
    return hmac.new(ring.index_key, message, hashlib.sha256).hexdigest()


def _hmac_sm3(ring: KeyRing, message: bytes) -> str:
    from cryptography.hazmat.primitives import hmac as chmac

    mac = chmac.HMAC(ring.index_key, hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


@functools.cache
def _cached_ring() -> KeyRing:
    from django.conf import settings

    return KeyRing.from_config(
        settings.SHEQU_DATA_KEYS,
        cipher=getattr(settings, "SHEQU_CIPHER", "aes-256-gcm"),
        blind_index=getattr(settings, "SHEQU_BLIND_INDEX", "hmac-sha256"),
    )


def keyring() -> KeyRing:
    return _cached_ring()


def reset_keyring() -> None:
    _cached_ring.cache_clear()


def check_runtime() -> None:
    """Fail at start-up, not at the first write, if the chosen algorithms are unavailable."""
    from django.conf import settings
    from django.core.signals import setting_changed

    backend = default_backend()
    if getattr(settings, "SHEQU_CIPHER", "") == "sm4-gcm" and not backend.cipher_supported(
        algorithms.SM4(b"\x00" * 16), modes.GCM(b"\x00" * 12)
    ):
        raise RuntimeError("SM4-GCM was chosen but this OpenSSL build does not provide it")
    if getattr(settings, "SHEQU_BLIND_INDEX", "") == "hmac-sm3" and not backend.hash_supported(
        hashes.SM3()
    ):
        raise RuntimeError("HMAC-SM3 was chosen but this OpenSSL build does not provide SM3")

    def _on_change(*, setting: str, **_: Any) -> None:
        if setting in {"SHEQU_DATA_KEYS", "SHEQU_CIPHER", "SHEQU_BLIND_INDEX"}:
            reset_keyring()

    setting_changed.connect(_on_change, weak=False, dispatch_uid="shequ-crypto-keyring")
