"""Field encryption and blind indexes (``shequ.core.crypto``) against the raw primitives.

Figures:
- ``crypto.encrypt`` / ``crypto.decrypt`` of an 11-digit mobile number and an 18-character ID number,
  with AES-256-GCM and with SM4-GCM (two ``KeyRing`` objects built directly, same 256-bit key), against
  the floor ``AESGCM(key).encrypt/decrypt`` of the same bytes with the same associated data (the
  ``AESGCM`` object built once, the nonce fixed). SM4 is also set against the raw SM4-GCM ``Cipher``
  with its 128-bit key derived once, which isolates what the wrapper adds;
- ``crypto.blind_index`` against ``hmac.new(key, message, sha256).hexdigest()`` on the same message
  (and HMAC-SM3 against the raw ``cryptography`` HMAC);
- 2,000 users saved with ``bulk_create`` and loaded back through the ORM, with and without their
  encrypted ``phone`` (and its ``phone_index``), against a raw ``executemany`` INSERT / one raw SELECT
  of the same number of rows (phone stored in clear): the ORM's cost, and what the fields add to it.
Run: ``.venv/bin/python bench/bench_crypto.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

_common.setup_django()

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives import hmac as chmac  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from shequ.accounts.models import User, UserKind  # noqa: E402
from shequ.core import crypto  # noqa: E402
from shequ.core.validators import id_check_character  # noqa: E402

OPS = 1000  # calls per timed repetition, for the per-value figures
REPEAT = 15
USERS = 2000
REPEAT_ORM = 15

PHONE = "13912345678"
ID_NUMBER = "32030219800101123" + id_check_character("32030219800101123")
VALUES = {"phone (11 digits)": (PHONE, "accounts.User.phone", "phone"),
          "ID number (18 chars)": (ID_NUMBER, "registry.Person.id_number", "id_number")}  # fmt: skip


def per_value_rows() -> list[_common.Row]:
    key = os.urandom(32)
    index_key = os.urandom(32)
    aes = crypto.KeyRing(active="b1", keys={"b1": key}, index_key=index_key)
    sm4 = crypto.KeyRing(active="b1", keys={"b1": key}, index_key=index_key, cipher="sm4-gcm")
    sm3 = crypto.KeyRing(active="b1", keys={"b1": key}, index_key=index_key, blind_index="hmac-sm3")
    aead = AESGCM(key)
    sm4_key = crypto._sm4_key(key)  # the wrapper derives this on every call; the floor once
    nonce = os.urandom(crypto.NONCE_BYTES)
    rows = []
    for label, (value, context, kind) in VALUES.items():
        data, aad = value.encode(), context.encode()
        sealed = aead.encrypt(nonce, data, aad)

        def floor_encrypt(data=data, aad=aad) -> bytes:
            return aead.encrypt(nonce, data, aad)

        def floor_decrypt(sealed=sealed, aad=aad) -> bytes:
            return aead.decrypt(nonce, sealed, aad)

        def sm4_floor_encrypt(data=data, aad=aad) -> bytes:
            enc = Cipher(algorithms.SM4(sm4_key), modes.GCM(nonce)).encryptor()
            enc.authenticate_additional_data(aad)
            return enc.update(data) + enc.finalize() + enc.tag

        sm4_sealed = sm4_floor_encrypt()

        def sm4_floor_decrypt(sealed=sm4_sealed, aad=aad) -> bytes:
            dec = Cipher(algorithms.SM4(sm4_key), modes.GCM(nonce, sealed[-16:])).decryptor()
            dec.authenticate_additional_data(aad)
            return dec.update(sealed[:-16]) + dec.finalize()

        assert sm4_floor_decrypt() == data
        for ring_name, ring in (("AES-256-GCM", aes), ("SM4-GCM", sm4)):
            token = crypto.encrypt(value, context=context, ring=ring)
            assert crypto.decrypt(token, context=context, ring=ring) == value

            def enc(value=value, context=context, ring=ring) -> str:
                return crypto.encrypt(value, context=context, ring=ring)

            def dec(token=token, context=context, ring=ring) -> str:
                return crypto.decrypt(token, context=context, ring=ring)

            rows.append(
                _common.compare(
                    f"encrypt {label}, {ring_name}",
                    enc,
                    floor_encrypt,
                    floor_name="AESGCM.encrypt, same bytes",
                    repeat=REPEAT,
                    number=OPS,
                )
            )
            rows.append(
                _common.compare(
                    f"decrypt {label}, {ring_name}",
                    dec,
                    floor_decrypt,
                    floor_name="AESGCM.decrypt, same bytes",
                    repeat=REPEAT,
                    number=OPS,
                )
            )
            if ring is sm4 and kind == "phone":
                rows.append(
                    _common.compare(
                        f"encrypt {label}, SM4-GCM vs raw SM4",
                        enc,
                        sm4_floor_encrypt,
                        floor_name="raw SM4-GCM Cipher, key derived once",
                        repeat=REPEAT,
                        number=OPS,
                    )
                )
                rows.append(
                    _common.compare(
                        f"decrypt {label}, SM4-GCM vs raw SM4",
                        dec,
                        sm4_floor_decrypt,
                        floor_name="raw SM4-GCM Cipher, key derived once",
                        repeat=REPEAT,
                        number=OPS,
                    )
                )
        message = kind.encode() + b"\x00" + value.encode()
        assert (
            crypto.blind_index(kind, value, aes)
            == hmac.new(index_key, message, hashlib.sha256).hexdigest()
        )
        rows.append(
            _common.compare(
                f"blind_index {label}, HMAC-SHA256",
                lambda kind=kind, value=value: crypto.blind_index(kind, value, aes),
                lambda message=message: hmac.new(index_key, message, hashlib.sha256).hexdigest(),
                floor_name="hmac.new(key, msg, sha256).hexdigest()",
                repeat=REPEAT,
                number=OPS,
            )
        )
        if kind == "phone":

            def raw_sm3(message=message) -> str:
                mac = chmac.HMAC(index_key, hashes.SM3())
                mac.update(message)
                return mac.finalize().hex()

            assert crypto.blind_index(kind, value, sm3) == raw_sm3()
            rows.append(
                _common.compare(
                    f"blind_index {label}, HMAC-SM3",
                    lambda kind=kind, value=value: crypto.blind_index(kind, value, sm3),
                    raw_sm3,
                    floor_name="cryptography HMAC(key, SM3()), same message",
                    repeat=REPEAT,
                    number=OPS,
                )
            )
    return rows


# --- 2,000 users through the ORM --------------------------------------------------------------


def phone_for(i: int) -> str:
    return f"1390000{i:04d}"


def new_users(prefix: str, *, with_phone: bool) -> list[User]:
    return [
        User(
            username=f"{prefix}{i:05d}",
            kind=UserKind.RESIDENT,
            full_name=f"居民{i}",
            phone=phone_for(i) if with_phone else "",
            password="!",  # noqa: S106 (an unusable password, as set_unusable_password stores)
        )
        for i in range(USERS)
    ]


def delete_users(prefix: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_user WHERE username LIKE %s", [prefix + "%"])


def orm_rows() -> list[_common.Row]:
    fields = [f for f in User._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    insert_sql = (
        f"INSERT INTO accounts_user ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )

    def raw_values(prefix: str) -> list[list]:
        """The same rows as ``new_users(prefix, with_phone=True)``, phone in clear, no index."""
        out = []
        for user in new_users(prefix, with_phone=True):
            row = []
            for f in fields:
                if f.name == "phone":
                    row.append(user.phone)
                elif f.name == "phone_index":
                    row.append("")
                else:
                    row.append(f.get_db_prep_save(getattr(user, f.attname), connection))
            out.append(row)
        return out

    raw_rows = raw_values("benchraw_")
    pending: dict[str, list[User]] = {}

    def prepare(prefix: str, with_phone: bool):
        def setup() -> None:
            delete_users("benchraw_")
            delete_users(prefix)
            pending[prefix] = new_users(prefix, with_phone=with_phone)

        return setup

    def orm_save(prefix: str):
        def run() -> None:
            with transaction.atomic():
                User.objects.bulk_create(pending[prefix])

        return run

    def raw_save() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert_sql, raw_rows)

    def clear_raw() -> None:
        delete_users("benchraw_")

    rows = [
        _common.compare(
            f"save {USERS} users with phone (bulk_create)",
            orm_save("benchenc_"),
            raw_save,
            floor_name=f"raw executemany INSERT of {USERS} rows, phone in clear",
            repeat=REPEAT_ORM,
            warmup=1,
            setup_real=prepare("benchenc_", True),
            setup_floor=clear_raw,
        ),
        _common.compare(
            f"save {USERS} users without phone (bulk_create)",
            orm_save("benchnop_"),
            raw_save,
            floor_name=f"raw executemany INSERT of {USERS} rows, phone in clear",
            repeat=REPEAT_ORM,
            warmup=1,
            setup_real=prepare("benchnop_", False),
            setup_floor=clear_raw,
        ),
    ]
    stored = User.objects.filter(username__startswith="benchenc_")
    assert stored.count() == USERS
    sample = stored.order_by("id").first()
    assert sample is not None and sample.phone == phone_for(0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [sample.pk])
        token, index = cursor.fetchone()
    assert token.startswith("v1$a$") and len(index) == 64, "phone not encrypted / indexed"

    # Loading: the users saved above (the last round of each) are in the table.
    def raw_load() -> list:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, phone FROM accounts_user WHERE username LIKE %s ORDER BY id",
                ["benchenc_%"],
            )
            return cursor.fetchall()

    def orm_load_phone() -> list:
        users = list(
            User.objects.filter(username__startswith="benchenc_").only("id", "phone").order_by("id")
        )
        assert len(users) == USERS
        return users

    def orm_load_plain() -> list:
        users = list(
            User.objects.filter(username__startswith="benchnop_")
            .only("id", "username")
            .order_by("id")
        )
        assert len(users) == USERS
        return users

    assert len(raw_load()) == USERS
    rows.append(
        _common.compare(
            f"load {USERS} users' phone (decrypt)",
            orm_load_phone,
            raw_load,
            floor_name=f"one raw SELECT id, phone of {USERS} rows",
            repeat=REPEAT,
        )
    )
    rows.append(
        _common.compare(
            f"load {USERS} users, no encrypted field",
            orm_load_plain,
            raw_load,
            floor_name=f"one raw SELECT id, phone of {USERS} rows",
            repeat=REPEAT,
        )
    )
    return rows


def main() -> None:
    _common.header("bench_crypto: field encryption and blind indexes")
    print(
        f"data volume: {OPS} calls per repetition for single values; "
        f"{USERS} users for the ORM figures; values {PHONE!r}, {ID_NUMBER!r}"
    )
    rows = per_value_rows() + orm_rows()
    _common.print_table(rows, "bench_crypto (times per call / per batch)")
    connection.close()


if __name__ == "__main__":
    main()
