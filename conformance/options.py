"""The run options, declared once.

``OPTIONS`` is the one list every entry path derives from: ``conformance run``'s command line,
the pytest route's ``--conformance-*`` options, the environment variables, and the
configuration file. A value comes from the first of: the command line, the environment, the
configuration file, the default (docs/interface.md, "Options of run").
"""
from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from conformance.client.limits import DEFAULT_MAX_BODY
from conformance.profiles import PROFILES as PROFILE_SETTINGS
from conformance.profiles import setting

PROFILES = tuple(PROFILE_SETTINGS)
APIS = ("roomz", "roomonitor")
DEFAULT_SEED = 20261121


class OptionError(ValueError):
    """A value an option cannot take; the message names the option and says what it expects."""


# -- value parsers: each turns the text a user typed into the value, or raises OptionError ----
def _text(value: object) -> object:
    return value


def _scalar(value: object) -> str | float:
    """A number or its text, for float() and int(); anything else is the TypeError they raise."""
    if isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"not a number: {value!r}")


def _positive(value: object) -> float:
    try:
        number = float(_scalar(value))
    except (TypeError, ValueError):
        raise OptionError(f"expected a number of seconds, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise OptionError(f"expected a positive number, got {value!r}")
    return number


def _positive_int(value: object) -> int:
    if isinstance(value, bool):
        raise OptionError(f"expected a whole number, got {value!r}")
    try:
        number = int(_scalar(value))
    except (TypeError, ValueError):
        raise OptionError(f"expected a whole number, got {value!r}") from None
    if number <= 0:
        raise OptionError(f"expected a positive number, got {value!r}")
    return number


def _int(value: object) -> int:
    if isinstance(value, bool):
        raise OptionError(f"expected a whole number, got {value!r}")
    try:
        return int(_scalar(value))
    except (TypeError, ValueError):
        raise OptionError(f"expected a whole number, got {value!r}") from None


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise OptionError(f"expected true or false, got {value!r}")


def base_url_problem(url: str) -> str | None:
    """Why a base URL cannot be a target, or None. A typo must be exit 2, not 'unreachable'."""
    if not url.lower().startswith(("http://", "https://")):
        return f"must start with http:// or https://, got {url!r}"
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError for a port out of range
    except ValueError as exc:
        return f"{url!r} is not a usable URL ({exc})"
    if not parts.hostname or " " in parts.netloc:
        return f"{url!r} names no host"
    if parts.query or parts.fragment:
        return f"{url!r} carries a query or fragment; give the base only (a path prefix is fine)"
    if parts.username is not None or parts.password is not None:
        # requests would send these on every call, over the suite's own probes without or with
        # wrong credentials: every authentication verdict would be wrong, and the URL is printed.
        return ("the base URL carries credentials (user:password@); give the URL without them and the "
                "credentials as --username/--password or their environment variables")
    return None


def _url(value: object) -> str:
    text = str(value)
    problem = base_url_problem(text)
    if problem:
        raise OptionError(problem)
    return text


def _choice(choices: tuple[str, ...]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if value not in choices:
            raise OptionError(f"expected one of {', '.join(choices)}, got {value!r}")
        return str(value)
    return parse


def _rate(value: object) -> float:
    """'5/s', '120/min', '2' (per second) -> requests per second."""
    text = str(value).strip().lower().replace(" ", "")
    number, _, unit = text.partition("/")
    seconds = {"": 1.0, "s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0}.get(unit)
    try:
        count = float(number)
    except ValueError:
        count = -1.0
    if seconds is None or not math.isfinite(count) or count <= 0:
        raise OptionError(f"expected a rate such as 5/s or 120/min, got {value!r}")
    return count / seconds


def _existing_file(value: object) -> str:
    if not Path(str(value)).is_file():
        raise OptionError(f"{value}: no such file")
    return str(value)


@dataclass(frozen=True)
class Option:
    """One run option: its long name (``--name`` on the command line, ``name`` in the
    configuration file, ``--conformance-name`` under pytest), the ``RunOptions`` attribute it
    sets, and how its text becomes a value."""

    name: str
    help: str
    parse: Callable[[object], object] = _text
    env: str | None = None
    flag: bool = False            # a switch: present means true
    repeat: bool = False          # may be given several times; the value is a tuple
    secret: bool = False          # a credential: masked in every output
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    configurable: bool = True     # may be set in the configuration file

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")


OPTIONS: tuple[Option, ...] = (
    Option("api", "which contract", _choice(APIS), choices=APIS),
    Option("base-url", "the server under test; may carry a path prefix (default: the bundled reference server)",
           _url, env="CONFORMANCE_BASE_URL", metavar="URL"),
    Option("username", "ROOMZ Basic user name (not a secret: $ROOMZ_USERNAME only in reproduce lines)",
           env="ROOMZ_USERNAME"),
    Option("password", "ROOMZ Basic password", env="ROOMZ_PASSWORD", secret=True),
    Option("user-id", "Roomonitor user id", env="ROOMONITOR_USER_ID", secret=True),
    Option("auth-token", "Roomonitor token", env="ROOMONITOR_AUTH_TOKEN", secret=True),
    Option("login-email", "Roomonitor login e-mail; enables RM-LOGIN", env="ROOMONITOR_LOGIN_EMAIL", secret=True),
    Option("login-password", "Roomonitor login password; enables RM-LOGIN",
           env="ROOMONITOR_LOGIN_PASSWORD", secret=True),
    Option("room-id", "the room the suite may write into (ROOMZ) or book (Roomonitor); default: the first listed",
           metavar="ID"),
    Option("organizer-id",
           "organizer of the meetings the suite creates (ROOMZ); default: one seen in existing meetings",
           metavar="ID"),
    Option("custom-room-id", "Roomonitor: a customRoomId your account is configured with, for RM-IMPORT-V2-CUSTOM",
           metavar="ID"),
    Option("read-only", "send no POST or PUT; write requirements are not certified", _bool, flag=True),
    Option("profile", "quick: CI smoke gate; full: certification depth (default)", _choice(PROFILES), choices=PROFILES),
    Option("seed", f"reproducible generation and order (default {DEFAULT_SEED})", _int, metavar="N"),
    Option("report-dir", "where the reports go (default reports/)", metavar="DIR"),
    Option("timeout", "per-request time limit in seconds (default 10)", _positive, metavar="S"),
    Option("max-time", "upper bound for the whole run in seconds (default: quick 120, full 900)", _positive,
           metavar="S"),
    Option("max-body", "cap on a response body in bytes, after decompression (default 10 MB)",
           _positive_int, metavar="BYTES"),
    Option("ca-bundle", "CA bundle to verify the server's certificate", _existing_file, metavar="FILE"),
    Option("insecure", "do not verify the server's certificate", _bool, flag=True),
    Option("requirement", "certify only these requirements (repeatable); the rest are not certified", repeat=True,
           metavar="ID"),
    Option("quiet", "print only the verdict", _bool, flag=True),
    Option("config", "the configuration file (default: conformance.toml, else [tool.conformance] in pyproject.toml)",
           _existing_file, metavar="FILE", configurable=False),
    Option("baseline", "accepted failures, which do not fail the gate: a TOML file of [[known]] entries "
           "(id, reason, optional status and expires; --baseline-update writes one), or an earlier results.json "
           "or its report folder",
           metavar="FILE"),
    Option("baseline-update", "write this run's failures to --baseline FILE", _bool, flag=True, configurable=False),
    Option("fail-on-warnings", "with --baseline: a new warning fails the gate too (by default it is shown only)",
           _bool, flag=True),
    Option("certify", "a certification run: refuses --baseline, --requirement and --read-only", _bool, flag=True),
    Option("sign-key", "sign record.json with this Ed25519 private key (PEM)", _existing_file, metavar="FILE"),
    Option("rate-limit", "at most this many requests per second (5/s) or minute (120/min)", _rate, metavar="RATE"),
    Option("proxy", "send every request through this HTTP(S) proxy", _url, metavar="URL"),
    Option("reference-fault", "with no --base-url: inject a fault into the bundled server (self-test; repeatable)",
           repeat=True, metavar="NAME", configurable=False),
    Option("reference-variant", "with no --base-url: a correct variant of the bundled server (repeatable)",
           repeat=True, metavar="NAME", configurable=False),
)
BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}


@dataclass
class RunOptions:
    api: str = "roomz"
    base_url: str | None = None
    username: str | None = None
    password: str | None = None
    user_id: str | None = None
    auth_token: str | None = None
    login_email: str | None = None
    login_password: str | None = None
    room_id: str | None = None
    organizer_id: str | None = None
    custom_room_id: str | None = None
    read_only: bool = False
    profile: str = "full"
    seed: int = DEFAULT_SEED
    report_dir: Path = field(default_factory=lambda: Path("reports"))
    timeout: float = 10.0
    max_time: float | None = None
    max_body: int = DEFAULT_MAX_BODY
    ca_bundle: str | None = None
    insecure: bool = False
    requirement: tuple[str, ...] = ()          # a selection of requirement IDs; the rest are not certified
    quiet: bool = False
    reference_fault: tuple[str, ...] = ()      # when no base URL: faults for the bundled server
    reference_variant: tuple[str, ...] = ()
    config: str | None = None
    baseline: str | None = None
    baseline_update: bool = False
    fail_on_warnings: bool = False
    certify: bool = False
    sign_key: str | None = None
    rate_limit: float | None = None            # requests per second
    proxy: str | None = None
    # where each value came from ("command line", "environment", "<file>", "default"); for provenance
    sources: dict[str, str] = field(default_factory=dict)
    config_file: str | None = None
    self_check: bool = False                   # no --base-url: the bundled server is certified
    ignored_environment: tuple[str, ...] = ()  # credentials of the environment the self-check did not use

    @property
    def only(self) -> tuple[str, ...]:
        return self.requirement

    @property
    def time_budget(self) -> float:
        return self.max_time if self.max_time is not None else float(setting(self.profile, "max_time"))

    @property
    def verify(self) -> bool | str:
        if self.insecure:
            return False
        return self.ca_bundle or True

    def secrets(self) -> list[str]:
        return [str(getattr(self, o.attr)) for o in OPTIONS if o.secret and getattr(self, o.attr)]

    def redacted(self) -> dict[str, object]:
        """Every option given, secrets as their environment variable: for provenance."""
        out: dict[str, object] = {}
        for o in OPTIONS:
            value = getattr(self, o.attr)
            if value in (None, (), False) and o.name not in ("read-only",):
                continue
            if o.secret:
                value = f"${o.env}"
            elif o.name == "proxy":
                value = _without_password(str(value))
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[o.name] = value
        return out

    def fill_from_environment(self, env: Mapping[str, str] | None = None) -> RunOptions:
        """Values of the environment for options the command line did not give (tests and the
        pytest route use this; the CLI goes through ``resolve``)."""
        env = os.environ if env is None else env
        for o in OPTIONS:
            if o.env and getattr(self, o.attr) in (None, "") and env.get(o.env):
                setattr(self, o.attr, o.parse(env[o.env]))
                self.sources[o.name] = "environment"
        return self


_DEFAULTS = RunOptions()
assert {o.attr for o in OPTIONS} <= {f.name for f in fields(RunOptions)}


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:[REDACTED]@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def resolve(given: Mapping[str, object], env: Mapping[str, str], file_values: Mapping[str, object] | None = None,
            file_name: str | None = None) -> RunOptions:
    """The options of a run from the command line (``given``: only what the user typed), the
    environment and a configuration file, in that order of precedence. Raises OptionError
    naming the option whose value is wrong."""
    options = RunOptions()
    for o in OPTIONS:
        value, source = _MISSING, "default"
        if o.attr in given and given[o.attr] not in (None, (), False):
            value, source = given[o.attr], "command line"
        elif o.env and o.env in env:
            value, source = env[o.env], "environment"
            if value == "" and o.name != "base-url":   # an empty variable is not a value, except the
                value, source = _MISSING, "default"    # target's: an unset CI variable must not go green
        if value is _MISSING and file_values and o.name in file_values:
            value, source = file_values[o.name], file_name or "configuration file"
        if value is _MISSING:
            continue
        try:
            if o.repeat:
                items = value if isinstance(value, (list, tuple)) else [value]
                parsed: object = tuple(o.parse(v) for v in items)
            else:
                parsed = o.parse(value)
        except OptionError as exc:
            where = {"command line": f"--{o.name}", "environment": f"{o.env} (for --{o.name})"}.get(
                source, f"{o.name} in {source}")
            raise OptionError(f"{where}: {exc}") from None
        setattr(options, o.attr, Path(str(parsed)) if o.name == "report-dir" else parsed)
        options.sources[o.name] = source
    options.config_file = file_name
    return options


_MISSING = object()
