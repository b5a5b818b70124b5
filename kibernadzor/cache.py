"""The Redis cache, failing open: while Redis is away the site keeps serving.

Nothing Kibernadzor keeps in the cache is a record: the API throttles' request histories, and
whatever Django caches on the way. So when Redis cannot be reached, a read finds nothing and a
write keeps nothing, instead of the error reaching the request (before this, every API call
answered 500 while Redis was away, throttles being the first thing a call reads). The throttles
then let every call through, which is the lesser harm: they protect the database from runaway
scripts, and refusing every officer's submission is the outage they exist to prevent.

The first failure is logged (a warning with the error) and opens a circuit: for
`RETRY_SECONDS` (an OPTIONS key, default 5) no call tries Redis again, so a Redis that hangs
costs at most one short socket timeout per process per interval, not one per request. The
first call after the interval tries again; when Redis answers, its return is logged too.
Socket timeouts come from OPTIONS (`socket_connect_timeout`, `socket_timeout`: settings.py
sets both from REDIS_TIMEOUT_SECONDS).
"""

import logging
import threading
import time
from functools import partial

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class _Circuit:
    """One per Redis location and process (Django makes a cache object per thread)."""

    def __init__(self, location: str, retry_seconds: float):
        self.location = location
        self.retry_seconds = retry_seconds
        self.down_until = 0.0
        self.down = False
        self.lock = threading.Lock()

    def closed(self) -> bool:
        return not self.down or time.monotonic() >= self.down_until

    def failed(self, exc: Exception) -> None:
        with self.lock:
            first = not self.down
            self.down = True
            self.down_until = time.monotonic() + self.retry_seconds
        if first:
            logger.warning(
                "Cache unavailable (%s: %s): serving without it (throttles let calls through) "
                "and retrying every %.0f s",
                type(exc).__name__,
                exc,
                self.retry_seconds,
            )

    def succeeded(self) -> None:
        if self.down:
            with self.lock:
                was_down, self.down = self.down, False
            if was_down:
                logger.warning("Cache available again at %s", self.location)


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit_for(location: str, retry_seconds: float) -> _Circuit:
    with _circuits_lock:
        circuit = _circuits.get(location)
        if circuit is None:
            circuit = _circuits[location] = _Circuit(location, retry_seconds)
        circuit.retry_seconds = retry_seconds
        return circuit


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache whose operations answer "nothing cached" while Redis is away."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_seconds = float(options.pop("RETRY_SECONDS", RETRY_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._circuit = _circuit_for(",".join(self._servers), retry_seconds)

    def _guarded(self, operation, fallback):
        if not self._circuit.closed():
            return fallback
        try:
            result = operation()
        except RedisError as exc:
            self._circuit.failed(exc)
            return fallback
        self._circuit.succeeded()
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(partial(super().add, key, value, timeout, version), False)

    def get(self, key, default=None, version=None):
        return self._guarded(partial(super().get, key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guarded(partial(super().set, key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(partial(super().touch, key, timeout, version), False)

    def delete(self, key, version=None):
        return self._guarded(partial(super().delete, key, version), False)

    def get_many(self, keys, version=None):
        return self._guarded(partial(super().get_many, keys, version), {})

    def has_key(self, key, version=None):
        return self._guarded(partial(super().has_key, key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._guarded(partial(super().incr, key, delta, version), missing)
        if result is missing:  # as for a key that is not there (Django's contract)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that could not be stored.
        return self._guarded(partial(super().set_many, data, timeout, version), list(data))

    def delete_many(self, keys, version=None):
        self._guarded(partial(super().delete_many, keys, version), None)

    def clear(self):
        return self._guarded(partial(super().clear), False)

    def available(self) -> bool:
        """Does Redis answer now? For /healthz, which reports it without failing on it."""
        try:
            return bool(self._cache.get_client(None, write=False).ping())
        except RedisError:
            return False
