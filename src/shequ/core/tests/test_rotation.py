"""Key rotation: ``rotation.rotate`` and ``shequ manage rotate_keys``. Phone numbers are synthetic."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from shequ.accounts.models import User
from shequ.core import crypto, rotation
from shequ.core.models import AuditEvent

T1 = base64.b64encode(b"\x01" * 32).decode()  # the test settings' key "t1"
T2 = base64.b64encode(b"\x07" * 32).decode()
INDEX = base64.b64encode(b"\x02" * 32).decode()  # unchanged: blind indexes stay valid
RING_T2 = {"active": "t2", "keys": {"t1": T1, "t2": T2}, "index_key": INDEX}
PHONES = ["13900000001", "13900000002", "13900000003"]


def raw_phones() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, phone FROM accounts_user WHERE phone <> '' ORDER BY id")
        return dict(cursor.fetchall())


def report_for(reports: list[rotation.RotationReport], label: str) -> rotation.RotationReport:
    (found,) = [r for r in reports if r.label == label]
    return found


@pytest.fixture
def users(db):
    made = [
        User.objects.create(username=f"rotation-{i}", full_name="测试", phone=phone)
        for i, phone in enumerate(PHONES)
    ]
    User.objects.create(username="rotation-empty", full_name="测试")  # no phone: nothing to rotate
    assert all(token.startswith("v1$a$t1$") for token in raw_phones().values())
    return made


def test_every_encrypted_field_is_found():
    labels = {f"{model._meta.label}.{field.name}" for model, field in rotation.encrypted_fields()}
    assert "accounts.User.phone" in labels


def test_rotation_moves_values_to_the_new_active_key(users):
    with override_settings(SHEQU_DATA_KEYS=RING_T2):
        reports = rotation.rotate(batch_size=2)

        report = report_for(reports, "accounts.User.phone")
        assert (report.values, report.rotated, report.failed) == (3, 3, 0)
        stored = raw_phones()
        assert len(stored) == 3
        assert all(token.startswith("v1$a$t2$") for token in stored.values())
        assert [User.objects.get(pk=u.pk).phone for u in users] == PHONES
        index = crypto.blind_index("phone", PHONES[1])
        assert User.objects.get(phone_index=index) == users[1]


def test_a_second_run_rotates_nothing(users):
    with override_settings(SHEQU_DATA_KEYS=RING_T2):
        rotation.rotate(batch_size=2)
        after_first = raw_phones()

        again = report_for(rotation.rotate(batch_size=2), "accounts.User.phone")

        assert (again.values, again.rotated) == (3, 0)
        assert raw_phones() == after_first


def test_a_dry_run_changes_nothing(users):
    before = raw_phones()
    with override_settings(SHEQU_DATA_KEYS=RING_T2):
        report = report_for(rotation.rotate(dry_run=True), "accounts.User.phone")

    assert (report.rotated, report.dry_run) == (3, True)
    assert raw_phones() == before
    assert not AuditEvent.objects.filter(action="core.rotate_keys").exists()


def test_nothing_to_do_when_the_active_key_is_unchanged(users):
    before = raw_phones()
    report = report_for(rotation.rotate(), "accounts.User.phone")
    assert report.rotated == 0
    assert raw_phones() == before


def test_a_change_of_cipher_is_rotated_too(users):
    with override_settings(SHEQU_CIPHER="sm4-gcm"):
        report = report_for(rotation.rotate(), "accounts.User.phone")

        assert report.rotated == 3
        assert all(token.startswith("v1$s$t1$") for token in raw_phones().values())
        assert [User.objects.get(pk=u.pk).phone for u in users] == PHONES


def test_the_run_is_audited_without_values(users):
    with override_settings(SHEQU_DATA_KEYS=RING_T2):
        rotation.rotate()

    event = AuditEvent.objects.get(action="core.rotate_keys")
    assert event.object_id == "t2"
    assert event.fields == ["accounts.User.phone"]
    assert event.outcome == "success"
    recorded = " ".join(str(v) for v in (event.object_repr, event.reason, event.fields))
    assert not any(phone in recorded for phone in PHONES)


def test_undecryptable_values_are_counted_and_skipped(users):
    foreign = crypto.encrypt(
        "13900000009",
        context="accounts.User.phone",
        ring=crypto.KeyRing(active="gone", keys={"gone": b"\x09" * 32}, index_key=b"\x02" * 32),
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET phone = %s WHERE id = %s", [foreign, users[0].pk])

    with override_settings(SHEQU_DATA_KEYS=RING_T2):
        report = report_for(rotation.rotate(batch_size=1), "accounts.User.phone")

    assert (report.rotated, report.failed, report.failed_pks) == (2, 1, [str(users[0].pk)])
    assert raw_phones()[users[0].pk] == foreign
    assert AuditEvent.objects.get(action="core.rotate_keys").outcome == "failure"


def test_batch_size_must_be_positive(db):
    with pytest.raises(ValueError, match="batch_size"):
        rotation.rotate(batch_size=0)
    with pytest.raises(CommandError, match="batch-size"):
        call_command("rotate_keys", "--batch-size", "0", stdout=io.StringIO())


# --- The command ----------------------------------------------------------------------------------


def test_command_reports_counts_and_never_a_value(users, capsys):
    out = io.StringIO()
    with override_settings(SHEQU_DATA_KEYS=RING_T2):
        call_command("rotate_keys", "--batch-size", "2", stdout=out)
        second = io.StringIO()
        call_command("rotate_keys", stdout=second)

    text = out.getvalue()
    assert "active key t2" in text
    assert "accounts.User.phone: re-encrypted 3 of 3 values" in text
    assert "accounts.User.phone: re-encrypted 0 of 3 values" in second.getvalue()
    printed = text + second.getvalue() + "".join(capsys.readouterr())
    for phone in PHONES:
        assert phone not in printed
        assert phone[-4:] + "\n" not in printed
    assert "v1$" not in printed


def test_command_dry_run(users):
    before = raw_phones()
    out = io.StringIO()
    with override_settings(SHEQU_DATA_KEYS=RING_T2):
        call_command("rotate_keys", "--dry-run", stdout=out)

    assert "(dry run)" in out.getvalue()
    assert "accounts.User.phone: would re-encrypt 3 of 3 values" in out.getvalue()
    assert raw_phones() == before


def test_command_fails_when_a_value_cannot_be_decrypted(users):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET phone = %s WHERE id = %s", ["v1$a$gone$AAAA", users[2].pk]
        )
    out = io.StringIO()
    with (
        override_settings(SHEQU_DATA_KEYS=RING_T2),
        pytest.raises(CommandError, match=r"could not be decrypted.*: 1\."),
    ):
        call_command("rotate_keys", stdout=out)

    assert f"could not be decrypted (pk {users[2].pk})" in out.getvalue()
