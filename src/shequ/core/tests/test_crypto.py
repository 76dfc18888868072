"""Field encryption, blind indexes and the encrypted model field.

The primitives are checked against published test vectors first, so that a green round trip cannot hide
a cipher that only agrees with itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import FieldError
from django.db import connection

from shequ.accounts.models import User
from shequ.core import crypto
from shequ.core.validators import normalize_phone

KEY_1 = b"\x11" * 32
KEY_2 = b"\x22" * 32
INDEX_KEY = b"\x33" * 32
PHONE = "13900000001"  # synthetic
CONTEXT = "accounts.User.phone"


def ring(
    active: str = "k1", *, cipher: str = "aes-256-gcm", index: str = "hmac-sha256", **keys: bytes
):
    return crypto.KeyRing(
        active=active,
        keys=keys or {"k1": KEY_1},
        index_key=INDEX_KEY,
        cipher=cipher,
        blind_index=index,
    )


def tamper(token: str, position: int) -> str:
    head, blob = token.rsplit("$", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[position] ^= 0x01
    return f"{head}${base64.b64encode(bytes(raw)).decode()}"


# --- Published test vectors -----------------------------------------------------------------------


def test_aes_256_gcm_published_vector_through_seal_and_open():
    # McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (256-bit key, 60-byte
    # plaintext, 20-byte AAD); the same values are in the NIST GCM validation examples.
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    iv = bytes.fromhex("cafebabefacedbaddecaf888")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plaintext = bytes.fromhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    )
    ciphertext = bytes.fromhex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
    )
    tag = bytes.fromhex("76fc6ece0f4e1768cddf8853bb2d551b")

    sealed = crypto._seal("aes-256-gcm", key, iv, plaintext, aad)

    assert sealed == ciphertext + tag
    assert crypto._open("aes-256-gcm", key, iv, sealed, aad) == plaintext


def test_sm4_block_cipher_published_vector():
    # GB/T 32907-2016, example 1: key = plaintext = 0123456789abcdeffedcba9876543210.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - one block, a KAT
    assert (
        encryptor.update(key) + encryptor.finalize()
    ).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gcm_published_vector_through_seal_and_open(monkeypatch):
    # RFC 8998, Appendix A.1 (SM4-GCM). Our SM4 key is derived from the 256-bit data key by HKDF; the
    # derivation is bypassed here so that the vector's key reaches the same seal/open code.
    monkeypatch.setattr(crypto, "_sm4_key", lambda key: key)
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    iv = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    ciphertext = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    tag = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")

    sealed = crypto._seal("sm4-gcm", key, iv, plaintext, aad)

    assert sealed == ciphertext + tag
    assert crypto._open("sm4-gcm", key, iv, sealed, aad) == plaintext


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        # GB/T 32905-2016, examples 1 and 2.
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
)
def test_sm3_published_vectors(message, digest):
    hasher = hashes.Hash(hashes.SM3())
    hasher.update(message)
    assert hasher.finalize().hex() == digest


# --- Encryption ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("cipher", "code"), [("aes-256-gcm", "a"), ("sm4-gcm", "s")])
def test_round_trip_records_algorithm_and_key_id(cipher, code):
    keys = ring(cipher=cipher)

    token = crypto.encrypt(PHONE, context=CONTEXT, ring=keys)

    prefix, alg, kid, _blob = token.split("$")
    assert (prefix, alg, kid) == ("v1", code, "k1")
    assert PHONE not in token
    assert crypto.key_id_of(token) == "k1"
    assert crypto.decrypt(token, context=CONTEXT, ring=keys) == PHONE


def test_round_trip_of_non_ascii_text():
    keys = ring()
    text = "徐州市鼓楼区示例小区1号楼"
    assert (
        crypto.decrypt(crypto.encrypt(text, context=CONTEXT, ring=keys), context=CONTEXT, ring=keys)
        == text
    )


def test_each_encryption_uses_a_fresh_nonce():
    keys = ring()
    assert crypto.encrypt(PHONE, context=CONTEXT, ring=keys) != crypto.encrypt(
        PHONE, context=CONTEXT, ring=keys
    )


def test_old_key_still_decrypts_after_a_new_key_becomes_active():
    old = ring("k1", k1=KEY_1)
    token = crypto.encrypt(PHONE, context=CONTEXT, ring=old)
    new = ring("k2", k1=KEY_1, k2=KEY_2)

    assert crypto.decrypt(token, context=CONTEXT, ring=new) == PHONE
    assert crypto.needs_rotation(token, new)
    assert not crypto.needs_rotation(token, old)
    assert crypto.key_id_of(crypto.encrypt(PHONE, context=CONTEXT, ring=new)) == "k2"


def test_a_change_of_cipher_also_needs_rotation():
    token = crypto.encrypt(PHONE, context=CONTEXT, ring=ring(cipher="aes-256-gcm"))
    assert crypto.needs_rotation(token, ring(cipher="sm4-gcm"))


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "sm4-gcm"])
@pytest.mark.parametrize("position", [0, 11, 12, -1])  # nonce, first ciphertext byte, tag
def test_a_flipped_byte_fails_authentication(cipher, position):
    keys = ring(cipher=cipher)
    token = crypto.encrypt(PHONE, context=CONTEXT, ring=keys)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tamper(token, position), context=CONTEXT, ring=keys)


def test_a_forged_algorithm_code_fails():
    keys = ring()
    token = crypto.encrypt(PHONE, context=CONTEXT, ring=keys)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token.replace("v1$a$", "v1$s$", 1), context=CONTEXT, ring=keys)


def test_a_value_copied_into_another_column_fails():
    keys = ring()
    token = crypto.encrypt(PHONE, context=CONTEXT, ring=keys)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="accounts.User.email", ring=keys)


def test_an_unknown_key_id_fails():
    token = crypto.encrypt(PHONE, context=CONTEXT, ring=ring("k2", k2=KEY_2))
    with pytest.raises(crypto.DecryptionError, match="not in the key ring"):
        crypto.decrypt(token, context=CONTEXT, ring=ring("k1", k1=KEY_1))


@pytest.mark.parametrize("junk", ["", PHONE, "v2$a$k1$AAAA", "v1$z$k1$AAAA", "v1$a$k1$not base64!"])
def test_something_that_is_not_a_ciphertext_fails(junk):
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(junk, context=CONTEXT, ring=ring())


def test_decryption_errors_do_not_echo_the_value():
    keys = ring()
    token = crypto.encrypt(PHONE, context=CONTEXT, ring=keys)
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(tamper(token, 20), context=CONTEXT, ring=keys)
    assert PHONE not in str(caught.value)
    assert token not in str(caught.value)


def test_key_ring_config_is_checked():
    good = {
        "active": "k1",
        "keys": {"k1": base64.b64encode(KEY_1).decode()},
        "index_key": base64.b64encode(INDEX_KEY).decode(),
    }
    assert crypto.KeyRing.from_config(good, cipher="sm4-gcm").cipher == "sm4-gcm"
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.KeyRing.from_config({**good, "keys": {"k1": base64.b64encode(b"short").decode()}})
    with pytest.raises(ValueError, match="unknown cipher"):
        crypto.KeyRing.from_config(good, cipher="des")
    with pytest.raises(ValueError, match="unknown blind index"):
        crypto.KeyRing.from_config(good, blind_index="md5")


# --- Blind index --------------------------------------------------------------------------------


def test_blind_index_is_the_documented_hmac_sha256():
    expected = hmac.new(INDEX_KEY, b"phone\x00" + PHONE.encode(), hashlib.sha256).hexdigest()
    assert crypto.blind_index("phone", PHONE, ring()) == expected


def test_blind_index_is_stable_and_separated_by_kind_and_key():
    keys = ring()
    first = crypto.blind_index("phone", PHONE, keys)
    assert crypto.blind_index("phone", PHONE, keys) == first
    assert crypto.blind_index("id_number", PHONE, keys) != first
    assert crypto.blind_index("phone", "13900000002", keys) != first
    other_key = crypto.KeyRing(active="k1", keys={"k1": KEY_1}, index_key=b"\x44" * 32)
    assert crypto.blind_index("phone", PHONE, other_key) != first


def test_blind_index_does_not_depend_on_the_data_key():
    assert crypto.blind_index("phone", PHONE, ring("k1", k1=KEY_1)) == crypto.blind_index(
        "phone", PHONE, ring("k2", k1=KEY_1, k2=KEY_2)
    )


def _sm3(data: bytes) -> bytes:
    hasher = hashes.Hash(hashes.SM3())
    hasher.update(data)
    return hasher.finalize()


def test_hmac_sm3_blind_index_matches_rfc_2104_over_sm3():
    # HMAC built by hand (RFC 2104, 64-byte block) on the SM3 checked against GB/T 32905 above.
    message = b"id_number\x00" + b"32030219900307123X"
    key = INDEX_KEY.ljust(64, b"\x00")
    inner = _sm3(bytes(b ^ 0x36 for b in key) + message)
    expected = _sm3(bytes(b ^ 0x5C for b in key) + inner).hex()

    got = crypto.blind_index("id_number", "32030219900307123X", ring(index="hmac-sm3"))

    assert got == expected
    assert got != crypto.blind_index("id_number", "32030219900307123X", ring())


# --- The model field ------------------------------------------------------------------------------


@pytest.fixture
def resident(db):
    return User.objects.create(
        username="crypto-test", full_name="测试", kind="resident", phone="+86 139-0000-0001"
    )


def test_the_column_holds_ciphertext_not_plaintext(resident):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [resident.pk])
        (stored,) = cursor.fetchone()

    assert stored.startswith("v1$a$t1$")
    assert PHONE not in stored
    assert crypto.decrypt(stored, context="accounts.User.phone") == "+86 139-0000-0001"
    assert User.objects.get(pk=resident.pk).phone == "+86 139-0000-0001"


def test_empty_value_is_stored_as_empty(db):
    user = User.objects.create(username="no-phone", full_name="测试")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [user.pk])
        assert cursor.fetchone() == ("", "")


@pytest.mark.parametrize("lookup", ["phone", "phone__exact", "phone__startswith", "phone__in"])
def test_filtering_on_the_encrypted_field_is_refused(resident, lookup):
    value = [PHONE] if lookup.endswith("__in") else PHONE
    with pytest.raises(FieldError, match="blind index"):
        User.objects.filter(**{lookup: value})


def test_isnull_lookup_is_allowed(resident):
    assert User.objects.filter(phone__isnull=False, pk=resident.pk).exists()


def test_blind_index_lookup_finds_the_user_whatever_the_spelling(resident):
    for spelling in ("13900000001", "+86 139 0000 0001", "139-0000-0001"):
        index = crypto.blind_index("phone", normalize_phone(spelling))
        assert User.objects.get(phone_index=index) == resident


@pytest.mark.parametrize(("options", "written"), [({}, None), ({"db_index": False}, False)])
def test_a_blind_index_field_writes_out_an_index_turned_off(options, written) -> None:
    from shequ.core.fields import BlindIndexField

    field = BlindIndexField(source="phone", kind="phone", **options)
    field.set_attributes_from_name("phone_index")

    _name, _path, _args, kwargs = field.deconstruct()

    assert kwargs.get("db_index") == written
    rebuilt = BlindIndexField(**kwargs)
    rebuilt.set_attributes_from_name("phone_index")
    assert rebuilt.deconstruct()[3] == kwargs
