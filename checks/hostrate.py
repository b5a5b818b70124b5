"""The per-host request rate shared by every checker process, kept in PostgreSQL.

Each worker process has its own fetcher; with only their own limiters, N workers send N times
CHECKER_PER_HOST_RATE to one host. Here every request first reserves the host's next slot in
one row of checks_hostrate (GCRA: the row holds the host's theoretical arrival time; one
upsert, row-locked for a moment), then sleeps until its slot. PostgreSQL is the one store every
set-up has (the filesystem broker has no Redis); the limiter has its own autocommit connection
in the fetch's event loop. If the database cannot be reached, each process falls back to its
own limiter (logged).
"""

import asyncio
import logging

import psycopg
from psycopg.conninfo import make_conninfo

from checks.fetch.fetcher import HostRateLimiter

logger = logging.getLogger(__name__)

_RESERVE = """
INSERT INTO checks_hostrate AS h (host, tat)
VALUES (%(host)s, clock_timestamp() + make_interval(secs => %(interval)s))
ON CONFLICT (host) DO UPDATE
    SET tat = greatest(h.tat, clock_timestamp()) + make_interval(secs => %(interval)s)
RETURNING extract(epoch FROM h.tat - clock_timestamp())::float8
"""


def database_conninfo() -> str:
    """The default database's connection string (the test database in tests)."""
    from django.db import connection

    settings = connection.settings_dict
    values = {
        "dbname": settings["NAME"],
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD"),
        "host": settings.get("HOST"),
        "port": settings.get("PORT"),
    }
    return make_conninfo(**{key: str(value) for key, value in values.items() if value})


class PostgresHostLimiter:
    """`rate` requests/s per host with bursts of `burst`, across every process using it."""

    def __init__(self, conninfo: str, rate: float, burst: int = 1) -> None:
        self.conninfo = conninfo
        self.interval = 1.0 / rate
        self.tolerance = self.interval * (burst - 1)
        self._connection: psycopg.AsyncConnection | None = None
        self._local: HostRateLimiter | None = None
        self._lock: asyncio.Lock | None = None

    async def _connect(self) -> psycopg.AsyncConnection:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._connection is None:
                self._connection = await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, connect_timeout=5
                )
        return self._connection

    async def reserve(self, host: str) -> float:
        """Take the host's next slot; seconds to wait for it."""
        if self._local is None:
            try:
                connection = await self._connect()
                cursor = await connection.execute(
                    _RESERVE, {"host": host.lower(), "interval": self.interval}
                )
                (after,) = await cursor.fetchone()
                return max(0.0, after - self.interval - self.tolerance)
            except psycopg.Error:
                logger.warning(
                    "Shared host rate unavailable; this process paces hosts alone", exc_info=True
                )
                self._local = HostRateLimiter(1.0 / self.interval, 1 + round(
                    self.tolerance / self.interval
                ))  # fmt: skip
        return self._local.reserve(host)

    async def wait(self, host: str) -> None:
        delay = await self.reserve(host)
        if delay > 0:
            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        self._lock = None  # bound to this event loop
