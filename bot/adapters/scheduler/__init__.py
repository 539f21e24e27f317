"""Check-ins on a schedule: the pass that sends what is due, run by `premortem serve` on a
thread (`start_scheduler`) or once by `premortem checkins run-due`.

Imported lazily: the `premortem` command loads this package for every command.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Scheduler", "start_scheduler"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot.adapters.scheduler import loop

        return getattr(loop, name)
    raise AttributeError(name)
