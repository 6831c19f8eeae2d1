"""report.html as a person sees it: rendered in a real browser (headless Chromium), not read as text.

Three runs of the bundled reference server (clean, one intermittent fault, many faults) and one
against a server that puts HTML and script payloads in every name it sends. Each report is
screenshotted (into the test's tmp folder, and into reports/screenshots/ when that folder exists)
and probed: a copy of it gets a test-only script that measures the rendered page, works the
filters and a copy button, and writes what it found into the DOM, which Chromium dumps. The
report the suite wrote is never changed; only the copy carries the probe.
"""
from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.reference_server import DEFAULTS, ReferenceServer
from conformance.requirements import load_catalog
from tests.hostile import Conn, HostileServer

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "reports" / "screenshots"
WINDOW = "1280,800"
MANY = ("rooms-wrapped", "window-ignored", "no-auth-all", "any-credentials", "no-create-conflict")
RUNS: dict[str, tuple[str, ...]] = {"clean": (), "one-fault": ("null-location-once",), "many-faults": MANY}
ROOMZ_IDS = load_catalog().ids("roomz")

# The test-only probe. It runs after the page's own script (so the filters and copy buttons are
# wired), stubs the clipboard to see what a copy button copies, and leaves its findings as JSON
# in <pre id="test-probe">. --virtual-time-budget lets its 200 ms timer fire before the dump.
PROBE = """<script>(function(){
var out={}, rows=[].slice.call(document.querySelectorAll('#requirements tbody tr'));
function shown(tr){return getComputedStyle(tr).display!=='none';}
var v=document.getElementById('verdict'), r=v.getBoundingClientRect();
out.verdict={top:r.top,bottom:r.bottom,text:v.innerText};
out.viewport={width:window.innerWidth,height:window.innerHeight,scrollY:window.scrollY};
out.rows=rows.map(function(tr){var a=tr.querySelector('a');return {id:a.textContent,href:a.getAttribute('href'),
  status:tr.getAttribute('data-status'),detail:tr.querySelector('td.detail').innerText};});
out.links=[].slice.call(document.querySelectorAll('a')).map(function(a){return a.getAttribute('href');});
var files=['results.json','traffic.har','junit.xml','record.json'];
out.dangling=out.links.filter(function(h){return !h||(h.charAt(0)!=='#'&&files.indexOf(h)<0)||
  (h.charAt(0)==='#'&&!document.getElementById(h.slice(1)));});
out.ids=[].slice.call(document.querySelectorAll('[id]')).map(function(el){return el.id;});
out.scripts=document.scripts.length;
out.handlers=[];out.loaders=[];
document.querySelectorAll('*').forEach(function(el){[].slice.call(el.attributes).forEach(function(at){
  if(at.name.indexOf('on')===0){out.handlers.push(el.tagName+' '+at.name);}
  if(at.name==='src'||(at.name==='href'&&el.tagName!=='A')){out.loaders.push(el.tagName+' '+at.name);}});});
out.pwned=document.documentElement.getAttribute('data-pwned');
out.filters={};
document.querySelectorAll('.filters input').forEach(function(box){
  box.checked=false;box.dispatchEvent(new Event('change'));
  out.filters[box.value]=rows.filter(shown).map(function(tr){return tr.getAttribute('data-status');});
  box.checked=true;box.dispatchEvent(new Event('change'));});
out.shown_after_filters=rows.filter(shown).length;
out.sections={};
document.querySelectorAll('section.req').forEach(function(s){out.sections[s.id]=s.innerText;});
out.rerun={};
document.querySelectorAll('pre[id^="rerun-"]').forEach(function(p){out.rerun[p.id]=p.textContent;});
var buttons=document.querySelectorAll('button.copy'), copiedText=null;
out.copy_buttons=buttons.length;
function write(){var pre=document.createElement('pre');pre.id='test-probe';pre.textContent=JSON.stringify(out);
  document.body.appendChild(pre);}
if(!buttons.length){write();return;}
Object.defineProperty(navigator,'clipboard',{configurable:true,
  value:{writeText:function(t){copiedText=t;return Promise.resolve();}}});
buttons[0].click();
setTimeout(function(){out.copy={label:buttons[0].textContent,copied:copiedText,
  source:document.getElementById(buttons[0].getAttribute('data-for')).textContent};write();},200);
})();</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        if shutil.which(name):
            return str(shutil.which(name))
    pytest.skip("no chromium binary on PATH (apt-get install -y chromium): the rendered report cannot be checked")


def browser_args(browser: str, profile: Path) -> list[str]:
    """Headless, as tests/test_hostile_secrets.py starts it; a profile of its own per call (parallel calls)."""
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={WINDOW}"]


def conformance_run(report_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", "run", "--profile", "quick", "--report-dir",
                           str(report_dir), *args], capture_output=True, text=True, env=ENV, timeout=120)


def render(report: Path, name: str, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    """(what the probe found, the screenshot): two Chromium processes at once, one on the
    report itself (the screenshot), one on a probed copy (the DOM)."""
    browser = chromium()
    probed = tmp_path / f"probed-{name}.html"
    page = report.read_text(encoding="utf-8")
    assert page.count("</body>") == 1
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    shot = tmp_path / f"report-{name}.png"
    shooter = subprocess.Popen(browser_args(browser, tmp_path / f"profile-shot-{name}")
                               + [f"--screenshot={shot}", report.as_uri()],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dom = subprocess.run(browser_args(browser, tmp_path / f"profile-dom-{name}")
                         + ["--virtual-time-budget=1000", "--dump-dom", probed.as_uri()],
                         capture_output=True, text=True, timeout=60)
    shooter.wait(timeout=60)
    match = re.search(r'<pre id="test-probe">(.*?)</pre>', dom.stdout, re.S)
    assert match, f"the probe left nothing in the dumped DOM: {dom.stderr[-2000:]}"
    assert shot.is_file() and shot.stat().st_size > 10_000, "no screenshot"
    if SCREENSHOTS.is_dir():
        shutil.copy(shot, SCREENSHOTS / shot.name)
    return json.loads(html.unescape(match.group(1))), shot


def assert_page_is_sound(found: dict[str, Any], results: dict[str, Any]) -> None:
    """What every report must be, whatever the run: verdict on the first screen, one row per
    requirement linking to its section, every in-page link resolving, working filters, no
    script but its own and nothing loaded from anywhere."""
    verdict, viewport = found["verdict"], found["viewport"]
    assert f"Verdict: {results['verdict']}" in verdict["text"]
    assert viewport["scrollY"] == 0 and 0 <= verdict["top"] and verdict["bottom"] <= viewport["height"], found
    assert "still counts" in verdict["text"], "the verdict rule for findings not reproduced on replay is shown"
    assert [row["id"] for row in found["rows"]] == [r["id"] for r in results["requirements"]]
    assert all(row["href"] == f"#req-{row['id']}" for row in found["rows"])
    assert found["dangling"] == [], "links whose target is not in the page"
    assert sorted(i for i in found["ids"] if i.startswith("req-")) == sorted(f"req-{r}" for r in ROOMZ_IDS)
    assert len(found["ids"]) == len(set(found["ids"])), "duplicate element ids"
    assert found["scripts"] == 2, "the page's own script and the probe, nothing else"
    assert found["handlers"] == [] and found["loaders"] == [] and found["pwned"] is None
    for status, shown in found["filters"].items():
        assert status not in shown and len(shown) == sum(1 for row in found["rows"] if row["status"] != status)
    assert found["shown_after_filters"] == len(ROOMZ_IDS)
    for row, r in zip(found["rows"], results["requirements"], strict=True):
        if r["status"] == "passed":
            assert f"{r['probes']} probe" in row["detail"], row
            assert "What was verified" in found["sections"][f"req-{r['id']}"]


def assert_failures_are_explained(found: dict[str, Any], results: dict[str, Any]) -> None:
    """Each failed requirement: expected against got, the response, a curl line, a re-run command
    with the seed and the ID, and a copy button that copies what it sits next to."""
    for r in (r for r in results["requirements"] if r["status"] == "failed"):
        text = found["sections"][f"req-{r['id']}"]
        assert "expected" in text and "got" in text and "Reproduce with" in text, text[:500]
        rerun = found["rerun"][f"rerun-{r['id']}-0"]
        assert f"--seed {results['seed']}" in rerun and rerun.endswith(f"--requirement {r['id']}")
    copy = found["copy"]
    assert copy["copied"] == copy["source"] and copy["label"] == "copied", copy


@pytest.mark.parametrize("kind", sorted(RUNS))
def test_the_rendered_report(kind: str, tmp_path: Path) -> None:
    faults = [a for f in RUNS[kind] for a in ("--reference-fault", f)]
    proc = conformance_run(tmp_path / "report", *faults)
    assert proc.returncode == (0 if kind == "clean" else 1), proc.stdout + proc.stderr
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    found, shot = render(tmp_path / "report" / "report.html", kind, tmp_path)
    print(f"screenshot: {shot}")
    assert_page_is_sound(found, results)
    assert_failures_are_explained(found, results)   # the clean run's warning (RZ-HTTPS) has a copy button too
    if kind == "one-fault":
        null = found["sections"]["req-RZ-NULL"]
        assert "not reproduced on replay" in null and "still counts toward the verdict" in null
        assert "RZ-NULL (not reproduced on replay)" in found["verdict"]["text"]
    if kind == "many-faults":
        assert {c for cause in results["root_causes"] for c in cause["explains"]} <= {
            r["id"] for r in results["requirements"] if r["status"] == "failed"}
        assert "#root-causes" in found["links"] and "root-causes" in found["ids"]
        assert "confirmed on replay" in found["sections"]["req-RZ-ROOMS"]
        for r in (r for r in results["requirements"] if r["status"] == "failed"):
            assert r["id"] in found["verdict"]["text"], "the verdict box names every failed requirement"


# -- a server whose content carries HTML and script -------------------------------------------------
PAYLOAD = ("</code></pre></td></tr></tbody></table></div>"
           "<script>document.documentElement.setAttribute('data-pwned','script')</script>"
           "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"
           "\"'><svg onload=\"document.documentElement.setAttribute('data-pwned','svg')\">")


def injecting(c: Conn) -> None:
    """Room names and meeting subjects carry the payload; an unknown room answers a 500 HTML page
    with it (so it lands in a failure's response, shown as a body)."""
    if c.req.method == "GET" and "unknown" in c.req.path:
        return c.respond(500, f"<html><body><h1>{PAYLOAD}</h1></body></html>", content_type="text/html")
    up = c.forward()
    data = up.json()
    for item in data if isinstance(data, list) else [data] if isinstance(data, dict) else []:
        if isinstance(item, dict) and "name" in item:
            item["name"] = "Room " + PAYLOAD
        if isinstance(item, dict) and "subject" in item:
            item["subject"] = "Meeting " + PAYLOAD
    if data is not None:
        up.set_json(data)
    c.relay(up)


def test_no_script_from_a_server_body_runs(tmp_path: Path) -> None:
    env = {"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]}
    with HostileServer(injecting, upstream=ReferenceServer(api="roomz")) as srv:
        proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--base-url", srv.url, "--profile", "quick",
                               "--timeout", "2", "--report-dir", str(tmp_path / "report")],
                              capture_output=True, text=True, env={**ENV, **env}, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    report = tmp_path / "report" / "report.html"
    page = report.read_text(encoding="utf-8")
    assert page.count("<script") == 1 and "<img" not in page and "<svg" not in page, "payloads are escaped"
    assert html.escape("<script>document.documentElement", quote=True) in page, "the payload is shown, as text"
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    found, _ = render(report, "injected", tmp_path)
    assert found["pwned"] is None and found["handlers"] == [], found["handlers"]
    assert_page_is_sound(found, results)
    assert base64.b64encode(b"roomz:roomz-secret").decode() not in page and DEFAULTS["password"] not in page
