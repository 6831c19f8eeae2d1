"""The watchdog: every socket a request uses can be shut down when the request's time is up.

The connect and read timeouts of requests bound each socket operation only; a server that sends
one byte a second would keep every read alive forever. ``Watch.expire`` shuts the request's
sockets down whatever phase it is in (connect, TLS handshake, headers, body).
"""
from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING, Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

current = threading.local()   # the Watch of the request this thread is sending


class Watch:
    """The sockets of one request; ``expire`` shuts them down so any blocked read returns.

    Sockets are kept as duplicates of their descriptor: shutting a duplicate down stops the
    connection even after the original was wrapped for TLS (which detaches it), and the
    request's own socket objects are never touched from the timer thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dups: list[socket.socket] = []
        self.expired = False

    def add(self, sock: socket.socket) -> None:
        try:
            dup = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except (OSError, ValueError, AttributeError):
            return
        with self._lock:
            if self.expired:
                _shut(dup)
            self._dups.append(dup)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for dup in self._dups:
                _shut(dup)

    def release(self) -> None:
        with self._lock:
            dups, self._dups = self._dups, []
        for dup in dups:
            dup.close()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _watch(sock: socket.socket | None) -> None:
    watch = getattr(current, "watch", None)
    if watch is not None and sock is not None:
        watch.add(sock)


# The mix-in is used only in front of urllib3's connections: the type checker is told so.
if TYPE_CHECKING:
    _Connection = HTTPConnection
else:
    _Connection = object


class _Watched(_Connection):
    """urllib3 connection mix-in: every socket a request uses is handed to its watchdog."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(getattr(self, "sock", None))   # a kept-alive connection: no _new_conn this time
        super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


