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
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
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


def _opt(help: str, parse: Callable[[object], object] = _text, *, default: Any = None, env: str | None = None,
         flag: bool = False, repeat: bool = False, secret: bool = False, choices: tuple[str, ...] = (),
         metavar: str | None = None, configurable: bool = True) -> Any:
    """A ``RunOptions`` field that is a run option: its one declaration (name from the field)."""
    spec = {"help": help, "parse": parse, "env": env, "flag": flag, "repeat": repeat, "secret": secret,
            "choices": choices, "metavar": metavar, "configurable": configurable}
    return field(default=default, metadata={"option": spec})


@dataclass(frozen=True)
class RunOptions:
    """The options of one run, each declared once, here: the field is the value, its ``_opt``
    the command-line, environment, pytest and configuration-file declaration (``OPTIONS`` is
    derived from these fields, in this order). Frozen: what differs for a run (the self-check's
    own target and credentials) is a new ``RunOptions`` (``dataclasses.replace``), never a change."""

    api: str = _opt("which contract", _choice(APIS), default="roomz", choices=APIS)
    base_url: str | None = _opt("the server under test; may carry a path prefix (default: the bundled reference "
                                "server)", _url, env="CONFORMANCE_BASE_URL", metavar="URL")
    username: str | None = _opt("ROOMZ Basic user name (not a secret: $ROOMZ_USERNAME only in reproduce lines)",
                                env="ROOMZ_USERNAME")
    password: str | None = _opt("ROOMZ Basic password", env="ROOMZ_PASSWORD", secret=True)
    user_id: str | None = _opt("Roomonitor user id", env="ROOMONITOR_USER_ID", secret=True)
    auth_token: str | None = _opt("Roomonitor token", env="ROOMONITOR_AUTH_TOKEN", secret=True)
    login_email: str | None = _opt("Roomonitor login e-mail; enables RM-LOGIN", env="ROOMONITOR_LOGIN_EMAIL",
                                   secret=True)
    login_password: str | None = _opt("Roomonitor login password; enables RM-LOGIN", env="ROOMONITOR_LOGIN_PASSWORD",
                                      secret=True)
    room_id: str | None = _opt("the room the suite may write into (ROOMZ) or book (Roomonitor); default: the first "
                               "listed", metavar="ID")
    organizer_id: str | None = _opt("organizer of the meetings the suite creates (ROOMZ); default: one seen in "
                                    "existing meetings", metavar="ID")
    custom_room_id: str | None = _opt("Roomonitor: a customRoomId your account is configured with, for "
                                      "RM-IMPORT-V2-CUSTOM", metavar="ID")
    read_only: bool = _opt("send no POST or PUT; write requirements are not certified", _bool, default=False,
                           flag=True)
    profile: str = _opt("quick: CI smoke gate; full: certification depth (default)", _choice(PROFILES),
                        default="full", choices=PROFILES)
    seed: int = _opt(f"reproducible generation and order (default {DEFAULT_SEED})", _int, default=DEFAULT_SEED,
                     metavar="N")
    report_dir: Path = _opt("where the reports go (default reports/)", default=Path("reports"), metavar="DIR")
    timeout: float = _opt("per-request time limit in seconds (default 10)", _positive, default=10.0, metavar="S")
    max_time: float | None = _opt("upper bound for the whole run in seconds (default: quick 120, full 900)",
                                  _positive, metavar="S")
    max_body: int = _opt("cap on a response body in bytes, after decompression (default 10 MB)", _positive_int,
                         default=DEFAULT_MAX_BODY, metavar="BYTES")
    ca_bundle: str | None = _opt("CA bundle to verify the server's certificate", _existing_file, metavar="FILE")
    insecure: bool = _opt("do not verify the server's certificate", _bool, default=False, flag=True)
    requirement: tuple[str, ...] = _opt("certify only these requirements (repeatable); the rest are not certified",
                                        default=(), repeat=True, metavar="ID")
    quiet: bool = _opt("print only the verdict", _bool, default=False, flag=True)
    config: str | None = _opt("the configuration file (default: conformance.toml, else [tool.conformance] in "
                              "pyproject.toml)", _existing_file, metavar="FILE", configurable=False)
    baseline: str | None = _opt("accepted failures, which do not fail the gate: a TOML file of [[known]] entries "
                                "(id, reason, optional status and expires; --baseline-update writes one), or an "
                                "earlier results.json or its report folder", metavar="FILE")
    baseline_update: bool = _opt("write this run's failures to --baseline FILE", _bool, default=False, flag=True,
                                 configurable=False)
    fail_on_warnings: bool = _opt("with --baseline: a new warning fails the gate too (by default it is shown only)",
                                  _bool, default=False, flag=True)
    certify: bool = _opt("a certification run: refuses --baseline, --requirement and --read-only", _bool,
                         default=False, flag=True)
    sign_key: str | None = _opt("sign record.json with this Ed25519 private key (PEM)", _existing_file,
                                metavar="FILE")
    rate_limit: float | None = _opt("at most this many requests per second (5/s) or minute (120/min)", _rate,
                                    metavar="RATE")
    proxy: str | None = _opt("send every request through this HTTP(S) proxy", _url, metavar="URL")
    reference_fault: tuple[str, ...] = _opt("with no --base-url: inject a fault into the bundled server (self-test; "
                                            "repeatable)", default=(), repeat=True, metavar="NAME",
                                            configurable=False)
    reference_variant: tuple[str, ...] = _opt("with no --base-url: a correct variant of the bundled server "
                                              "(repeatable)", default=(), repeat=True, metavar="NAME",
                                              configurable=False)
    # not options: where each value came from ("command line", "environment", "<file>", "default"), for provenance
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
        """These options with the environment's values for options not given (tests and the
        pytest route use this; the CLI goes through ``resolve``). A new RunOptions."""
        env = os.environ if env is None else env
        updates: dict[str, object] = {}
        sources = dict(self.sources)
        for o in OPTIONS:
            if o.env and getattr(self, o.attr) in (None, "") and env.get(o.env):
                updates[o.attr] = o.parse(env[o.env])
                sources[o.name] = "environment"
        return self.updated({**updates, "sources": sources})

    def updated(self, values: Mapping[str, object]) -> RunOptions:
        """A copy with ``values`` (field name -> value) in place: options are values, never changed."""
        unknown = set(values) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"RunOptions has no field {sorted(unknown)[0]!r}")
        return replace(self, **values)  # type: ignore[arg-type]  # checked above: every name is a field


OPTIONS: tuple[Option, ...] = tuple(Option(name=f.name.replace("_", "-"), **f.metadata["option"])
                                    for f in fields(RunOptions) if "option" in f.metadata)
BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}
_DEFAULTS = RunOptions()


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
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
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
        values[o.attr] = Path(str(parsed)) if o.name == "report-dir" else parsed
        sources[o.name] = source
    return RunOptions(**values, sources=sources, config_file=file_name)  # type: ignore[arg-type]  # names: OPTIONS


_MISSING = object()
