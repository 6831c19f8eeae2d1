"""What a run keeps of the answers it got: bounded in count and in bytes, whatever the server sends.

A check reads the answers it just asked for; the reports need little of the older ones (an
excerpt, the first 64 KiB in traffic.har). So only the latest answers keep their parse (a parsed
answer holds ten times its bytes), only the latest keep their whole body, and both are bounded in
bytes as well as in count: a server answering --max-body on every request (a 200 MB body cut at
the cap, a gzip bomb) costs the run a few caps of memory, not one per request. An answer over the
cap is unusable from the start: the client keeps only KEEP_UNUSABLE bytes of it.

``release_large_buffers`` asks glibc's allocator to give every large buffer back to the system
when it is freed: by default glibc raises its mmap threshold to the size of the last large block
freed, after which the next bodies of --max-body come from the heap, whose holes small objects
then pin (a run against a 10 MB gzip bomb held 80 MB more for that alone).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable

from conformance.client.exchange import Exchange

KEEP_PARSED = 4                      # the last answers whose parse is kept: the checks reading them now
KEEP_PARSED_BYTES = 16 * 1024 ** 2   # ... unless their bodies add up to more (the newest keeps it anyway)
KEEP_WHOLE = 32                      # the last answers kept whole: the checks that asked may still read them
KEEP_WHOLE_BYTES = 48 * 1024 ** 2    # ... unless they add up to more (the newest KEEP_PARSED stay whole anyway)
KEEP_BODY = 256 * 1024               # what an older answer keeps of its body (traffic.har shows 64 KiB)
KEEP_UNUSABLE = 64 * 1024            # what an answer over --max-body keeps at once: what traffic.har shows of it


class Retention:
    """Sheds the older answers of a run as new ones arrive (``add`` each, in order).

    ``on_forget`` is called with an answer just before its parse is dropped (the engine keeps the
    outline of a big answer for the replay then, while the parse is at hand)."""

    def __init__(self, on_forget: Callable[[Exchange], None] | None = None) -> None:
        self.on_forget = on_forget
        self._parsed: deque[Exchange] = deque()
        self._parsed_bytes = 0
        self._whole: deque[Exchange] = deque()
        self._whole_bytes = 0

    def add(self, ex: Exchange) -> None:
        size = len(ex.body)
        self._parsed.append(ex)
        self._parsed_bytes += size
        self._whole.append(ex)
        self._whole_bytes += size
        while len(self._parsed) > KEEP_PARSED or (self._parsed_bytes > KEEP_PARSED_BYTES and len(self._parsed) > 1):
            old = self._parsed.popleft()
            self._parsed_bytes -= len(old.body)
            if self.on_forget is not None:
                self.on_forget(old)
            old.forget()
        while len(self._whole) > KEEP_WHOLE or (self._whole_bytes > KEEP_WHOLE_BYTES
                                                 and len(self._whole) > KEEP_PARSED):
            old = self._whole.popleft()
            self._whole_bytes -= len(old.body)
            old.shed(KEEP_BODY)


_released = False


def release_large_buffers(threshold: int = 1024 * 1024) -> None:
    """Fix glibc's mmap threshold at ``threshold`` bytes (mallopt M_MMAP_THRESHOLD), so the buffers of
    big answers go back to the system when freed. Elsewhere (not glibc), nothing to do."""
    import ctypes
    import ctypes.util
    import sys

    global _released
    if _released or not sys.platform.startswith("linux"):
        return
    _released = True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, threshold)   # M_MMAP_THRESHOLD
    except (OSError, AttributeError):   # not glibc (musl has no mallopt): its allocator decides
        pass
