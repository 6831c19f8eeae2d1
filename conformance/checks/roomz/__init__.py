"""Checks of the ROOMZ Connector API (RZ-*), one module per catalog section."""
from conformance.checks.roomz import auth, conventions, create, meetings, properties, rooms, update  # noqa: F401
