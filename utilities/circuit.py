"""A circuit breaker: after a failure, stop calling a part that is away for a while.

Each process keeps its own state (no shared store: the part it guards may be that store).
Closed, calls go through; a failure opens the circuit for `pause` seconds, during which
`allows()` answers False at once; the first call after the pause tries again (half open) and
either closes the circuit or opens it for another pause.
"""

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(self, pause: float | Callable[[], float], clock=time.monotonic) -> None:
        self._pause = pause
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None

    @property
    def pause(self) -> float:
        return self._pause() if callable(self._pause) else self._pause

    def allows(self) -> bool:
        """Whether a call may go through now (closed, or the pause is over)."""
        with self._lock:
            return self._open_until is None or self._clock() >= self._open_until

    @property
    def is_open(self) -> bool:
        return not self.allows()

    def succeeded(self) -> None:
        with self._lock:
            self._open_until = None

    def failed(self) -> bool:
        """Open the circuit for a pause; True if it was closed before (a new outage)."""
        with self._lock:
            was_closed = self._open_until is None
            self._open_until = self._clock() + self.pause
            return was_closed

    def reset(self) -> None:
        self.succeeded()
