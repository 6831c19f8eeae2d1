"""The engine: one run against one target.

``preflight`` makes sure the run is configured right before anything is judged; ``run`` runs
every check of every requirement (in catalog order, though order decides nothing: observers
judge every exchange of the run, and a check gets its prerequisites from memoised discovery);
``finish`` settles what nothing could verify, replays the deciding request of each failure,
releases what the run created, names root causes and closes. ``results`` is ``results.json``
(docs/interface.md).
"""
from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from conformance import __version__
from conformance.checks.apis import ApiProfile, ConfigurationError, RootCause, Unreachable, api_profile
from conformance.checks.model import (
    OBSERVERS,
    Blocked,
    Discovery,
    Evidence,
    Recorder,
    checks_of,
    discovering,
    excerpt,
    exchange_detail,
)
from conformance.client import Client, DeadlineReached, Exchange, GaveUp, RateLimited, Redactor
from conformance.client.retention import KEEP_BODY, Retention
from conformance.options import RunOptions
from conformance.requirements import Requirement, load_catalog
from conformance.results import (
    CONFIGURATION_ERROR,
    NOT_JUDGED,
    VERDICT_EXIT,
    Coverage,
    CoverageItem,
    Ledger,
    LeftBehind,
    OperationCount,
    Outcome,
    Provenance,
    ReferenceInfo,
    RequirementResult,
    Results,
    RootCauseResult,
    Stats,
    verdict_of,
)
from conformance.runner.replay import Replayer, outline
from conformance.runner.slips import proxy_problem, proxy_refusal
from conformance.spec import spec_sha256

if TYPE_CHECKING:
    from conformance.checks.apis import Credential
    from conformance.reference_server import ReferenceServer

ABORT_AFTER_TRANSPORT_ERRORS = 8   # consecutive requests without any answer: the target is gone
NOT_SELECTED = "not selected for this run (not certified)"
RELEASE_BOUND_S = 60               # the release of what the run created may run past the budget by this at most
RELEASE_GRACE_TIMEOUTS = 3         # ... and by no more than this many --timeouts once the budget is spent


@dataclass
class Verdict:
    verdict: str
    exit_code: int


Progress = Callable[[str, dict[str, Any]], None]


class Engine:
    def __init__(self, options: RunOptions, progress: Progress | None = None) -> None:
        self.options = options
        self.profile: ApiProfile[Discovery] = api_profile(options.api)
        self.catalog = load_catalog()
        self.requirements: list[Requirement] = self.catalog.for_api(options.api)
        self.started_at = datetime.now(UTC).replace(microsecond=0)
        self.finished_at: datetime | None = None
        self._t0 = time.monotonic()
        self.phases: dict[str, float] = {}
        self.phase_requests: dict[str, int] = {}
        self.progress = progress or (lambda event, data: None)
        self.reference: ReferenceServer | None = None
        self.aborted: str | None = None
        self.configuration_error: str | None = None
        self.discovery_notes: list[str] = []
        self.root_causes: list[RootCause] = []
        self.cleanup_problems: list[str] = []
        self.left_behind: list[LeftBehind] = []   # what the run created and could not release
        self.traffic: list[Exchange] = []
        self.shapes: dict[int, str] = {}   # the outline of each answer whose body was shed (for the replay)
        self.retention = Retention(on_forget=self._outline)   # older answers shed: bounded memory
        self._consecutive_errors = 0
        self._unanswered: dict[str, Exchange] = {}
        self._blockers: dict[str, str] = {}       # requirement whose failure blocked a check -> its reason
        self._current = threading.local()
        self._ran = self._finished = self._completed = False
        self._slipped_mid_run = False
        self._evidence_only: set[str] = set()    # left out by the selection, run for the evidence only
        self.gated_exit_code: int | None = None
        self.excluded: dict[str, str] = {}
        if not options.base_url:
            self._start_reference()
        options = self.options   # the resolved target, for the self-check
        self.redactor = Redactor()
        for c in self.profile.credentials:   # shown as its variable, so paths stay legible
            if c.option in self.profile.mask_as_variable and getattr(options, c.option):
                self.redactor.add(str(getattr(options, c.option)), mask=f"${c.env}")
        for secret in options.secrets():
            self.redactor.add(secret)
        self.redactor.keep(options.base_url)   # its path may hold the user name: URLs stay legible
        self.client = Client(
            options.base_url or "", auth_headers=self.profile.auth_headers(options),
            placeholders=self.profile.placeholders(options), timeout=options.timeout, max_body=options.max_body,
            verify=options.verify, redactor=self.redactor, deadline=self._t0 + options.time_budget,
            proxy=options.proxy, rate_limit=options.rate_limit, on_wait=self._waited,
        )
        self.ledger = Ledger({r.id: r.level for r in self.requirements})
        self.recorders = {r.id: Recorder(r.id, r.level, self.ledger, self.evidence, self.redactor.text)
                          for r in self.requirements}
        self.observer_recorders = {r.id: Recorder(r.id, r.level, self.ledger, self.evidence, self.redactor.text,
                                                  observer=True) for r in self.requirements}
        self.discovery = self.profile.discovery(self.client, options, self._say)
        self.discovery.deadline = self._t0 + options.time_budget
        for rec in self.observer_recorders.values():
            rec.foreign = self.discovery.foreign
        self.discovery.progress = lambda text: self.progress("note", {"text": text, "requests": self.client.count})
        self.client.observers = [self._record, self._watch_transport, self._observe]
        self.replayer = Replayer(self)
        self._mark_exclusions()
        self.progress("start", {"options": options})

    # -- set-up ---------------------------------------------------------------------------------
    def _start_reference(self) -> None:
        """No target given: certify the bundled reference server on a free loopback port, with
        its own demo credentials (whatever the environment holds is for real servers)."""
        from conformance.reference_server import DEFAULTS, ReferenceServer

        o = self.options
        own = self.profile.credentials + tuple(_login_credentials(o.api))
        self.reference = ReferenceServer(api=o.api, faults=o.reference_fault, variants=o.reference_variant).start()
        # the resolved target: the options given stay as they were (frozen)
        self.options = o.updated({"self_check": True, "base_url": self.reference.url,
                                  "ignored_environment": tuple(c.env for c in own if getattr(o, c.option)),
                                  **{c.option: DEFAULTS[c.option] for c in own}})

    def _mark_exclusions(self) -> None:
        """Requirements the user left out on purpose: skipped, listed as not certified, and kept
        out of the verdict (their observers record nothing)."""
        reasons = self.profile.exclusions(self.options)
        for req in self.requirements:
            if self.options.only and req.id not in self.options.only:
                reason = NOT_SELECTED
            elif self.options.read_only and req.writes:
                reason = "--read-only: this requirement needs a POST or PUT, so it is not certified by this run"
            elif req.id in reasons:
                reason = reasons[req.id]
            else:
                continue
            self.exclude(req.id, reason)

    def exclude(self, rid: str, reason: str) -> None:
        self.ledger.exclude(rid, reason)
        self.excluded[rid] = reason

    def _say(self, text: str) -> None:
        text = self.redactor.text(text)
        if text not in self.discovery_notes:
            self.discovery_notes.append(text)

    # -- what the run sees ------------------------------------------------------------------------
    def evidence(self, ex: Exchange) -> Evidence:
        redact = self.redactor.text
        return Evidence(request=redact(f"{ex.method} {ex.path}"), reproduce=self.client.curl(ex),
                        response=excerpt(ex, redact), index=ex.index or None,
                        detail=exchange_detail(ex, redact, self.redactor.headers))

    def _waited(self, ex: Exchange, seconds: float | None) -> None:
        """A 429 (or 503 with Retry-After) waited out, or given up on (None): kept in the traffic,
        judged by no requirement."""
        done = "not waited out (too long for the run)" if seconds is None else f"waited out: {seconds:g} s"
        ex.auth = f"{ex.auth} (answered {ex.status}, {done})"
        self.traffic.append(ex)

    def _record(self, ex: Exchange) -> None:
        self.traffic.append(ex)
        self.discovery.witness(ex)   # every accepted write, whoever sent it: released at the end
        rid = getattr(self._current, "rid", None)
        if rid is not None:
            self.recorders[rid].saw(ex)
        self.retention.add(ex)

    def _outline(self, read: Exchange) -> None:
        if len(read.body) > KEEP_BODY:   # its body will be shed: keep its outline for the replay, from its parse
            self.shapes[read.index] = outline(read)

    def _asker(self, ex: Exchange) -> str | None:
        """The requirement an exchange answers to: the running check's, or, for a request that
        discovery sent (memoised, so whichever check asked first), its call's own requirement."""
        rid = getattr(self._current, "rid", None)
        if discovering() and ex.operation in self.profile.owners:
            return self.profile.owners[ex.operation]
        return rid

    def _watch_transport(self, ex: Exchange) -> None:
        if self.client.gave_up and not self.aborted:   # timed out on several requests in a row: the run ends here
            self.aborted = self.redactor.text(self.client.gave_up)
            self.discovery.deadline = time.monotonic()
        rid = self._asker(ex)
        if ex.status is None:
            if rid is not None:
                self._unanswered.setdefault(rid, ex)
            self._consecutive_errors += 1
            evidence = getattr(self._current, "rid", None) in self._evidence_only
            if self._consecutive_errors >= ABORT_AFTER_TRANSPORT_ERRORS and not self.aborted and not evidence:
                self.aborted = self.redactor.text(
                    f"the server stopped answering ({ex.error}, {self._consecutive_errors} requests in a row)")
                self.discovery.deadline = self.client.deadline = time.monotonic()
            return
        self._consecutive_errors = 0
        if ex.error and getattr(self._current, "generated", False):
            # A generated request (a window of centuries on a real calendar, a giant body) may
            # fairly get an answer too big or too slow to judge: noted where its call belongs,
            # never a finding of the campaign's requirement (no 5xx) it has nothing to do with.
            owner = self.profile.owners.get(ex.operation or "", rid)
            if owner is not None and owner not in self.excluded:
                self.ledger.note(owner, self.redactor.text(f"a generated request's answer could not be used, so it "
                                                           f"was not judged: {ex.method} {ex.path[:120]}: {ex.error}"))
        elif ex.error and rid is not None and rid not in self.excluded:
            # An answer whose body could not be used (over --max-body, cut short, too slow): the
            # requirement that asked for it fails; it is not silently left unverified.
            self.recorders[rid].fail("an answer it can judge", f"the answer to {ex.method} {ex.path[:120]} could not "
                                     f"be used: {ex.error}", ex, kind=f"unusable:{ex.error[:60]}")

    def _observe(self, ex: Exchange) -> None:
        for rid, observers in OBSERVERS.items():
            if rid not in self.recorders or rid in self.excluded:
                continue
            for obs in observers:
                try:
                    obs.fn(self.observer_recorders[rid], ex)
                except Exception as exc:  # an observer bug must not lose the run
                    self.ledger.note(rid, self.redactor.text(f"internal error in observer {obs.fn.__name__}: {exc!r}"))

    # -- preflight -------------------------------------------------------------------------------
    def preflight(self) -> None:
        """Before anything is judged: credentials given, target reachable, the configuration
        right. Raises ``ConfigurationError`` (exit 2) or ``Unreachable`` (exit 3)."""
        t = time.monotonic()
        count = self.client.count
        try:
            missing = self.profile.missing_credentials(self.options)
            if missing:
                names = " and ".join(c.env for c in missing)
                flags = " and ".join(c.flag for c in missing)
                raise ConfigurationError(f"no credentials for the {self.profile.title}: set {names} (or pass {flags})")
            self._current.rid = None
            observers, self.client.observers = self.client.observers, [self._record]   # kept, judged by none
            try:
                self.profile.preflight(self.discovery)
                first = self.traffic[0] if self.traffic else None
                refusal = proxy_refusal(self.options.proxy, first.status) if self.options.proxy and first else None
                if refusal is not None:
                    raise refusal
            except Unreachable as exc:
                slip = proxy_problem(self.options.proxy, str(exc)) if self.options.proxy else None
                if slip is not None:   # the proxy, not the target: the vendor's to fix
                    raise slip from None
                reason = f"cannot reach {self.client.base_url}: {self.redactor.text(str(exc))}"
                self.aborted = reason
                raise Unreachable(reason) from None
            except (RateLimited, GaveUp) as exc:   # refused for now, or too slow: the same abort, its own words
                self.aborted = self.redactor.text(str(exc))
                raise Unreachable(self.aborted) from None
            finally:
                self.client.observers = observers
        except ConfigurationError as exc:
            self.configuration_error = self.redactor.text(str(exc))
            raise ConfigurationError(self.configuration_error) from None
        finally:
            self._phase("preflight", t, count)

    # -- running ---------------------------------------------------------------------------------
    def run(self) -> None:
        """Every check of every requirement not left out, then what needs the whole run."""
        if self._ran:
            return
        self._ran = True
        scripted = [(r.id, c) for r in self.requirements for c in checks_of(r.id) if c.phase == "scripted"]
        generated = [(r.id, c) for r in self.requirements for c in checks_of(r.id) if c.phase == "generated"]
        self._evidence_only = self._evidence_for_selection()
        # the selected requirements' own checks first, both phases, as they run alone; then the others'
        # for the evidence only (they cannot take the selected verdicts away, nor change their requests)
        evidence = [(p, [w for w in work if w[0] in self._evidence_only]) for p, work in
                    (("scripted", scripted), ("generated", generated))]
        own = [(p, [w for w in work if w[0] not in self._evidence_only]) for p, work in
               (("scripted", scripted), ("generated", generated))]
        for phase, work in own + [(p, work) for p, work in evidence if work]:
            t, count = time.monotonic(), self.client.count
            self.progress("phase", {"phase": phase, "done": False})
            self._current.generated = phase == "generated"
            for rid, chk in work:
                if self.configuration_error:   # a slip found mid-run: nothing more is judged
                    break
                self._run_check(rid, chk.fn)
            self._current.generated = False
            self._phase(phase, t, count)
            self.progress("phase", {"phase": phase, "done": True, "requests": self.client.count - count,
                                    "seconds": time.monotonic() - t})
        self._complete()

    def _evidence_for_selection(self) -> set[str]:
        """Requirements left out by ``--requirement`` whose checks still run, unjudged, because a
        selected requirement has observers: an observer judges every exchange of the run, so
        selected alone it must see the same exchanges as in the full run (the crash on an empty
        ``from=`` that RZ-MEETINGS-BADDATE's probe found is RZ-5XX's failure too). Their verdicts
        are not recorded; only the selected requirements are judged."""
        if not self.options.only or not any(rid in OBSERVERS for rid in self.options.only):
            return set()
        return {r.id for r in self.requirements
                if r.id not in self.options.only and self.excluded.get(r.id) == NOT_SELECTED}

    def _run_check(self, rid: str, fn: Callable[..., None]) -> None:
        if rid in self.excluded and rid not in self._evidence_only:
            return
        if rid in self._evidence_only and (self.aborted or self._consecutive_errors >= ABORT_AFTER_TRANSPORT_ERRORS):
            return   # the server stopped answering: no more evidence to gather (no abort of the selected verdicts)
        rec, outcome = self.recorders[rid], self.ledger[rid]
        if rid in self._evidence_only:   # its verdict is not this run's: written where nothing reads it
            level = self.ledger[rid].level
            unjudged = Ledger({rid: level})
            rec, outcome = Recorder(rid, level, unjudged, self.evidence, self.redactor.text), unjudged[rid]
        self._current.rid = rid
        try:
            if self.aborted:
                raise Blocked(f"not verified: {self.aborted}")
            if self.discovery.out_of_time():
                raise Blocked(self._budget_reason())
            fn(self.discovery, rec)
        except ConfigurationError as exc:   # a slip only a check could see (an organizer the server refuses)
            self._slipped(rid, exc)
        except Blocked as blocked:
            if blocked.by and blocked.by != rid:
                self._blockers.setdefault(blocked.by, str(blocked))
            if outcome.probes == 0 and not outcome.findings:
                self._skip(rid, str(blocked), blocked.by)
            else:
                self._partly(rec, outcome, str(blocked))
        except RateLimited as exc:   # the server asked for a wait the run cannot give
            self._cut_short(rid, rec, outcome, f"not verified: {exc}")
        except DeadlineReached:   # the budget ran out (or the run aborted) in the middle of the checks
            why = f"not verified: {self.aborted}" if self.aborted else self._budget_reason()
            self._cut_short(rid, rec, outcome, why)
        except Exception as exc:  # a bug or hostile data must not lose the run: it is reported
            detail = self.redactor.text("".join(traceback.format_exception_only(type(exc), exc)).strip())
            rec.note(f"internal error while checking: {detail}")
            if not outcome.findings:
                self._skip(rid, f"not verified: internal error in the suite ({detail[:200]})")
        finally:
            self._current.rid = None

    def _slipped(self, rid: str, exc: ConfigurationError) -> None:
        """A configuration slip found by a check: the run stops judging, exit 2. The check's own
        findings are dropped: the server's correct refusal of a wrong value is no failure."""
        self.configuration_error = self.redactor.text(str(exc))
        self._slipped_mid_run = True
        outcome = self.ledger[rid]
        outcome.findings.clear()
        outcome.kinds.clear()
        outcome.probes = 0

    def _cut_short(self, rid: str, rec: Recorder, outcome: Outcome, reason: str) -> None:
        """A check stopped before its end (out of time, or made to wait): with probes met it is
        partly verified, one rule everywhere; with none it is not verified."""
        if outcome.findings:
            return
        if outcome.probes:
            self._partly(rec, outcome, reason)
        else:
            self._skip(rid, reason)

    @staticmethod
    def _partly(rec: Recorder, outcome: Outcome, reason: str) -> None:
        """Probes met, the rest not probed: "partly verified" (the coverage record says what was not
        probed and why; a partly verified MUST requirement leaves the verdict incomplete). A check
        that named what it could not probe has said it already."""
        if not any(p.probes == 0 for p in outcome.planned.values()):
            rec.unreached("the rest of its probes", reason)

    def _skip(self, rid: str, reason: str, blocked_by: str | None = None) -> None:
        """A skip, its reason redacted here: it goes to JUnit and the terminal as it is."""
        self.ledger.skip(rid, self.redactor.text(reason), blocked_by)

    def _budget_reason(self) -> str:
        return f"not verified: the run's time budget ({self.options.time_budget:g} s, --max-time) was spent"

    def _phase(self, name: str, started: float, count_before: int) -> None:
        self.phases[name] = self.phases.get(name, 0.0) + time.monotonic() - started
        self.phase_requests[name] = self.phase_requests.get(name, 0) + self.client.count - count_before

    # -- finishing -------------------------------------------------------------------------------
    def _complete(self) -> None:
        """What needs the whole run: reasons for what nothing verified, the replay of failures,
        root causes. Every requirement's status is final afterwards."""
        if self._completed:
            return
        self._completed = True
        self._settle()
        if self.aborted:
            self._discount_unanswered()
        if not self.aborted and self.configuration_error is None and self._ran:
            t, count = time.monotonic(), self.client.count
            self.replayer.replay_failures()
            self._phase("replay", t, count)
        try:
            self.root_causes = self.profile.root_causes(self.ledger, self.discovery, self.traffic)
        except Exception as exc:  # an analysis bug must not lose the report
            self.discovery_notes.append(self.redactor.text(f"internal error while naming root causes: {exc!r}"))

    def finish(self) -> Verdict:
        """Complete the run, release what it created, close."""
        if not self._finished:
            self._finished = True
            self._complete()
            self._release()
            self.finished_at = datetime.now(UTC).replace(microsecond=0)
            self.client.close()
            if self.reference is not None:
                self.reference.stop()
        return self.verdict()

    def _settle(self) -> None:
        """Every requirement ends with a verdict or a reason it has none."""
        for req in self.requirements:
            outcome = self.ledger[req.id]
            if outcome.excluded or outcome.findings or outcome.skip_reason is not None or outcome.probes:
                continue
            if self.configuration_error:   # the sentence is told once, in configuration_error
                self._skip(req.id, NOT_JUDGED)
            elif self.aborted:
                self._skip(req.id, f"not verified: {self.aborted}")
            elif req.id in self._unanswered:   # it did ask, and the server did not answer
                ex = self._unanswered[req.id]
                self.recorders[req.id].fail("an answer", f"{ex.method} {ex.path[:120]} got no answer: {ex.error}", ex)
            elif self.discovery.out_of_time():
                self._skip(req.id, self._budget_reason())
            elif not self._ran:
                self._skip(req.id, "not verified: the run ended before this requirement")
            else:
                self._unseen(req.id)

    def _unseen(self, rid: str) -> None:
        """Nothing of the run gave it anything to judge: say why, and name the failed requirement
        that explains it (one it needs, else the one that blocked the checks of the run)."""
        observers = OBSERVERS.get(rid, [])
        unseen = next((o.unseen for o in observers if o.unseen), None) or "nothing in this run could exercise it"
        needs = [n for o in observers for n in o.needs]
        failed = [n for n in needs if self.ledger[n].status == "failed"]
        upstream = [b for n in needs if (b := self.ledger[n].blocked_by) and b in self._blockers]
        if failed:
            self._skip(rid, f"blocked by {failed[0]} ({unseen})", failed[0])
            return
        # what it needs was itself blocked: name that failure; else the one that blocked the run's checks
        by = upstream[0] if upstream else next(iter(self._blockers), None)
        if by is not None:
            self._skip(rid, f"{unseen}: the checks that would have given it something were {self._blockers[by]}", by)
        else:
            self._skip(rid, unseen)

    def _discount_unanswered(self) -> None:
        """After an abort, a request that got no answer proves nothing about a requirement: such
        findings become notes, and a requirement left without evidence is not verified."""
        for outcome in self.ledger.outcomes.values():
            lost = [f for f in outcome.findings if not f.answered]
            if not lost:
                continue
            outcome.findings = [f for f in outcome.findings if f.answered]
            for f in lost:
                outcome.notes.append(f"not counted, the run was aborted: {f.message}")
            if not outcome.findings:
                outcome.skip_reason = f"not verified: {self.aborted}"

    def _release(self) -> None:
        if self.options.read_only or self.aborted or (self.configuration_error and not self._slipped_mid_run):
            return
        t, count = time.monotonic(), self.client.count
        self.discovery.deadline = None
        # within the run's budget; once it is spent, a few --timeouts more (a server that answers
        # cleans up in that time; one that does not is given up on by the client anyway)
        now = time.monotonic()
        grace = min(RELEASE_BOUND_S, RELEASE_GRACE_TIMEOUTS * self.options.timeout)
        self.client.deadline = min(now + RELEASE_BOUND_S, max(self._t0 + self.options.time_budget, now + grace))
        # kept, judged by none: every requirement's verdict is final (JUnit has reported it already)
        self.client.observers = [self._record]
        self._current.rid = None
        try:
            self.cleanup_problems = self.profile.release(self.discovery)
        except GaveUp as exc:
            self.cleanup_problems = [self.redactor.text(f"the release of what the run created stopped: {exc}")]
        except DeadlineReached:
            self.cleanup_problems = ["the release of what the run created did not fit in the run's time budget "
                                     "(--max-time) and the few --timeouts it may run past it"]
        except Exception as exc:  # never lose the report over a cleanup problem
            self.cleanup_problems = [self.redactor.text(f"cleanup failed: {exc!r}")]
        finally:
            self._phase("release", t, count)

    # -- the verdict -----------------------------------------------------------------------------
    def outcome(self, rid: str) -> Outcome:
        return self.ledger[rid]

    def status(self, rid: str) -> str:
        return self.ledger[rid].status

    def verdict(self) -> Verdict:
        if self.configuration_error:
            return Verdict(CONFIGURATION_ERROR, VERDICT_EXIT[CONFIGURATION_ERROR])
        v = verdict_of(((r.level, self.status(r.id), r.id in self.excluded, self.ledger[r.id].partial)
                        for r in self.requirements), aborted=bool(self.aborted))
        return Verdict(v, VERDICT_EXIT[v])

    def exit_code(self) -> int:
        """The run's exit code: the verdict's, or the gate's when a baseline was applied."""
        return self.gated_exit_code if self.gated_exit_code is not None else self.verdict().exit_code

    @property
    def duration_s(self) -> float:
        return round(time.monotonic() - self._t0, 1)

    def results(self) -> Results:
        """The run's results (``results.json``, docs/interface.md); credentials cannot appear (redacted)."""
        o = self.options
        return Results(
            catalog_version=self.catalog.version, tool_version=__version__, api=o.api,
            target=self.client.base_url,   # as given (it cannot carry credentials): a lab reads it exactly
            profile=o.profile, seed=o.seed, read_only=o.read_only, spec_sha256=spec_sha256(),
            started_at=self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            finished_at=(self.finished_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            verdict=self.verdict().verdict,
            requirements=tuple(self._requirement_result(req) for req in self.requirements),
            stats=Stats(requests=self.client.count, duration_s=self.duration_s,
                        discovery_s=round(self.discovery.spent_s, 3),
                        discovery_requests=self.discovery.spent_requests, replays=self.replayer.count,
                        waits=len(self.client.waits), waited_s=round(sum(w for _, _, w in self.client.waits), 1),
                        phases={k: round(s, 3) for k, s in self.phases.items()},
                        phase_requests=dict(self.phase_requests)),
            operations=self._coverage(), certification=o.certify,
            provenance=Provenance(options=o.redacted(), configuration_file=o.config_file or "none",
                                  baseline=o.baseline or "none"),
            root_causes=tuple(RootCauseResult(c.summary, tuple(c.explains)) for c in self.root_causes),
            discovery=tuple(self.discovery_notes), configuration_error=self.configuration_error,
            aborted=self.aborted,
            reference_server=(ReferenceInfo(tuple(o.reference_fault), tuple(o.reference_variant))
                              if self.reference is not None else None),
            ignored_credentials=tuple(o.ignored_environment), cleanup_problems=tuple(self.cleanup_problems),
            left_behind=tuple(self.left_behind),
        )

    def _requirement_result(self, req: Requirement) -> RequirementResult:
        o = self.ledger[req.id]
        skipped = o.status == "skipped"
        return RequirementResult(
            id=req.id, level=req.level, status=o.status, title=req.title, text=req.text, source=req.source,
            reason=self.redactor.text(o.skip_reason or "not verified") if skipped else None,
            blocked_by=o.blocked_by if skipped and o.blocked_by and not o.excluded else None,
            failures=tuple(f.result(self.redactor.text) for f in o.findings), more_failures=o.dropped,
            notes=tuple(o.notes),
            probes=o.probes, certified=req.id not in self.excluded,
            coverage=Coverage(complete=o.coverage_complete,
                              items=tuple(CoverageItem(item, p.probes, self.redactor.text(p.not_probed))
                                          for item, p in o.planned.items())),
            partial=o.partial)

    def _coverage(self) -> dict[str, OperationCount]:
        ops: dict[str, tuple[int, dict[str, int]]] = {}
        for ex in self.traffic:
            name = f"{ex.method} {ex.operation}" if ex.operation else f"{ex.method} (no operation)"
            requests, statuses = ops.get(name, (0, {}))
            code = str(ex.status) if ex.status is not None else "no answer"
            statuses[code] = statuses.get(code, 0) + 1
            ops[name] = (requests + 1, statuses)
        return {name: OperationCount(n, statuses) for name, (n, statuses) in ops.items()}


def _login_credentials(api: str) -> list[Credential]:
    from conformance.checks.apis import _OPTIONAL

    return list(_OPTIONAL.get(api, ()))
