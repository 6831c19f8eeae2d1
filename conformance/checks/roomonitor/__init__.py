"""Checks of the Roomonitor booking import API (RM-*), one module per concern."""
from conformance.checks.roomonitor import auth, conventions, imports, properties, rooms  # noqa: F401
