"""The watchdog: every socket a request uses can be shut down when the request's time is up.

The connect and read timeouts of requests bound each socket operation only; a server that sends
one byte a second would keep every read alive forever. ``Watch.expire`` shuts the request's
sockets down whatever phase it is in (TLS handshake, headers, body). What comes before a socket
exists is bounded here too: the name is resolved in a helper thread waited on for what is left
of the request's time (getaddrinfo itself cannot be interrupted), and each address is given
only what is left, so a name with several dead addresses still costs one timeout in all.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import _set_socket_options, allowed_gai_family

current = threading.local()   # the Watch of the request this thread is sending


class Watch:
    """The sockets of one request; ``expire`` shuts them down so any blocked read returns.

    Sockets are kept as duplicates of their descriptor: shutting a duplicate down stops the
    connection even after the original was wrapped for TLS (which detaches it), and the
    request's own socket objects are never touched from the timer thread.
    """

    def __init__(self, deadline: float | None = None) -> None:
        self._lock = threading.Lock()
        self._dups: list[socket.socket] = []
        self.expired = False
        self.deadline = deadline       # time.monotonic() by which the whole request must be done

    def left(self, default: float | None) -> float | None:
        """Seconds left of the request's time (never below a millisecond), or ``default``."""
        if self.deadline is None:
            return default
        return max(0.001, self.deadline - time.monotonic())

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


class DNSTimeout(TimeoutError):
    """The name did not resolve within the request's time."""


def resolve(host: str, port: int, within: float | None) -> list[Any]:
    """getaddrinfo, waited on for ``within`` seconds at most (an IP literal needs no lookup)."""
    family = allowed_gai_family()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    found: list[Any] = []
    failed: list[BaseException] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, family, socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            failed.append(exc)

    worker = threading.Thread(target=lookup, name=f"resolve {host[:40]}", daemon=True)
    worker.start()
    worker.join(within)
    if worker.is_alive():
        raise DNSTimeout(f"the name {host} did not resolve within {within:g} s")
    if failed:
        raise failed[0]
    return found


def dns_timed_out(exc: BaseException) -> bool:
    """Whether ``exc`` (a requests exception) wraps a DNSTimeout, however deep."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if isinstance(e, DNSTimeout):
            return True
        if id(e) in seen:
            continue
        seen.add(id(e))
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        todo += [x for x in (getattr(e, "reason", None), e.__cause__, e.__context__) if isinstance(x, BaseException)]
    return False


class _Watched(_Connection):
    """urllib3 connection mix-in: every socket a request uses is handed to its watchdog, and the
    name lookup and the connect attempts share the request's time."""

    def _new_conn(self) -> socket.socket:
        watch: Watch | None = getattr(current, "watch", None)
        default = self.timeout if isinstance(self.timeout, (int, float)) else None
        host = self._dns_host.strip("[]")
        try:
            addresses = resolve(host, self.port, watch.left(default) if watch else default)
        except DNSTimeout as exc:
            raise ConnectTimeoutError(self, str(exc)) from exc
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except (OSError, UnicodeError) as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        error: OSError | None = None
        for family, kind, proto, _, address in addresses:
            sock = socket.socket(family, kind, proto)
            try:
                _set_socket_options(sock, self.socket_options)
                sock.settimeout(watch.left(default) if watch else default)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect(address)
            except TimeoutError as exc:
                sock.close()
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from exc
            except OSError as exc:
                sock.close()
                error = exc
                continue
            sock.settimeout(default)
            _watch(sock)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {error or 'no address'}")

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


