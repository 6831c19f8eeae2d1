"""What the runner needs to know about one contract, in one place per API.

An ``ApiProfile`` carries the authentication scheme (the headers valid credentials become, the
placeholders of reproduce lines), the discovery to build, the preflight, the requirements a run
leaves out on purpose, the release of what a run created and the root-cause analysis. The
runner and the client know no API by name: they ask the profile.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from conformance.client import Placeholder
from conformance.errors import ConfigurationError, Unreachable

__all__ = ["ApiProfile", "ConfigurationError", "Credential", "RootCause", "Unreachable", "api_profile"]

if TYPE_CHECKING:
    from conformance.checks.model import Discovery
    from conformance.client import Client, Exchange
    from conformance.options import RunOptions
    from conformance.results import Ledger


D = TypeVar("D", bound="Discovery")


@dataclass(frozen=True)
class RootCause:
    """One cause that explains several findings: said once, at the top of the report."""

    summary: str                  # "no call was ever refused: authentication appears to be off"
    explains: tuple[str, ...]     # the requirements whose findings it explains

    @staticmethod
    def failed(ledger: Ledger, *rids: str) -> tuple[str, ...]:
        """Those of ``rids`` with a finding: a cause explains only what actually failed."""
        return tuple(r for r in rids if ledger[r].findings)

    @staticmethod
    def failed_on_5xx(ledger: Ledger, *rids: str) -> tuple[str, ...]:
        """Those of ``rids`` with a finding on a 5xx answer: a crash explains only those (an
        empty import answered 200 [] is another mistake, fixed elsewhere)."""
        return tuple(r for r in rids if any(f.response.startswith("HTTP 5") for f in ledger[r].findings))

    @classmethod
    def authentication_off(cls, ledger: Ledger, traffic: list[Exchange], rids: tuple[str, ...]) -> RootCause | None:
        """Most calls with missing or wrong credentials were accepted: one cause, not one per probe."""
        probes = [ex for ex in traffic if ex.auth.startswith("probe:") and ex.status is not None]
        accepted = [ex for ex in probes if ex.ok]
        if len(probes) < 3 or len(accepted) < 0.75 * len(probes):
            return None
        return cls(f"{len(accepted)} of {len(probes)} calls with missing or wrong credentials were accepted: "
                   "authentication appears to be off", cls.failed(ledger, *rids))


@dataclass(frozen=True)
class Credential:
    option: str      # RunOptions attribute
    env: str         # its environment variable, the placeholder in reproduce lines
    flag: str        # its command-line option


@dataclass(frozen=True)
class ApiProfile(Generic[D]):
    """``D`` is the API's Discovery: the profile builds it and its functions take it back."""

    name: str
    title: str
    checks_module: str                                   # imported once: registers the checks
    credentials: tuple[Credential, ...]                  # required to certify
    auth_headers: Callable[[RunOptions], dict[str, str]]
    discovery: Callable[[Client, RunOptions, Callable[[str], None]], D]
    preflight: Callable[[D], None]                     # raises ConfigurationError
    exclusions: Callable[[RunOptions], dict[str, str]]  # requirement -> why it is left out
    release: Callable[[D], list[str]]                  # problems releasing what the run created
    root_causes: Callable[[Ledger, D, list[Exchange]], list[RootCause]]
    looks_like: Callable[[Client], bool]               # does an unauthenticated probe look like this API?
    owners: dict[str, str] = field(default_factory=dict)  # operationId -> the requirement its call answers to
    mask_as_variable: tuple[str, ...] = field(default=())  # credentials shown as $VAR even in text

    def placeholders(self, options: RunOptions) -> list[Placeholder]:
        from conformance.options import BY_NAME

        out = []
        for c in self.credentials + _OPTIONAL.get(self.name, ()):
            value = getattr(options, c.option)
            if value:
                option = BY_NAME.get(c.option.replace("_", "-"))
                out.append(Placeholder(str(value), f"${c.env}", secret=option is None or option.secret))
        return out

    def missing_credentials(self, options: RunOptions) -> list[Credential]:
        return [c for c in self.credentials if not getattr(options, c.option)]


_OPTIONAL: dict[str, tuple[Credential, ...]] = {
    "roomonitor": (Credential("login_email", "ROOMONITOR_LOGIN_EMAIL", "--login-email"),
                   Credential("login_password", "ROOMONITOR_LOGIN_PASSWORD", "--login-password")),
}
_MODULES = {"roomz": "conformance.checks.roomz", "roomonitor": "conformance.checks.roomonitor"}


def api_profile(name: str) -> ApiProfile[Discovery]:
    """The profile of ``roomz`` or ``roomonitor`` (importing its checks registers them). The
    runner sees any API's Discovery as a Discovery: it only hands back what the profile built."""
    module = importlib.import_module(_MODULES[name])
    profile: ApiProfile[Discovery] = module.PROFILE
    return profile
