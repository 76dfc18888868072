"""Model fields for personal information: encrypted at rest, searchable only by exact blind index."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from shequ.core import crypto


class EncryptedTextField(models.TextField):
    """Stores ``crypto.encrypt(value)``; reads back the plain string.

    Only ``isnull`` lookups are allowed: searching must go through a :class:`BlindIndexField`.
    An empty string is stored as the empty string (absence is not secret).
    """

    description = "Encrypted text"

    def __init__(self, *args: Any, sensitive: bool = False, **kwargs: Any) -> None:
        # ``sensitive``: PIPL Art. 28 sensitive personal information (health, disability, minors…).
        self.sensitive = sensitive
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, Any, Any, Any]:
        name, path, args, kwargs = super().deconstruct()
        if self.sensitive:
            kwargs["sensitive"] = True
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self.context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), context=self.context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.context} is encrypted: filter on its blind index, not with '{lookup_name}'"
            )
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """HMAC of another field's normalised value, kept in step on every save.

    ``kind`` names the kind of value (``"phone"``, ``"id_number"``): the same value gets the same index in
    every table, so a phone number finds both a resident's account and their registry record.
    """

    def __init__(
        self,
        *args: Any,
        source: str = "",
        kind: str = "",
        normalizer: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.source = source
        self.kind = kind
        self.normalizer = normalizer
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, Any, Any, Any]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        # Field.deconstruct names db_index only when it is true (Field's default is false); this
        # field's default is true, so an index turned off must be written out.
        kwargs["db_index"] = kwargs.get("db_index", False)
        for key, default in (
            ("max_length", 64),
            ("editable", False),
            ("db_index", True),
            ("blank", True),
        ):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def index_for(self, value: str | None) -> str:
        if not value:
            return ""
        normalised = self.normalizer(value) if self.normalizer else value.strip()
        return crypto.blind_index(self.kind, normalised)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.index_for(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value
