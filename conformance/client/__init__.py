"""The only way the suite talks HTTP.

Everything a server returns is hostile input: every request has a connect and read timeout,
every body is read with a size cap (after decompression, so a gzip bomb stops at the cap),
redirects are never followed (so credentials never travel to another host), transport errors
become an ``Exchange`` with ``error`` set instead of an exception, and every text that leaves
this layer for a report can be passed through ``Redactor`` so secrets never appear.
"""
from conformance.client.exchange import Exchange, TransportError
from conformance.client.redact import Redactor
from conformance.client.session import Client, Credentials

__all__ = ["Client", "Credentials", "Exchange", "TransportError", "Redactor"]
