"""The configuration file: found where docs/interface.md says, checked line by line, and below the
command line and the environment in precedence (conformance.options.resolve applies it)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.config import ConfigError, ConfigValues, find_config, load_config
from conformance.options import OPTIONS, OptionError, resolve

KNOWN = [o.name for o in OPTIONS if o.configurable]
TEXT = '"text"'


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load(path: Path, api: str | None = "roomz", env: dict[str, str] | None = None) -> ConfigValues:
    return load_config(path, api, env or {}, KNOWN)


def error_of(path: Path, api: str | None = "roomz", env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(path, api, env)
    return info.value


@pytest.fixture
def chdir(tmp_path, monkeypatch) -> Path:
    """Messages name the file relative to the working directory, as the user typed it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- finding the file ---------------------------------------------------------------------------
def test_no_file_means_no_configuration(tmp_path) -> None:
    assert find_config(tmp_path, None) is None


def test_conformance_toml_in_the_working_directory_is_found(tmp_path) -> None:
    write(tmp_path / "conformance.toml", 'profile = "quick"\n')
    write(tmp_path / "pyproject.toml", '[tool.conformance]\nprofile = "full"\n')
    assert find_config(tmp_path, None) == (tmp_path / "conformance.toml", "")


def test_pyproject_counts_only_with_a_tool_conformance_table(tmp_path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path, None) is None
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.conformance]\nprofile = "quick"\n')
    assert find_config(tmp_path, None) == (tmp_path / "pyproject.toml", "tool.conformance")


def test_explicit_config_wins_and_a_missing_one_is_an_error(tmp_path) -> None:
    write(tmp_path / "conformance.toml", 'profile = "quick"\n')
    other = write(tmp_path / "ci.toml", 'profile = "full"\n')
    assert find_config(tmp_path, "ci.toml") == (other, "")
    with pytest.raises(ConfigError, match=r"nope\.toml: no such configuration file \(--config\)"):
        find_config(tmp_path, "nope.toml")
    with pytest.raises(ConfigError, match="is a folder"):
        find_config(tmp_path, ".")


def test_pyproject_options_live_under_tool_conformance(chdir) -> None:
    path = write(chdir / "pyproject.toml", """
        [project]
        name = "vendor-connector"

        [tool.conformance]
        profile = "quick"

        [tool.conformance.roomz]
        bse-url = "https://x.example"
    """)
    found = find_config(chdir, None)
    assert found == (path, "tool.conformance")
    err = error_of(path)
    assert str(err) == "pyproject.toml line 8: unknown key 'bse-url' in [roomz] (did you mean 'base-url'?)"
    write(path, '[tool.conformance]\nprofile = "quick"\n')
    assert load(path).values == {"profile": "quick"}


# -- values -------------------------------------------------------------------------------------
def test_values_become_what_the_option_parsers_take(chdir) -> None:
    path = write(chdir / "conformance.toml", """
        # CI gate settings
        profile = "quick"
        timeout = 5
        max-time = 30.5
        seed = 7
        read-only = true
        requirement = ["RZ-UTC", "RZ-JSON"]
    """)
    cv = load(path)
    assert cv.values == {"profile": "quick", "timeout": "5", "max-time": "30.5", "seed": "7", "read-only": True,
                         "requirement": ["RZ-UTC", "RZ-JSON"]}
    assert cv.lines == {"profile": 2, "timeout": 3, "max-time": 4, "seed": 5, "read-only": 6, "requirement": 7}
    assert cv.file == "conformance.toml"
    options = resolve({}, {}, cv.values, cv.file)
    assert (options.profile, options.timeout, options.max_time, options.seed) == ("quick", 5.0, 30.5, 7)
    assert options.read_only is True and options.requirement == ("RZ-UTC", "RZ-JSON")
    assert options.config_file == "conformance.toml"
    assert options.sources["profile"] == "conformance.toml"


def test_a_single_string_for_a_repeatable_option_is_a_list_of_one(chdir) -> None:
    path = write(chdir / "conformance.toml", 'requirement = "RZ-UTC"\n')
    assert load(path).values == {"requirement": ["RZ-UTC"]}


def test_the_api_table_overrides_the_top_level_for_that_api_only(chdir) -> None:
    path = write(chdir / "conformance.toml", """
        profile = "quick"
        room-id = "57"

        [roomz]
        base-url = "https://booking.example.com/roomz"
        room-id = "58"

        [roomonitor]
        base-url = "https://bookings.example.com"
        profile = "full"
    """)
    roomz = load(path, "roomz")
    assert roomz.values == {"profile": "quick", "room-id": "58", "base-url": "https://booking.example.com/roomz"}
    assert roomz.lines == {"profile": 1, "room-id": 6, "base-url": 5}
    roomonitor = load(path, "roomonitor")
    assert roomonitor.values == {"profile": "full", "room-id": "57", "base-url": "https://bookings.example.com"}
    assert roomonitor.lines["profile"] == 10


def test_without_an_api_the_files_own_api_chooses_the_table(chdir) -> None:
    path = write(chdir / "conformance.toml", """
        api = "roomonitor"
        [roomonitor]
        profile = "quick"
        [roomz]
        profile = "full"
    """)
    assert load(path, None).values == {"api": "roomonitor", "profile": "quick"}
    assert load(write(chdir / "conformance.toml", '[roomz]\nprofile = "quick"\n'), None).values == {"profile": "quick"}


def test_dotted_keys_and_inline_tables_are_located(chdir) -> None:
    path = write(chdir / "conformance.toml", """
        profile = "quick"
        roomz.room-id = "57"
        roomonitor = { bse-url = "https://x.example" }
    """)
    assert str(error_of(path)) == ("conformance.toml line 3: unknown key 'bse-url' in [roomonitor] "
                                   "(did you mean 'base-url'?)")
    path = write(chdir / "conformance.toml", 'profile = "quick"\nroomz.room-id = "57"\n')
    assert load(path).lines == {"profile": 1, "room-id": 2}


# -- ${VAR} -------------------------------------------------------------------------------------
def test_a_secret_given_as_a_variable_is_substituted_and_listed(chdir) -> None:
    path = write(chdir / "conformance.toml", """
        [roomz]
        base-url = "https://${HOST}/roomz"
        username = "${ROOMZ_USER_IN_CI}"
        password = "${ROOMZ_PASS_IN_CI}"
        organizer-id = "cost$$center"
    """)
    env = {"HOST": "booking.example.com", "ROOMZ_USER_IN_CI": "vendor", "ROOMZ_PASS_IN_CI": "s3cr$t"}
    cv = load(path, env=env)
    assert cv.values == {"base-url": "https://booking.example.com/roomz", "username": "vendor",
                         "password": "s3cr$t", "organizer-id": "cost$center"}
    assert cv.secrets_from_env == {"base-url", "username", "password"}
    assert cv.literal_secrets() == []
    options = resolve({}, {}, cv.values, cv.file)
    assert (options.username, options.password) == ("vendor", "s3cr$t")


def test_a_secret_written_literally_is_reported_for_a_warning(chdir) -> None:
    path = write(chdir / "conformance.toml", '[roomz]\npassword = "hunter2"\n')
    assert load(path).literal_secrets() == ["password"]


def test_a_missing_variable_names_the_key_and_the_line(chdir) -> None:
    path = write(chdir / "conformance.toml", 'profile = "quick"\n\n[roomz]\nusername = "${ROOMZ_USER_IN_CI}"\n')
    err = error_of(path)
    assert str(err) == "conformance.toml line 4: roomz.username: the environment variable ROOMZ_USER_IN_CI is not set"
    assert (err.line, err.key, err.file) == (4, "roomz.username", "conformance.toml")
    err = error_of(path, env={"ROOMZ_USER_IN_CI": ""})
    assert "ROOMZ_USER_IN_CI is empty" in str(err)


def test_a_missing_variable_of_the_other_api_does_not_stop_this_run(chdir) -> None:
    path = write(chdir / "conformance.toml", """
        [roomz]
        username = "${ROOMZ_USER_IN_CI}"
        [roomonitor]
        auth-token = "${RM_TOKEN_IN_CI}"
    """)
    assert load(path, "roomonitor", {"RM_TOKEN_IN_CI": "t"}).values == {"auth-token": "t"}
    assert "RM_TOKEN_IN_CI is not set" in str(error_of(path, "roomonitor"))


@pytest.mark.parametrize("text, problem", [
    ('username = "${NOT CLOSED"', "'${' without a closing '}'"),
    ('username = "${BAD-NAME}"', "'${BAD-NAME}' is not a variable name"),
])
def test_a_malformed_placeholder_is_an_error(chdir, text, problem) -> None:
    path = write(chdir / "conformance.toml", text + "\n")
    assert problem in str(error_of(path))


def test_a_bad_substituted_value_does_not_echo_the_variables_value(chdir) -> None:
    path = write(chdir / "conformance.toml", 'base-url = "${TARGET}"\n')
    err = error_of(path, env={"TARGET": "ftp://user:pa55word@host"})
    assert "pa55word" not in str(err)
    assert str(err).startswith("conformance.toml line 1: base-url: must start with http:// or https://, "
                               "got '${TARGET}'")


# -- errors -------------------------------------------------------------------------------------
def test_an_unknown_key_is_named_with_its_line_and_a_suggestion(chdir) -> None:
    path = write(chdir / "conformance.toml", """
        # settings for CI
        profile = "quick"

        bse-url = "https://x.example"
    """)
    err = error_of(path)
    assert str(err) == "conformance.toml line 4: unknown key 'bse-url' (did you mean 'base-url'?)"
    assert (err.line, err.key) == (4, "bse-url")
    path = write(chdir / "conformance.toml", 'base_url = "https://x.example"\n')
    assert "did you mean 'base-url'?" in str(error_of(path))
    path = write(chdir / "conformance.toml", 'colour = "blue"\n')
    assert str(error_of(path)) == "conformance.toml line 1: unknown key 'colour'"


def test_an_option_of_the_command_line_only_is_refused(chdir) -> None:
    path = write(chdir / "conformance.toml", 'reference-fault = ["text-content-type"]\n')
    assert str(error_of(path)) == ("conformance.toml line 1: 'reference-fault' cannot be set in a configuration "
                                   "file; give it on the command line")


@pytest.mark.parametrize("text, line, message", [
    ('profile = "quik"', 1, "profile: expected one of quick, full, got 'quik'"),
    ('# CI\ntimeout = -1', 2, "timeout: expected a positive number, got '-1'"),
    ('seed = 1.5', 1, "seed: expected a whole number, got '1.5'"),
    ('seed = true', 1, "seed: expected a value, not true"),
    ('read-only = "maybe"', 1, "read-only: expected true or false, got 'maybe'"),
    ('base-url = "booking.example.com"', 1, "base-url: must start with http:// or https://"),
    ('profile = ["quick"]', 1, "profile: takes one value, not a list"),
    ('requirement = [1.5, {a = 1}]', 1, "requirement: expected a list of strings"),
    ('timeout = 1979-05-27', 1, "timeout: expected a string, a number, true or false"),
    ('[roomz]\nprofile = { a = 1 }', 2, "roomz.profile: expected a value, not a table"),
    ('roomz = "quick"', 1, "'roomz' must be a table of options for the roomz API"),
    ('[roomz]\napi = "roomz"', 2, "'api' cannot be set inside [roomz]"),
    ('[roomonitor]\n\nprofile = "fast"', 3, "roomonitor.profile: expected one of quick, full, got 'fast'"),
])
def test_a_bad_value_names_the_key_and_the_line(chdir, text, line, message) -> None:
    path = write(chdir / "conformance.toml", text + "\n")
    err = error_of(path)
    assert str(err).startswith(f"conformance.toml line {line}: {message}"), str(err)
    assert err.line == line


def test_the_other_apis_table_is_checked_too(chdir) -> None:
    path = write(chdir / "conformance.toml", '[roomz]\nprofile = "quick"\n[roomonitor]\nprofle = "quick"\n')
    assert str(error_of(path, "roomz")) == ("conformance.toml line 4: unknown key 'profle' in [roomonitor] "
                                            "(did you mean 'profile'?)")


def test_a_toml_syntax_error_gives_the_line_and_column(chdir) -> None:
    path = write(chdir / "conformance.toml", 'profile = "quick"\nbase-url = https://x.example\n')
    err = error_of(path)
    assert str(err).startswith("conformance.toml line 2: not valid TOML: ")
    assert "(column 12)" in str(err)
    assert err.line == 2


def test_a_broken_pyproject_mentioning_the_table_is_an_error(tmp_path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.conformance]\nprofile = \n')
    with pytest.raises(ConfigError, match="line 2: not valid TOML"):
        find_config(tmp_path, None)
    write(tmp_path / "pyproject.toml", '[project\nname = "x"\n')
    assert find_config(tmp_path, None) is None


def test_an_explicit_pyproject_without_the_table_is_an_error(chdir) -> None:
    path = write(chdir / "pyproject.toml", '[project]\nname = "x"\n')
    found = find_config(chdir, "pyproject.toml")
    assert found == (path, "tool.conformance")
    assert str(error_of(path)) == "pyproject.toml has no [tool.conformance] table"


def test_an_unreadable_file_is_an_error(chdir) -> None:
    (chdir / "conformance.toml").write_bytes(b'profile = "\xff"\n')
    assert str(error_of(chdir / "conformance.toml")) == "conformance.toml is not UTF-8 text"
    assert "no such configuration file" in str(error_of(chdir / "missing.toml"))


# -- precedence: command line > environment > file > defaults ----------------------------------
@pytest.fixture
def file_values(chdir) -> ConfigValues:
    path = write(chdir / "conformance.toml", """
        profile = "quick"
        [roomz]
        base-url = "https://file.example/roomz"
        username = "file-user"
        read-only = true
        timeout = 7
    """)
    return load(path)


def test_the_file_beats_the_defaults(file_values) -> None:
    options = resolve({}, {}, file_values.values, file_values.file)
    assert options.base_url == "https://file.example/roomz"
    assert options.username == "file-user"
    assert options.timeout == 7.0 and options.profile == "quick" and options.read_only is True
    assert options.sources["base-url"] == "conformance.toml"
    assert options.seed == 20261121 and "seed" not in options.sources   # a default stays a default


def test_the_environment_beats_the_file(file_values) -> None:
    env = {"CONFORMANCE_BASE_URL": "https://env.example/roomz", "ROOMZ_USERNAME": "env-user"}
    options = resolve({}, env, file_values.values, file_values.file)
    assert options.base_url == "https://env.example/roomz" and options.sources["base-url"] == "environment"
    assert options.username == "env-user" and options.sources["username"] == "environment"
    assert options.timeout == 7.0 and options.sources["timeout"] == "conformance.toml"


def test_the_command_line_beats_the_environment_and_the_file(file_values) -> None:
    env = {"CONFORMANCE_BASE_URL": "https://env.example/roomz", "ROOMZ_USERNAME": "env-user"}
    given = {"base_url": "https://cli.example/roomz", "username": "cli-user", "timeout": "3", "profile": "full"}
    options = resolve(given, env, file_values.values, file_values.file)
    assert (options.base_url, options.username, options.timeout, options.profile) == (
        "https://cli.example/roomz", "cli-user", 3.0, "full")
    assert {options.sources[k] for k in ("base-url", "username", "timeout", "profile")} == {"command line"}


def test_an_empty_environment_variable_does_not_hide_the_file(file_values) -> None:
    options = resolve({}, {"ROOMZ_USERNAME": ""}, file_values.values, file_values.file)
    assert options.username == "file-user"


def test_without_a_file_the_defaults_apply() -> None:
    options = resolve({}, {}, None, None)
    assert options.profile == "full" and options.timeout == 10.0 and options.config_file is None


def test_checked_values_pass_resolve_for_every_configurable_option(chdir, tmp_path) -> None:
    """Whatever load_config accepts, resolve accepts too: the file's errors all carry a line."""
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not checked here\n")
    samples = {"api": '"roomonitor"', "base-url": '"https://x.example"', "read-only": "false", "profile": '"quick"',
               "seed": "3", "report-dir": '"out"', "timeout": "2.5", "max-time": "60", "max-body": "1000",
               "ca-bundle": f'"{bundle}"', "insecure": "true", "requirement": '["RZ-UTC"]', "quiet": "true",
               "baseline": '"known.toml"', "fail-on-warnings": "true", "certify": "false", "sign-key": f'"{bundle}"',
               "rate-limit": '"5/s"',
               "proxy": '"http://proxy.example:3128"'}
    lines = [f"{name} = {samples.get(name, TEXT)}" for name in KNOWN]
    path = write(chdir / "conformance.toml", "\n".join(lines) + "\n")
    cv = load(path)
    assert set(cv.values) == set(KNOWN)
    options = resolve({}, {}, cv.values, cv.file)
    assert options.api == "roomonitor" and options.report_dir == Path("out") and options.max_body == 1000


def test_resolve_still_rejects_a_bad_value_it_is_handed() -> None:
    with pytest.raises(OptionError, match="profile in conformance.toml"):
        resolve({}, {}, {"profile": "quik"}, "conformance.toml")
