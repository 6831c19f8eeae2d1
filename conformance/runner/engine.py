"""The engine: one run against one target, requirement by requirement.

The pytest suite asks the engine to ``verify`` each requirement in ``order()``; the engine runs
the checks registered for it, turns exceptions into verdicts (a failed prerequisite skips, an
internal error never loses the run), enforces the time budget, and at the end releases what the
run created and computes the verdict of INTERFACE.md.
"""
from __future__ import annotations

import importlib
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from conformance import __version__
from conformance.checks.base import CHECKS, OBSERVERS, Context, Outcome, Skip
from conformance.client import Client, Credentials, DeadlineReached, Redactor
from conformance.requirements import Requirement, load_catalog
from conformance.runner.options import RunOptions
from conformance.spec import spec_sha256

CHECK_MODULES = {"roomz": "conformance.checks.roomz", "roomonitor": "conformance.checks.roomonitor"}
EXIT = {"conformant": 0, "non-conformant": 1, "incomplete": 3}
ABORT_AFTER_TRANSPORT_ERRORS = 8   # consecutive requests without any answer: the target is gone


def plan(api: str) -> list[Requirement]:
    """The order requirements are verified in: scripted ones in catalog order, then those judged
    on the whole run's traffic (they need it all), the generated campaign (RZ-5XX / RM-5XX)
    first among them."""
    importlib.import_module(CHECK_MODULES[api])
    reqs = load_catalog().for_api(api)
    active = [r for r in reqs if r.id not in OBSERVERS]
    observed = sorted((r for r in reqs if r.id in OBSERVERS), key=lambda r: not r.id.endswith("-5XX"))
    return active + observed


class Unreachable(Exception):
    """The target could not be reached at all; the message is one sentence for the user."""


@dataclass
class Verdict:
    verdict: str
    exit_code: int


class Engine:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.catalog = load_catalog()
        self.requirements = self.catalog.for_api(options.api)
        self.started_at = datetime.now(timezone.utc).replace(microsecond=0)
        self.finished_at: datetime | None = None
        self._t0 = time.monotonic()
        self.reference = None
        self.aborted: str | None = None
        self._consecutive_errors = 0
        self._unanswered: dict[str, Any] = {}   # requirement -> first of its own requests that got no answer
        self._finished = False
        self.excluded: set[str] = set()
        importlib.import_module(CHECK_MODULES[options.api])
        if not options.base_url:
            self._start_reference()
        self.redactor = Redactor()
        creds = Credentials(options.username, options.password, options.user_id, options.auth_token)
        self.redactor.add(options.login_password)
        self.client = Client(
            options.base_url or "", options.api, creds, timeout=options.timeout, max_body=options.max_body,
            verify=options.verify, redactor=self.redactor, deadline=self._t0 + options.time_budget,
        )
        self.client.observers.append(self._watch_transport)
        self.ctx = Context(api=options.api, client=self.client, options=options, catalog=self.catalog)
        self.ctx.deadline = self._t0 + options.time_budget
        self._mark_exclusions()

    # -- set-up ---------------------------------------------------------------------------------
    def _start_reference(self) -> None:
        """No target given: certify the bundled reference server on a free loopback port."""
        from conformance.reference_server import DEFAULTS, ReferenceServer

        o = self.options
        self.reference = ReferenceServer(api=o.api, faults=o.reference_faults, variants=o.reference_variants).start()
        o.base_url = self.reference.url
        for attr in ("username", "password", "user_id", "auth_token", "login_email", "login_password"):
            if getattr(o, attr) is None and attr in DEFAULTS:
                setattr(o, attr, DEFAULTS[attr])

    def _mark_exclusions(self) -> None:
        """Requirements the user left out on purpose: skipped, listed as not certified, and kept
        out of the verdict (their observers record nothing)."""
        no_login = self.options.api == "roomonitor" and not (self.options.login_email and self.options.login_password)
        for req in self.requirements:
            if self.options.only and req.id not in self.options.only:
                reason = "not selected for this run (not certified)"
            elif self.options.read_only and req.writes:
                reason = "--read-only: this requirement needs a POST or PUT, so it is not certified by this run"
            elif req.id == "RM-LOGIN" and no_login:
                reason = "no login credentials were given (--login-email, --login-password), so login is not certified by this run"
            else:
                continue
            outcome = self.ctx.ledger.outcomes[req.id]
            outcome.skip_reason, outcome.done, outcome.excluded = reason, True, True
            self.excluded.add(req.id)

    def _watch_transport(self, ex: Any) -> None:
        if ex.status is None:
            if self.ctx.current is not None:
                self._unanswered.setdefault(self.ctx.current, ex)
            self._consecutive_errors += 1
            if self._consecutive_errors >= ABORT_AFTER_TRANSPORT_ERRORS and not self.aborted:
                self.aborted = self.redactor.text(f"the server stopped answering ({ex.error}, {self._consecutive_errors} requests in a row)")
                self.ctx.deadline = time.monotonic()
                self.client.deadline = time.monotonic()   # the check at hand sends nothing more either
        else:
            self._consecutive_errors = 0
            rid = self.ctx.current
            if ex.error and rid is not None:
                # An answer whose body could not be used (over --max-body, cut short, too slow):
                # the requirement that asked for it fails, it is not silently left unverified.
                self.ctx.fail(rid, f"{rid}: the answer to {ex.method} {ex.path[:120]} could not be used: {ex.error}", ex,
                              signature=f"unusable:{ex.error[:60]}")

    def probe(self) -> None:
        """One request before anything else: an unreachable target is exit 3, not 59 failures."""
        path = "/rooms" if self.options.api == "roomz" else f"/get-rooms/{self.options.user_id or 'conformance'}"
        ex = self.client.request("GET", path, operation=None, auth_label="probe")
        if ex.status is None:
            reason = f"cannot reach {self.redactor.text(self.client.base_url)}: {ex.error}"
            self.aborted = reason
            raise Unreachable(reason)

    # -- running --------------------------------------------------------------------------------
    def order(self) -> list[Requirement]:
        return plan(self.options.api)

    def verify(self, rid: str) -> Outcome:
        outcome = self.ctx.ledger.outcomes[rid]
        if outcome.done:
            return outcome
        self.ctx.current = rid
        try:
            if self.aborted:
                raise Skip(f"not verified: {self.aborted}")
            if self.ctx.out_of_time():
                raise Skip(f"not verified: the run's time budget ({self.options.time_budget:g} s, --max-time) was spent")
            for reg in CHECKS.get(rid, []):
                reg.fn(self.ctx)
            if outcome.exercised == 0 and not outcome.findings and outcome.skip_reason is None:
                if self.ctx.out_of_time() or self.aborted:
                    outcome.skip_reason = f"not verified: {self.aborted or 'the time budget was spent'}"
                elif rid in self._unanswered:   # it did ask, and the server did not answer
                    ex = self._unanswered[rid]
                    self.ctx.fail(rid, f"{rid}: {ex.method} {ex.path[:120]} got no answer: {ex.error}", ex)
                else:
                    outcome.skip_reason = "nothing in this run could exercise it"
        except Skip as skip:
            if outcome.exercised == 0 and not outcome.findings:
                outcome.skip_reason = self.redactor.text(str(skip))   # reasons quote server answers
            else:
                self.ctx.note(rid, f"partly verified: {skip}")
        except DeadlineReached:  # the budget ran out (or the run aborted) in the middle of the checks
            if not outcome.findings:   # partly checked is not passed: green must mean tested
                outcome.skip_reason = (f"not verified: {self.aborted}" if self.aborted else
                                       f"not verified: the run's time budget ({self.options.time_budget:g} s, --max-time) was spent")
        except Exception as exc:  # a bug or hostile data must not lose the run: it is reported
            detail = self.redactor.text("".join(traceback.format_exception_only(type(exc), exc)).strip())
            self.ctx.note(rid, f"internal error while checking: {detail}")
            if not outcome.findings:
                outcome.skip_reason = f"not verified: internal error in the suite ({detail[:200]})"
        finally:
            self.ctx.current = None
        outcome.done = True
        return outcome

    def run_all(self) -> None:
        for req in self.order():
            self.verify(req.id)

    # -- finishing -----------------------------------------------------------------------------
    def finish(self) -> Verdict:
        if not self._finished:
            self._finished = True
            for req in self.requirements:  # anything pytest did not reach (deselected, interrupted)
                outcome = self.ctx.ledger.outcomes[req.id]
                if not outcome.done:
                    outcome.skip_reason = outcome.skip_reason or f"not verified: {self.aborted or 'the run ended before this requirement'}"
                    outcome.done = True
            if self.aborted:
                self._discount_unanswered()
            self._release()
            self.finished_at = datetime.now(timezone.utc).replace(microsecond=0)
            self.client.close()
            if self.reference is not None:
                self.reference.stop()
        return self.verdict()

    def _discount_unanswered(self) -> None:
        """After an abort, a request that got no answer proves nothing about a requirement: such
        findings become notes, and a requirement left without evidence is not verified."""
        for outcome in self.ctx.ledger.outcomes.values():
            lost = [f for f in outcome.findings if not f.answered]
            if not lost:
                continue
            outcome.findings = [f for f in outcome.findings if f.answered]
            for f in lost:
                outcome.notes.append(f"not counted, the run was aborted: {f.message}")
            if not outcome.findings:
                outcome.skip_reason = f"not verified: {self.aborted}"

    def _release(self) -> None:
        if self.options.api != "roomz" or self.options.read_only or self.aborted:
            return
        from conformance.checks.roomz import scratch

        saved = self.ctx.deadline
        self.ctx.deadline = None
        self.client.deadline = time.monotonic() + 60
        try:
            self.cleanup_problems = scratch.release_all(self.ctx)
        except Exception as exc:  # never lose the report over a cleanup problem
            self.cleanup_problems = [f"cleanup failed: {exc!r}"]
        finally:
            self.ctx.deadline = saved

    def status(self, rid: str) -> str:
        return self.ctx.ledger.outcomes[rid].status

    def verdict(self) -> Verdict:
        failed = [r for r in self.requirements if r.is_must and self.status(r.id) == "failed"]
        if failed:
            return Verdict("non-conformant", EXIT["non-conformant"])
        unverified = [r for r in self.requirements if r.is_must and self.status(r.id) == "skipped" and r.id not in self.excluded]
        if unverified or self.aborted:
            return Verdict("incomplete", EXIT["incomplete"])
        return Verdict("conformant", EXIT["conformant"])

    @property
    def duration_s(self) -> float:
        return round(time.monotonic() - self._t0, 1)

    def results(self) -> dict[str, Any]:
        """``results.json`` exactly as INTERFACE.md; credentials cannot appear (redacted)."""
        v = self.verdict()
        reqs = []
        for req in self.requirements:
            o = self.ctx.ledger.outcomes[req.id]
            entry: dict[str, Any] = {"id": req.id, "level": req.level, "status": o.status, "title": req.title}
            if o.status == "skipped":
                entry["reason"] = self.redactor.text(o.skip_reason or "not verified")
            entry["failures"] = [f.as_json() for f in o.findings]
            if o.dropped:
                entry["more_failures"] = o.dropped
            if o.notes:
                entry["notes"] = list(o.notes)
            entry["source"] = req.source
            if req.id in self.excluded:
                entry["certified"] = False
            reqs.append(entry)
        out = {
            "catalog_version": self.catalog.version,
            "tool": {"name": "conformance", "version": __version__},
            "api": self.options.api,
            "target": self.redactor.text(self.client.base_url),
            "profile": self.options.profile,
            "seed": self.options.seed,
            "read_only": self.options.read_only,
            "spec_sha256": spec_sha256(),
            "started_at": self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "finished_at": (self.finished_at or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "verdict": v.verdict,
            "requirements": reqs,
            "stats": {"requests": self.client.count, "duration_s": self.duration_s},
        }
        if self.aborted:
            out["aborted"] = self.aborted
        if self.reference is not None:
            out["reference_server"] = {"faults": list(self.options.reference_faults), "variants": list(self.options.reference_variants)}
        if getattr(self, "cleanup_problems", None):
            out["cleanup_problems"] = self.cleanup_problems
        return out
