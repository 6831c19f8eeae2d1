"""Run options, from the CLI, from pytest options, or from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from conformance.client.session import DEFAULT_MAX_BODY
from conformance.profiles import PROFILES as PROFILE_SETTINGS
from conformance.profiles import setting

PROFILES = tuple(PROFILE_SETTINGS)
DEFAULT_SEED = 20261121


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
    custom_room_id: str | None = None   # Roomonitor: a customRoomId the account is configured with
    read_only: bool = False
    profile: str = "full"
    seed: int = DEFAULT_SEED
    report_dir: Path = field(default_factory=lambda: Path("reports"))
    timeout: float = 10.0
    max_time: float | None = None
    max_body: int = DEFAULT_MAX_BODY
    ca_bundle: str | None = None
    insecure: bool = False
    only: tuple[str, ...] = ()          # a selection of requirement IDs; the rest are not certified
    reference_faults: tuple[str, ...] = ()   # when no base URL: faults for the bundled server
    reference_variants: tuple[str, ...] = ()
    quiet: bool = False

    @property
    def time_budget(self) -> float:
        return self.max_time if self.max_time is not None else float(setting(self.profile, "max_time"))

    @property
    def verify(self) -> bool | str:
        if self.insecure:
            return False
        return self.ca_bundle or True

    def fill_from_environment(self, env: dict[str, str] | None = None, *, allow_empty: bool = False) -> "RunOptions":
        """Credentials and the target from the environment where no option gave them.

        With ``allow_empty`` a variable that is set but empty is taken as given (empty), so the
        CLI can refuse an empty CONFORMANCE_BASE_URL instead of silently certifying the bundled
        server: a CI gate whose target variable is unset must not go green."""
        env = dict(os.environ if env is None else env)
        pairs = {
            "base_url": "CONFORMANCE_BASE_URL",
            "username": "ROOMZ_USERNAME",
            "password": "ROOMZ_PASSWORD",
            "user_id": "ROOMONITOR_USER_ID",
            "auth_token": "ROOMONITOR_AUTH_TOKEN",
            "login_email": "ROOMONITOR_LOGIN_EMAIL",
            "login_password": "ROOMONITOR_LOGIN_PASSWORD",
        }
        for attr, var in pairs.items():
            if getattr(self, attr) is None and (env.get(var) or (allow_empty and attr == "base_url" and var in env)):
                setattr(self, attr, env[var])
        return self
