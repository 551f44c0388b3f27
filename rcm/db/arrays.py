"""Many values as one array parameter, instead of Django's `__in` list (one placeholder per value, each
resolved by the ORM: about 0.1 s per 5,000 values, thousands of times in a batch of claims or an ERA).

Two shapes, because the planner treats them differently:
- `id_in(ids)` for any `__in=` lookup, joined ones included (`claim__patient_id__in=`): `IN (SELECT unnest(...))`.
- `any_of(Model, field, values, sql_type)`, a filter on the model's own column: `col = ANY(array)`, typed like
  the column so PostgreSQL can hash the array. ERA matching uses it: as the application role, one of its
  lookups in the subquery shape was planned badly (6 s).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.expressions import RawSQL


def id_in(ids: Iterable[int]) -> RawSQL:
    return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))


def any_of(model: type[models.Model], field: str, values: Iterable[Any], sql_type: str) -> RawSQL:
    column = f'"{model._meta.db_table}"."{model._meta.get_field(field).column}"'
    return RawSQL(f"{column} = ANY(%s::{sql_type}[])", [list(values)], output_field=models.BooleanField())  # noqa: S611
