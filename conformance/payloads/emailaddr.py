"""E-mail address syntax (RMP-V1-EMAIL), offline: no DNS, no network.

Accepted: what a booking system can send mail to in practice, i.e. RFC 5321/5322 dot-atom local
part (Unicode letters allowed, RFC 6531), ``@``, a domain name of at least two labels whose labels
are letters, digits and inner hyphens (internationalised names through IDNA), at most 64
characters before the ``@`` and 254 in all. Not accepted, on purpose: quoted local parts
(``"john doe"@example.com``) and address literals (``user@[192.0.2.1]``), legal but never a
guest's address and a frequent sign of a mangled field.
"""
from __future__ import annotations

import re

from .text import show

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010FFFF]"
_LOCAL = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?")
_TLD = re.compile(r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9\-]{1,59})")


def problem(value: str) -> str | None:
    """None when ``value`` is a valid address, else "expected …, found …: why"."""
    why = _why(value)
    if why is None:
        return None
    return f"expected an e-mail address like \"guest@example.com\", found {show(value)}: {why}"


def _why(value: str) -> str | None:
    if value != value.strip():
        return "remove the spaces around it"
    if value == "[email protected]":
        return "this is Cloudflare's placeholder for an obfuscated address copied from a web page; put the real address"
    if any(c.isspace() for c in value):
        return "an address holds no spaces"
    if value.count("@") != 1:
        return "an address holds exactly one '@'" if value.count("@") else "there is no '@'"
    local, domain = value.split("@")
    if not local:
        return "nothing before the '@'"
    if not domain:
        return "nothing after the '@'"
    if len(local) > 64:
        return "more than 64 characters before the '@'"
    if len(value) > 254:
        return "longer than 254 characters"
    if local.startswith('"'):
        return "quoted local parts are not accepted"
    if not _LOCAL.fullmatch(local):
        if ".." in local or local.startswith(".") or local.endswith("."):
            return "dots before the '@' may not lead, trail or follow each other"
        return "the part before the '@' holds a character an address cannot hold"
    if domain.startswith("["):
        return "address literals such as [192.0.2.1] are not accepted"
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        return "the domain is not a valid internationalised domain name"
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        return "the domain has no dot (e.g. example.com)"
    if any(not _LABEL.fullmatch(label) for label in labels):
        return ("the domain holds an empty label, a character other than letters, digits and '-', or a label "
                "starting or ending with '-'")
    if not _TLD.fullmatch(labels[-1]):
        return f"{show(labels[-1])} is not a top-level domain"
    return None
