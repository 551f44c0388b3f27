"""Build pydantic models from values that are already typed, without validating them again.

The X12 readers make a few hundred thousand small models from a 10 MB file; pydantic's `__init__`
(and `model_construct`, which loops over the fields in Python) cost about as much as reading the file.
The readers type every value themselves (text, `Decimal`, dates, lists), so validation would only repeat
their work. Use `build` only for such values; anything from outside goes through the model's `__init__`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

_M = TypeVar("_M", bound=BaseModel)
_SCALAR_DEFAULTS: dict[type, dict[str, Any]] = {}


def build(cls: type[_M], **values: Any) -> _M:
    """An instance of `cls` holding `values` and the scalar defaults of the fields not given.

    List and dict fields (whose defaults are factories) must be passed: a shared default would be mutable.
    """
    defaults = _SCALAR_DEFAULTS.get(cls)
    if defaults is None:
        defaults = _SCALAR_DEFAULTS[cls] = _scalar_defaults(cls)
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", {**defaults, **values})
    object.__setattr__(m, "__pydantic_fields_set__", set(values))
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


def _scalar_defaults(cls: type[BaseModel]) -> dict[str, Any]:
    return {name: f.default for name, f in cls.model_fields.items()
            if not f.is_required() and f.default_factory is None}
