"""Turning table rows into the frozen dataclasses the store hands out."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def record(cls: type[T], row: dict[str, Any], **convert: Any) -> T:
    """Build `cls` from the row's columns named like its fields; `convert` maps field -> fn."""
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = row.get(f.name)
        if f.name in convert and value is not None:
            value = convert[f.name](value)
        values[f.name] = value
    return cls(**values)
