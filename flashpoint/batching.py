"""Cutting a stream into batches (itertools.batched is Python 3.12 and later)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items in order, the last one shorter; none for no items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
