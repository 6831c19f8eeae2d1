"""From what the user gave to the options of a run, the same way on both entry paths.

``conformance run`` and the pytest route (``--conformance-*``) both come here: the command
line, the environment and the configuration file are resolved in that order of precedence,
then the options are checked together. Every problem is one sentence and exit 2.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from conformance.baseline import BaselineError, load_baseline
from conformance.config import ConfigError, find_config, load_config
from conformance.options import OPTIONS, OptionError, RunOptions, resolve
from conformance.requirements import load_catalog

UsageError = (OptionError, ConfigError, BaselineError)


def options_from(given: Mapping[str, object], env: Mapping[str, str], cwd: Path) -> RunOptions:
    """The run's options; raises one of ``UsageError`` naming the option, key or file at fault."""
    config, api = given.get("config"), given.get("api")   # text from the command line, or absent
    found = find_config(cwd, config if isinstance(config, str) else None)
    values = file_name = None
    if found is not None:
        known = [o.name for o in OPTIONS if o.configurable]
        loaded = load_config(found[0], api if isinstance(api, str) else None, env, known, table=found[1])
        values, file_name = loaded.values, loaded.file
    options = resolve(given, env, values, file_name)
    problem = usage_problem(options)
    if problem:
        raise OptionError(problem)
    if options.baseline and not options.baseline_update:
        load_baseline(options.baseline, options.api)   # a broken baseline is exit 2 before anything is sent
    return options


def usage_problem(options: RunOptions) -> str | None:
    """What makes these options unusable together (exit 2 before anything is sent)."""
    catalog = load_catalog()
    unknown = [rid for rid in options.requirement if rid not in catalog or catalog[rid].api != options.api]
    if unknown:
        return f"unknown requirement for --api {options.api}: {', '.join(unknown)} (see `conformance requirements`)"
    if options.certify:
        refused = [name for name, given in (("--baseline", options.baseline), ("--requirement", options.requirement),
                                            ("--read-only", options.read_only)) if given]
        if refused:
            return (f"--certify refuses {', '.join(refused)}: a certification run verifies every requirement and "
                    "accepts no known failure")
        if options.base_url:   # the self-check brings every credential of the bundled server
            from conformance.checks.apis import api_profile

            left_out = api_profile(options.api).exclusions(options)
            if left_out:
                return (f"--certify verifies every requirement, but {', '.join(left_out)} would be left out: "
                        f"{next(iter(left_out.values()))}")
    if options.baseline_update and not options.baseline:
        return "--baseline-update needs --baseline FILE: the file to write"
    if (options.reference_fault or options.reference_variant) and options.base_url:
        return "--reference-fault and --reference-variant apply to the bundled server only (no --base-url)"
    if not options.base_url and (options.reference_fault or options.reference_variant):
        from conformance.reference_server import FAULTS, VARIANT_API, VARIANTS

        bad = [f for f in options.reference_fault if f not in FAULTS or FAULTS[f].api != options.api]
        bad += [v for v in options.reference_variant if v not in VARIANTS or VARIANT_API.get(v) != options.api]
        if bad:
            return (f"no such fault or variant for --api {options.api}: {', '.join(bad)} "
                    "(see `conformance serve --list-faults`)")
    if options.sign_key:
        from conformance.report.record import check_sign_key

        return check_sign_key(Path(options.sign_key))
    return None
