"""The command line: ``run``, ``serve``, ``validate``, ``requirements`` (docs/interface.md).

Usage errors exit 2 with one sentence; nothing here prints a traceback for a user mistake.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from conformance import __version__
from conformance.options import OPTIONS


class _Parser(argparse.ArgumentParser):
    """argparse, with one short line of usage and a suggestion for a mistyped option."""

    def error(self, message: str) -> NoReturn:  # argparse exits 2 already; keep its message short
        hint = ""
        match = re.search(r"unrecognized arguments: (\S+)", message)
        if match:
            known = [s for a in self._actions for s in a.option_strings]
            for sub in self._subparsers._group_actions if self._subparsers else []:
                for parser in getattr(sub, "choices", {}).values():
                    known += [s for a in parser._actions for s in a.option_strings]
            close = difflib.get_close_matches(match.group(1).split("=")[0], known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
        print(f"conformance: {message}{hint}", file=sys.stderr)
        print(f"usage: {self.prog} … (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="conformance", description="Contract conformance suite for the ROOMZ Connector API v1.0 and the "
                                                "Roomonitor booking import API.")
    p.add_argument("--version", action="version", version=f"conformance {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="certify a server (default: the bundled reference server)")
    for o in OPTIONS:
        flags = [f"--{o.name}"]
        env = f" (env {o.env})" if o.env else ""
        if o.flag:
            r.add_argument(*flags, action="store_true", default=None, help=o.help + env)
        elif o.repeat:
            r.add_argument(*flags, action="append", default=None, metavar=o.metavar, help=o.help + env)
        else:
            r.add_argument(*flags, default=None, metavar=o.metavar or o.name.upper().replace("-", "_"),
                           choices=o.choices or None, help=o.help + env)

    s = sub.add_parser("serve", help="run the bundled reference server (for roomonitor: the PMS sandbox)")
    s.add_argument("--api", choices=("roomz", "roomonitor"), default="roomz")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_port, default=8000)
    s.add_argument("--prefix", default="", help="a path prefix such as /api/roomz")
    s.add_argument("--fault", action="append", default=[], help="inject a named fault (see --list-faults)")
    s.add_argument("--variant", action="append", default=[], help="a correct variant (see --list-faults)")
    s.add_argument("--list-faults", action="store_true", help="list faults and variants and exit")
    (
        s.add_argument("--username"),
        s.add_argument("--password"),
        s.add_argument("--user-id"),
        s.add_argument("--auth-token"),
    )
    s.add_argument("--login-email"), s.add_argument("--login-password")
    s.add_argument("--report-dir", default=None, help="roomonitor sandbox: where the report of the received payloads "
                   "goes on shutdown (default reports/sandbox)")

    ver = sub.add_parser(
        "verify", help="check that a report folder is intact (record.json, hashes, signature, verdict)"
    )
    ver.add_argument("dir", metavar="DIR")
    ver.add_argument("--public-key", metavar="FILE",
                     help="the lab's Ed25519 public key (PEM) to check the signature with")

    d = sub.add_parser("diff", help="compare two runs (results.json files or report folders); exit 1 when NEW is worse")
    d.add_argument("old", metavar="OLD")
    d.add_argument("new", metavar="NEW")
    d.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    d.add_argument("--fail-on-warnings", action="store_true",
                   help="a new warning (or one with a new identity) makes NEW worse too")

    v = sub.add_parser("validate", help="check Roomonitor payload files offline (RMP-*)")
    v.add_argument("files", nargs="+", metavar="FILE", help="payload files; - reads standard input")
    v.add_argument("--as", dest="as_", choices=("v1", "v2"), default=None)
    v.add_argument("--format", choices=("text", "json"), default="text")

    q = sub.add_parser("requirements", help="print the requirement catalog")
    q.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    q.add_argument("--api", choices=("roomz", "roomonitor", "payload"), default=None)
    return p


def cmd_requirements(args: argparse.Namespace) -> int:
    from conformance.requirements import format_markdown, format_text, load_catalog

    catalog = load_catalog()
    reqs = [r for r in catalog if args.api is None or r.api == args.api]
    if args.format == "json":
        print(json.dumps({"catalog_version": catalog.version, "requirements": [r.as_dict() for r in reqs]},
                         indent=2, ensure_ascii=False))
    elif args.format == "markdown":
        print(format_markdown(reqs), end="")
    else:
        print(f"Requirement catalog, version {catalog.version} ({len(reqs)} requirements)\n")
        print(format_text(reqs), end="")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from conformance.runner.run import run
    from conformance.runner.setup import UsageError, options_from

    given = {o.attr: getattr(args, o.attr) for o in OPTIONS}
    try:
        options = options_from(given, os.environ, Path.cwd())
    except UsageError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    return run(options)


def cmd_verify(args: argparse.Namespace) -> int:
    from conformance.report.record import usage_problem, verify

    folder, key = Path(args.dir), Path(args.public_key) if args.public_key else None
    problem = usage_problem(folder, key)
    if problem:   # what the user typed cannot be used: a usage error, never "NOT intact"
        print(f"conformance verify: {problem}", file=sys.stderr)
        return 2
    problems, remarks = verify(folder, key)
    for remark in remarks:
        print(f"  {remark}")
    if problems:
        print(f"{args.dir}: NOT intact ({len(problems)} problem(s))")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"{args.dir}: intact (every artifact matches record.json; the verdict follows from the statuses)")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from conformance.diff import main as diff_main

    return diff_main(args.old, args.new, args.format, warnings_fail=args.fail_on_warnings)


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop `serve` cleanly (the sandbox writes its report on the way
    out), even when a parent process started it with SIGINT ignored (CI runners, xdist)."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def cmd_serve(args: argparse.Namespace) -> int:
    from conformance.reference_server import FAULTS, MASKS, VARIANTS, serve_main

    if args.list_faults:
        import shutil
        import textwrap

        width = max(60, min(shutil.get_terminal_size((100, 20)).columns, 120))

        def wrapped(text: str, first: str = "      ") -> None:
            print("\n".join(textwrap.wrap(text, width, initial_indent=first, subsequent_indent="      ",
                                           break_on_hyphens=False)))

        print("Faults (each breaks its requirement; collateral is what it cannot help touching too):")
        for f in FAULTS.values():
            print(f"  {f.name:<30} {f.api:<11} {f.requirement}")
            wrapped(f.description)
        print("\nVariants (correct behaviours the contract allows):")
        for v in VARIANTS.values():
            print(f"  {v.name:<30} {v.api}")
            wrapped(v.note)
        print("\nSeveral faults at once: repeat --fault. Combinations where one fault hides another:")
        for combo, rid, why in MASKS:
            wrapped(f"{' + '.join(sorted(combo))}: {rid} ({why})", "  ")
        return 0
    creds = {k: getattr(args, k) for k in ("username", "password", "user_id", "auth_token", "login_email",
                                           "login_password") if getattr(args, k)}
    kwargs = {}
    if args.report_dir:
        kwargs["report_dir"] = args.report_dir
    elif args.api == "roomonitor":
        kwargs["report_dir"] = "reports/sandbox"
    _stop_on_signals()
    try:
        return serve_main(api=args.api, host=args.host, port=args.port, faults=args.fault, variants=args.variant,
                          prefix=args.prefix, **creds, **kwargs)
    except ValueError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"conformance: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from conformance.payloads.cli import validate_main

    return validate_main(args.files, args.as_, args.format)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"run": cmd_run, "serve": cmd_serve, "validate": cmd_validate, "requirements": cmd_requirements,
               "verify": cmd_verify, "diff": cmd_diff}[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("conformance: interrupted", file=sys.stderr)
        return 3
    except BrokenPipeError:  # `conformance requirements | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
