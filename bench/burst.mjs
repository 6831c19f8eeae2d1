// A burst of PMS clients against the Roomonitor sandbox (issue 22): each client holds one
// keep-alive connection and sends its imports one after another (one booking each, v2), as a
// PMS pushing bookings does. All clients start at once. Node's own HTTP client, so the load
// generator costs the shared cores little next to the server it measures.
//
//   node bench/burst.mjs --url http://127.0.0.1:8000 --user U --token T --room R \
//        [--clients 200] [--requests 50] [--answered answered.txt] [--tag run1]
//
// Prints one JSON line: answers by status, transport errors, latency percentiles (ms, from the
// request's start to the answer's last byte), wall time, requests a second. With --answered it
// writes the booking id of every import answered 200 with [SUCCESS], one a line (so a SIGTERM
// mid-burst can be checked against the report: nothing answered may be missing from it).
import http from "node:http";
import { writeFileSync } from "node:fs";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const base = new URL(args.url);
const clients = Number(args.clients ?? 200);
const perClient = Number(args.requests ?? 50);
const tag = args.tag ?? `burst-${Date.now()}`;
const path = `${base.pathname.replace(/\/$/, "")}/v2/import_bookings/${encodeURIComponent(args.user)}`;

const latencies = [];
const statuses = {};
const answered = [];
let errors = 0;
const errorKinds = {};

function post(agent, body) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.request({
      host: base.hostname, port: base.port, path, method: "POST", agent,
      headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body),
                 "X-User-Id": args.user, "X-Auth-Token": args.token },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8"),
                                    ms: Number(process.hrtime.bigint() - start) / 1e6 }));
      res.on("error", (e) => resolve({ error: e.code || String(e) }));
    });
    req.on("error", (e) => resolve({ error: e.code || String(e) }));
    req.end(body);
  });
}

async function client(n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < perClient; i++) {
    const id = `${tag}-${n}-${i}`;
    const checkin = Date.UTC(2031, 0, 1) + (n * perClient + i) * 86400000;
    const body = JSON.stringify([{ id, roomId: args.room, checkin, checkout: checkin + 2 * 86400000,
                                   guestPhone: "+447700900123", guestName: "Burst Guest", lang: "EN" }]);
    const r = await post(agent, body);
    if (r.error) {
      errors++;
      errorKinds[r.error] = (errorKinds[r.error] ?? 0) + 1;
      if (r.error === "ECONNREFUSED") break;   // the server is gone: this client stops
      continue;
    }
    latencies.push(r.ms);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status === 200 && r.body.includes(`[SUCCESS][Booking ID: ${id}]`)) answered.push(id);
  }
  agent.destroy();
}

const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
const wall = Number(process.hrtime.bigint() - started) / 1e9;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(p / 100 * latencies.length) - 1)] : null;
const round = (x) => x === null ? null : Math.round(x * 10) / 10;
if (args.answered) writeFileSync(args.answered, answered.join("\n") + (answered.length ? "\n" : ""));
console.log(JSON.stringify({
  clients, requests_per_client: perClient, answers: latencies.length, statuses, answered_success: answered.length,
  errors, error_kinds: errorKinds, p50_ms: round(pct(50)), p90_ms: round(pct(90)), p99_ms: round(pct(99)),
  max_ms: round(latencies.at(-1) ?? null), wall_s: round(wall), per_s: Math.round(latencies.length / wall),
}));
