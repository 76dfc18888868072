"""Writing many rows fast: ``COPY`` on PostgreSQL, one prepared INSERT run for every row on SQLite.

For imports and computed tables of hundreds of thousands of rows, where ``bulk_create`` spends more
time building model instances than the database spends storing them. The values must already be in
the database's form (``get_db_prep_save``): nothing here runs a field's conversion, encryption or
default except for the columns left out.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model


def insert_rows(
    connection: Any, model: type[Model], names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples of prepared values for the columns ``names``, by attname); every other
    column gets its field's default, and a column with neither is an error.

    PostgreSQL: ``COPY`` (psycopg parses a multi-row VALUES statement with thousands of placeholders
    more slowly than the server inserts the rows); SQLite: one prepared INSERT run for every row.
    """
    if not rows:
        return
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    columns = list(names)
    constants: list[Any] = []
    for model_field in meta.concrete_fields:
        if model_field.attname in names or model_field.primary_key:
            continue
        if model_field.has_default():
            columns.append(model_field.attname)
            constants.append(
                model_field.get_db_prep_save(model_field.get_default(), connection=connection)
            )
        elif not model_field.null:
            raise ValueError(f"{meta.label}.{model_field.name}: no value and no default")
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    quoted = ", ".join(quote(by_attname[c].column) for c in columns)
    tail = tuple(constants)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw cursor: Django's wrapper has no COPY; its error translation is kept.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row((*row, *tail))
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})",  # noqa: S608
                [(*row, *tail) for row in rows],
            )
