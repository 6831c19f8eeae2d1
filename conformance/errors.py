"""The suite's own errors: one tree, each class an exit code of docs/interface.md.

``ConformanceError`` is the root of every error the suite raises on purpose (a bug is any other
exception). Below it:

- ``UsageError`` (exit 2): an option, a file or a folder the user named cannot be used; found
  before anything is sent (``BaselineError``, ``DiffError``, ``OptionError`` are kinds of it).
- ``ConfigurationError`` (exit 2): a slip in configuring the run, found against the server
  (credentials refused, a room or an organizer it does not know, a proxy that does not carry the
  run). Never a verdict about the server; told once, in one sentence saying what to fix.
- ``Unreachable`` (exit 3): the target could not be reached at all.

What checks raise to say "cannot verify" (``checks.model.Blocked``) is not an error: it is a
verdict's reason, and it stays out of this tree.
"""
from __future__ import annotations


class ConformanceError(Exception):
    """An error the suite raises on purpose; its message is one sentence for the user."""


class UsageError(ConformanceError, ValueError):
    """An option, file or folder the user named cannot be used: exit 2."""


class ConfigurationError(ConformanceError):
    """The run is configured wrongly (credentials, room, organizer, base URL, API, proxy): exit 2,
    one sentence saying what to fix. Never a verdict about the server."""


class Unreachable(ConformanceError):
    """The target could not be reached at all (exit 3); the message is one sentence for the user."""
