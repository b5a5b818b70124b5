"""Imported first by a process a test starts (a Celery worker): nothing it does leaves the
machine. Resolving or connecting to anything but loopback is refused, and each attempt is
written to the file named by KBZ_OUTSIDE_ATTEMPTS, which the test reads.

    python -c "import tests.checks.loopback_only; ..." """

import ipaddress
import os
import socket

_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _record(what: str) -> None:
    with open(os.environ["KBZ_OUTSIDE_ATTEMPTS"], "a", encoding="utf-8") as attempts:
        attempts.write(what + "\n")


def _loopback(host) -> bool:
    if host is None or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host).is_loopback
    except ValueError:
        return False  # a name other than localhost


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _record(f"resolve {host}")
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: outside the machine, refused")
    return _getaddrinfo(host, *args, **kwargs)


def _outside(sock, address) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0])


def connect(self, address):
    if _outside(self, address):
        _record(f"connect {address[0]}")
        raise ConnectionRefusedError(f"{address[0]}: outside the machine, refused")
    return _connect(self, address)


def connect_ex(self, address):
    if _outside(self, address):
        _record(f"connect {address[0]}")
        return 111  # ECONNREFUSED
    return _connect_ex(self, address)


socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
