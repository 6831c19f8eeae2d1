"""Checks of the ROOMZ Connector API (RZ-*), one module per catalog section."""
from conformance.checks.roomz import (  # noqa: F401
    auth,
    conventions,
    create,
    meetings,
    properties,
    rooms,
    update,
)
