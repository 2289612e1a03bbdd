"""Ctrl-C, SIGTERM and SIGHUP in the command line: one line, exit 128 + the signal, nothing left behind.

`caseseries` (cli.main) installs :func:`handler` for these signals before it imports anything
heavy. The first signal raises :class:`Interrupted` (a KeyboardInterrupt) where the main thread
is, so every ``with`` and ``finally`` on the way out runs: temporary folders and half-written
files are removed; later signals are ignored so that this clean-up is not cut short (make -j
sends Ctrl-C to every job; an impatient user presses it twice).

An exception raised by a signal handler is lost when Python happens to be running a finaliser
or a weakref callback at that moment (Python would print "Exception ignored in ..."; the
unraisable hook keeps that quiet for Interrupted). So the signal is also
recorded, and long waits (render.wait_for) and the end of every command call :func:`check`,
which raises it again: an interrupt is never lost.

Only the standard library is imported here: no module of the package.
"""

from __future__ import annotations

import signal
import sys
import threading

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
MESSAGE = "caseseries: interrupted"

_requested: list[int] = []  # the signal that asked this process to stop, once it came


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP: unwinds like Ctrl-C; ``signum`` gives the exit code (128 + signum)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def handler(signum, frame):
    if not _requested:
        _requested.append(signum)
    ignore()
    raise Interrupted(signum)


def ignore() -> None:
    """Ignore the signals from now on (the process is stopping)."""
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def requested() -> int | None:
    """The signal that asked this process to stop, or None."""
    return _requested[0] if _requested else None


def check() -> None:
    """Raise Interrupted if a stop was asked for (its exception may have been lost on the way)."""
    if _requested:
        raise Interrupted(_requested[0])


def _unraisable(info, default=sys.unraisablehook) -> None:
    """An Interrupted lost in a finaliser is recorded already (check() raises it again): print nothing."""
    if not isinstance(info.exc_value, Interrupted):
        default(info)


def install() -> dict:
    """Handle the signals (main thread only); return the handlers it replaced, for :func:`restore`."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    _requested.clear()
    sys.unraisablehook = _unraisable
    return {sig: signal.signal(sig, handler) for sig in SIGNALS}


def restore(previous: dict, process_ends: bool) -> None:
    """Put back the replaced handlers; when the process ends next, ignore the signals instead."""
    for sig, old in previous.items():
        # When the process ends next, the command is done: a late Ctrl-C changes nothing.
        signal.signal(sig, signal.SIG_IGN if process_ends else old)
