"""The one progress bar every long loop uses: tqdm on stderr, refreshed at most every 2 seconds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")

MIN_INTERVAL_S = 2.0


def progress(items: Iterable[T], desc: str, enabled: bool = True) -> tqdm:
    """Iterate `items` with a bar labelled `desc`; `enabled=False` on non-main DDP ranks.

    The bar is a tqdm, so a loop can show its loss with `bar.set_postfix(...)`.
    """
    return tqdm(items, desc=desc, mininterval=MIN_INTERVAL_S, disable=not enabled)
