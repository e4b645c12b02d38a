"""Small helpers the sections share: percentiles, and lists cut short where a report must summarise."""

import math
from dataclasses import dataclass
from typing import Any

LIST_LIMIT = 50


@dataclass(frozen=True)
class Listing:
    """The first `LIST_LIMIT` items of a list, and how many more there are."""

    items: list[Any]
    more: int

    def __len__(self) -> int:
        return len(self.items) + self.more


def listing(items: list[Any], limit: int = LIST_LIMIT) -> Listing:
    return Listing(items[:limit], max(0, len(items) - limit))


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the smallest value that `share` (0.5, 0.9) of the values do not exceed. Easy to say to a
    board ('nine in ten requests were answered within 21 days') and always one of the values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
