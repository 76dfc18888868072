"""Re-encrypt stored personal data under the key ring's active key and cipher.

Used by ``shequ manage rotate_keys`` after a new data key has been added to the ring and made active (or
after ``SHEQU_CIPHER`` changed). Every concrete ``EncryptedTextField`` of every installed app is walked in
primary-key order, one transaction per batch; only values that ``crypto.needs_rotation`` flags are
rewritten, so a second run finds nothing to do and an interrupted run can simply be started again.

Nothing here reads, logs or returns a plain value: reports carry labels, counts and primary keys only.
The blind-index key is not rotated here; changing it means recomputing every index from the plain values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import ExpressionWrapper, F

from shequ.core import audit, crypto
from shequ.core.fields import EncryptedTextField
from shequ.core.models import AuditOutcome

DEFAULT_BATCH_SIZE = 500
FAILED_PKS_KEPT = 20
_RAW = "_shequ_raw_ciphertext"


@dataclasses.dataclass
class RotationReport:
    """What happened to one encrypted column. ``rotated`` counts values re-encrypted, or in a dry run
    the values that would be."""

    model: str
    field: str
    values: int = 0
    rotated: int = 0
    failed: int = 0
    failed_pks: list[str] = dataclasses.field(default_factory=list)
    dry_run: bool = False

    @property
    def label(self) -> str:
        return f"{self.model}.{self.field}"


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column, once: the fields stored in each managed, non-proxy model's own table (a
    multi-table child does not repeat its parent's columns; an unmanaged model may be a database view)."""
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for model_field in meta.local_concrete_fields:
            if isinstance(model_field, EncryptedTextField):
                yield model, model_field


def _raw(model_field: EncryptedTextField) -> ExpressionWrapper:
    # Typed as a plain TextField so the stored ciphertext comes back as it is, without the field's
    # decrypting converter and without its refusal of lookups.
    return ExpressionWrapper(F(model_field.attname), output_field=models.TextField())


def _stale(
    model: type[models.Model], model_field: EncryptedTextField, ring: crypto.KeyRing, using: str
) -> models.QuerySet:
    """Non-empty values not already under the active key and cipher. ``needs_rotation`` still decides
    for each row; this only keeps current rows out of the batches."""
    current = f"{crypto.PREFIX}${crypto.ALG_CODES[ring.cipher]}${ring.active}$"
    return (
        model._base_manager.using(using)
        .annotate(**{_RAW: _raw(model_field)})
        .exclude(**{f"{_RAW}__isnull": True})
        .exclude(**{_RAW: ""})
        .exclude(**{f"{_RAW}__startswith": current})
    )


def _count_values(model: type[models.Model], model_field: EncryptedTextField, using: str) -> int:
    return (
        model._base_manager.using(using)
        .annotate(**{_RAW: _raw(model_field)})
        .exclude(**{f"{_RAW}__isnull": True})
        .exclude(**{_RAW: ""})
        .count()
    )


def _rotate_field(
    model: type[models.Model],
    model_field: EncryptedTextField,
    *,
    ring: crypto.KeyRing,
    batch_size: int,
    dry_run: bool,
    using: str,
) -> RotationReport:
    report = RotationReport(
        model=model._meta.label,
        field=model_field.name,
        values=_count_values(model, model_field, using),
        dry_run=dry_run,
    )
    pk_name = model._meta.pk.attname
    lock = connections[using].features.has_select_for_update and not dry_run
    last_pk = None
    while True:
        with transaction.atomic(using=using):
            batch = _stale(model, model_field, ring, using).order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            if lock:
                batch = batch.select_for_update()
            rows = list(batch.values_list("pk", _RAW)[:batch_size])
            if not rows:
                break
            last_pk = rows[-1][0]
            updated = []
            for pk, token in rows:
                try:
                    if not crypto.needs_rotation(token, ring):
                        continue
                    plain = crypto.decrypt(token, context=model_field.context, ring=ring)
                except crypto.DecryptionError:
                    report.failed += 1
                    if len(report.failed_pks) < FAILED_PKS_KEPT:
                        report.failed_pks.append(str(pk))
                    continue
                report.rotated += 1
                if not dry_run:
                    # The field's get_prep_value encrypts the plain value under the active key.
                    updated.append(
                        model.from_db(using, [pk_name, model_field.attname], [pk, plain])
                    )
            if updated:
                model._base_manager.using(using).bulk_update(updated, [model_field.name])
        if len(rows) < batch_size:
            break
    return report


def rotate(
    batch_size: int = DEFAULT_BATCH_SIZE, dry_run: bool = False, *, using: str = DEFAULT_DB_ALIAS
) -> list[RotationReport]:
    """Re-encrypt every stale value of every encrypted column; one report per column."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ring = crypto.keyring()
    reports = [
        _rotate_field(
            model, model_field, ring=ring, batch_size=batch_size, dry_run=dry_run, using=using
        )
        for model, model_field in encrypted_fields()
    ]
    changed = [r for r in reports if r.rotated or r.failed]
    if changed and not dry_run:
        rotated = sum(r.rotated for r in reports)
        failed = sum(r.failed for r in reports)
        with transaction.atomic(using=using):
            audit.record(
                "core.rotate_keys",
                actor_name="system:rotate_keys",
                object_type="core.KeyRing",
                object_id=ring.active,
                object_repr=f"{ring.active} ({ring.cipher})",
                fields=[r.label for r in changed],
                reason=f"re-encrypted {rotated}, failed {failed}",
                outcome=AuditOutcome.FAILURE if failed else AuditOutcome.SUCCESS,
            )
    return reports
