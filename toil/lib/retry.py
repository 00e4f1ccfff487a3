"""Toil's ``toil.lib.retry`` import path: call again on errors that pass."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def retry(
    intervals: Iterable[float] | None = None,
    infinite_retries: bool = False,
    errors: Iterable[type[BaseException]] | None = None,
    log_message: tuple[Callable[..., Any], str] | None = None,
    prepare: Iterable[Callable[..., Any]] | None = None,
) -> Callable[[F], F]:
    """Call the function again after each interval while it raises one of ``errors``."""
    waits = list(intervals) if intervals is not None else [1, 1, 2, 4, 8, 16, 32, 64, 128]
    catch = tuple(errors) if errors is not None else (Exception,)
    before = list(prepare or [])

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            pending = list(waits)
            while True:
                for step in before:
                    step(*args, **kwargs)
                try:
                    return fn(*args, **kwargs)
                except catch as error:
                    if not pending and not infinite_retries:
                        raise
                    wait = pending.pop(0) if pending else waits[-1]
                    logger.info("Retrying %s in %ss after: %s", fn.__name__, wait, error)
                    time.sleep(wait)

        return call  # type: ignore[return-value]

    return decorate


def retry_flaky_test(prepare: Iterable[Callable[..., Any]] | None = None) -> Callable[[F], F]:
    """A test that may fail by chance: up to three tries."""
    return retry(intervals=[0, 0], errors=[AssertionError], prepare=prepare)


__all__ = ["retry", "retry_flaky_test"]
