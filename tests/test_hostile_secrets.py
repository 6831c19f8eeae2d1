"""What a server sends cannot leak a credential or run in the report: secrets echoed in every
answer stay masked in every output; HTML payloads in bodies show as text in a real browser."""
from __future__ import annotations

import html
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from conformance.reference_server import DEFAULTS
from tests.hostile import BASIC, MARK, SCRIPT, SECRETS, HostileServer, echoing, injecting
from tests.hostile_run import CATALOG, Cli, assert_no_traceback, cli, reference, with_secrets


def assert_within_bounds(result: Cli) -> None:
    """Issue 22's bounds (as tests/test_hostile_bounds.py holds every other hostile server to)."""
    assert_no_traceback(result)
    assert result.code in (1, 3), result.stderr[-2000:]
    assert result.results()["stats"]["duration_s"] <= 30, result.results()["stats"]
    assert result.elapsed < 60 and result.maxrss_mb < 300, (result.elapsed, result.maxrss_mb)


# -- secrets ------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["roomz", "roomonitor"])
def test_secrets_appear_in_no_output_even_when_the_server_echoes_them(tmp_path, api) -> None:
    env, secrets, upstream = with_secrets(api)
    poison_after = 100 if api == "roomz" else 40
    with HostileServer(echoing(poison_after), upstream=upstream) as srv:
        result = cli(tmp_path, "--api", api, "--base-url", srv.url, "--profile", "quick", "--timeout", "5", env=env)
        echoed = sum(1 for s in srv.seen if any(v in (s.headers.get("authorization", ""),
                                                      s.headers.get("x-auth-token", ""))
                                                 for v in ("Basic " + BASIC, SECRETS["auth_token"])))
    assert_within_bounds(result)
    assert echoed > 10, "the server saw (and echoed) the credentials"
    outputs = result.outputs()
    assert {"report.html", "results.json", "junit.xml", "stdout", "stderr"} <= set(outputs)
    for where, text in outputs.items():
        for what, secret in secrets.items():
            assert secret not in text, f"the {what} appears in {where}"
    # the echo did reach the outputs, masked: the protection was exercised, not bypassed
    for where in ("report.html", "results.json", "junit.xml", "stderr"):
        assert "[REDACTED]" in outputs[where], f"no masked echo in {where}"
    assert "run aborted" in result.stderr


# -- report safety ------------------------------------------------------------------------------
def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"):
        path = shutil.which(name)
        if path:
            return path
    return None


class DomSummary(HTMLParser):
    """What the rendered report holds: elements the payload marked, live payload elements
    (handlers on img/svg, scripts quoting the mark), and the requirement table's body rows."""

    def __init__(self) -> None:
        super().__init__()
        self.marked: list[tuple[str, dict]] = []
        self.live_payloads: list[tuple[str, dict]] = []
        self.rows = 0
        self._tables: list[bool] = []      # open tables: is it the requirement table?
        self._in_body = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if MARK in a:
            self.marked.append((tag, a))
        if tag in ("img", "svg") and any(k.startswith("on") for k in a):
            self.live_payloads.append((tag, a))
        self._in_script = tag == "script"
        if tag == "table":
            self._tables.append(a.get("id") == "requirements")
        elif self._tables and self._tables[-1] and tag == "tbody":
            self._in_body = True
        elif self._tables and self._tables[-1] and self._in_body and tag == "tr":
            self.rows += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._tables:
            self._tables.pop()
        elif tag == "tbody":
            self._in_body = False
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and MARK in data:
            self.live_payloads.append(("script", {"text": data[:80]}))


def test_server_content_cannot_run_in_the_report(tmp_path) -> None:
    browser = chromium_binary()
    if browser is None:
        pytest.skip("no chromium binary on PATH (apt-get install -y chromium): the rendered report cannot be checked")
    with HostileServer(injecting, upstream=reference()) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--timeout", "5",
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]})
    assert_within_bounds(result)
    report = result.report_dir / "report.html"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert dom.returncode == 0 and "<html" in dom.stdout, dom.stderr[-2000:]
    summary = DomSummary()
    summary.feed(dom.stdout)
    assert summary.marked == [], f"an injected script ran: {summary.marked}"
    assert summary.live_payloads == [], f"injected elements are live in the report: {summary.live_payloads}"
    assert summary.rows == len(CATALOG.for_api("roomz")), "the requirement table lost or gained rows"
    # and the payloads did reach the report, shown as text: in the table and in the evidence
    assert "&lt;script&gt;document.documentElement" in dom.stdout
    html_text = report.read_text(encoding="utf-8")
    table = html_text[html_text.index('id="requirements"'):]
    table = table[: table.index("</table>")]
    assert html.escape(SCRIPT) in table, "a payload shows in the requirement table, escaped"

