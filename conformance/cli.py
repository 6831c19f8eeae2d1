"""The command line: ``run``, ``serve``, ``validate``, ``requirements`` (INTERFACE.md).

Usage errors exit 2 with one sentence; nothing here prints a traceback for a user mistake.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from urllib.parse import urlsplit

from conformance import __version__
from conformance.requirements import format_markdown, format_text, load_catalog
from conformance.runner.options import DEFAULT_SEED, PROFILES, RunOptions


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 already; keep its message short
        self.print_usage(sys.stderr)
        print(f"conformance: {message}", file=sys.stderr)
        raise SystemExit(2)


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value!r}")
    return number


def base_url_problem(url: str) -> str | None:
    """Why a --base-url cannot be a target, or None. A typo must be exit 2, not 'unreachable'."""
    if not url.lower().startswith(("http://", "https://")):
        return f"--base-url must start with http:// or https://, got {url!r}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError as exc:
        return f"--base-url {url!r} is not a usable URL ({exc})"
    if not parts.hostname or " " in parts.netloc:
        return f"--base-url {url!r} names no host"
    if parts.query or parts.fragment:
        return f"--base-url {url!r} carries a query or fragment; give the base only (a path prefix is fine)"
    return None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="conformance", description="Contract conformance suite for the ROOMZ Connector API v1.0 and the Roomonitor booking import API.")
    p.add_argument("--version", action="version", version=f"conformance {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="certify a server (default: the bundled reference server)")
    r.add_argument("--api", choices=("roomz", "roomonitor"), default="roomz")
    r.add_argument("--base-url", help="the server under test; may carry a path prefix (env CONFORMANCE_BASE_URL)")
    r.add_argument("--username", help="ROOMZ Basic user (env ROOMZ_USERNAME)")
    r.add_argument("--password", help="ROOMZ Basic password (env ROOMZ_PASSWORD)")
    r.add_argument("--user-id", help="Roomonitor user id (env ROOMONITOR_USER_ID)")
    r.add_argument("--auth-token", help="Roomonitor token (env ROOMONITOR_AUTH_TOKEN)")
    r.add_argument("--login-email", help="enables RM-LOGIN (env ROOMONITOR_LOGIN_EMAIL)")
    r.add_argument("--login-password", help="enables RM-LOGIN (env ROOMONITOR_LOGIN_PASSWORD)")
    r.add_argument("--room-id", help="the room the suite may write into / book (default: the first listed)")
    r.add_argument("--organizer-id", help="organizer for created meetings")
    r.add_argument("--custom-room-id", help="Roomonitor: a customRoomId your account is configured with (default: one named after the seed; "
                   "if the server refuses it, RM-IMPORT-V2-CUSTOM is skipped)")
    r.add_argument("--read-only", action="store_true", help="send no POST or PUT; write requirements are skipped on purpose")
    r.add_argument("--profile", choices=PROFILES, default="full", help="quick: CI smoke gate; full: certification depth (default)")
    r.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"reproducible generation and order (default {DEFAULT_SEED})")
    r.add_argument("--report-dir", default="reports", help="where report.html, results.json and junit.xml go (default reports/)")
    r.add_argument("--timeout", type=_positive, default=10.0, help="per-request time limit in seconds (default 10)")
    r.add_argument("--max-time", type=_positive, default=None, help="upper bound for the whole run in seconds (default: quick 120, full 900)")
    r.add_argument("--max-body", type=_positive_int, default=None, help="cap on a response body in bytes, after decompression (default 10 MB)")
    r.add_argument("--ca-bundle", help="CA bundle to verify the server's certificate")
    r.add_argument("--insecure", action="store_true", help="do not verify the server's certificate")
    r.add_argument("--requirement", action="append", default=[], metavar="ID", help="certify only these requirements (repeatable)")
    r.add_argument("--reference-fault", action="append", default=[], metavar="NAME", help="with no --base-url: inject a fault into the bundled server (self-test)")
    r.add_argument("--reference-variant", action="append", default=[], metavar="NAME", help="with no --base-url: a correct variant of the bundled server")
    r.add_argument("--quiet", action="store_true", help="print only the verdict")

    s = sub.add_parser("serve", help="run the bundled reference server (for roomonitor: the PMS sandbox)")
    s.add_argument("--api", choices=("roomz", "roomonitor"), default="roomz")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_port, default=8000)
    s.add_argument("--prefix", default="", help="a path prefix such as /api/roomz")
    s.add_argument("--fault", action="append", default=[], help="inject a named fault (see --list-faults)")
    s.add_argument("--variant", action="append", default=[], help="a correct variant (see --list-faults)")
    s.add_argument("--list-faults", action="store_true", help="list faults and variants and exit")
    s.add_argument("--username"), s.add_argument("--password"), s.add_argument("--user-id"), s.add_argument("--auth-token")
    s.add_argument("--login-email"), s.add_argument("--login-password")
    s.add_argument("--report-dir", default=None, help="roomonitor sandbox: write a report of the received payloads here on shutdown")

    v = sub.add_parser("validate", help="check Roomonitor payload files offline (RMP-*)")
    v.add_argument("files", nargs="+", metavar="FILE", help="payload files; - reads standard input")
    v.add_argument("--as", dest="as_", choices=("v1", "v2"), default=None)
    v.add_argument("--format", choices=("text", "json"), default="text")

    q = sub.add_parser("requirements", help="print the requirement catalog")
    q.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    q.add_argument("--api", choices=("roomz", "roomonitor", "payload"), default=None)
    return p


def cmd_requirements(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    reqs = [r for r in catalog if args.api is None or r.api == args.api]
    if args.format == "json":
        print(json.dumps({"catalog_version": catalog.version, "requirements": [r.as_dict() for r in reqs]}, indent=2, ensure_ascii=False))
    elif args.format == "markdown":
        print(format_markdown(reqs), end="")
    else:
        print(f"Requirement catalog, version {catalog.version} ({len(reqs)} requirements)\n")
        print(format_text(reqs), end="")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from conformance.runner.run import run

    catalog = load_catalog()
    unknown = [rid for rid in args.requirement if rid not in catalog or catalog[rid].api != args.api]
    if unknown:
        print(f"conformance: unknown requirement for --api {args.api}: {', '.join(unknown)} (see `conformance requirements`)", file=sys.stderr)
        return 2
    if args.ca_bundle and not Path(args.ca_bundle).is_file():
        print(f"conformance: --ca-bundle {args.ca_bundle}: no such file", file=sys.stderr)
        return 2
    options = RunOptions(
        api=args.api, base_url=args.base_url, username=args.username, password=args.password, user_id=args.user_id,
        auth_token=args.auth_token, login_email=args.login_email, login_password=args.login_password, room_id=args.room_id,
        organizer_id=args.organizer_id, custom_room_id=args.custom_room_id, read_only=args.read_only, profile=args.profile, seed=args.seed,
        report_dir=Path(args.report_dir), timeout=args.timeout, max_time=args.max_time, ca_bundle=args.ca_bundle,
        insecure=args.insecure, only=tuple(args.requirement), reference_faults=tuple(args.reference_fault),
        reference_variants=tuple(args.reference_variant), quiet=args.quiet,
    ).fill_from_environment(allow_empty=True)
    if args.max_body is not None:
        options.max_body = args.max_body
    if options.base_url is not None and (problem := base_url_problem(options.base_url)):
        print(f"conformance: {problem}", file=sys.stderr)
        return 2
    if (args.reference_fault or args.reference_variant) and options.base_url:
        print("conformance: --reference-fault and --reference-variant apply to the bundled server only (no --base-url)", file=sys.stderr)
        return 2
    if not options.base_url:
        from conformance.reference_server import FAULTS, VARIANT_API, VARIANTS

        bad = [f for f in args.reference_fault if f not in FAULTS or FAULTS[f].api != args.api]
        bad += [v for v in args.reference_variant if v not in VARIANTS or VARIANT_API.get(v) != args.api]
        if bad:
            print(f"conformance: no such fault or variant for --api {args.api}: {', '.join(bad)} (see `conformance serve --list-faults`)",
                  file=sys.stderr)
            return 2
    return run(options)


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop `serve` cleanly (the sandbox writes its report on the way
    out), even when a parent process started it with SIGINT ignored (CI runners, xdist)."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def cmd_serve(args: argparse.Namespace) -> int:
    from conformance.reference_server import FAULTS, VARIANT_API, VARIANTS, serve_main

    if args.list_faults:
        print("Faults (each breaks exactly one requirement):")
        for f in FAULTS.values():
            print(f"  {f.name:<32} {f.api:<11} {f.requirement:<28} {f.description}")
        print("\nVariants (correct behaviours the contract allows):")
        for name, text in VARIANTS.items():
            print(f"  {name:<32} {VARIANT_API.get(name, ''):<11} {text}")
        return 0
    creds = {k: getattr(args, k) for k in ("username", "password", "user_id", "auth_token", "login_email", "login_password") if getattr(args, k)}
    kwargs = {}
    if args.report_dir:
        kwargs["report_dir"] = args.report_dir
    _stop_on_signals()
    try:
        return serve_main(api=args.api, host=args.host, port=args.port, faults=args.fault, variants=args.variant, prefix=args.prefix, **creds, **kwargs)
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
    handler = {"run": cmd_run, "serve": cmd_serve, "validate": cmd_validate, "requirements": cmd_requirements}[args.command]
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
