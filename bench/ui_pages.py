#!/usr/bin/env python3
"""Render times of the web UI's pages on a daemon holding 10,000 incidents and 1,000 RCAs
(issue 16: each page <= 50 ms). Standard library only; bench/ui.sh starts the daemon and calls

    ui_pages.py <port> <token-file> [--incidents N] [--rcas N] [--samples N]

It loads the data through the API (webhooks of 100 alerts, one source per alert, every source's
incident resolved; 1,000 of the sources fire again a day later, so 1,000 incidents are repeats;
RCAs with 3 action items each, linked to 10 incidents each), then GETs every page `samples`
times on one keep-alive connection and prints the median and the worst per page as a table,
and one line "UI_JSON {...}"."""
import http.client
import json
import statistics
import sys
import time


def args():
    argv = sys.argv[1:]
    opts = {"--incidents": 10_000, "--rcas": 1_000, "--samples": 20}
    port, token_file = int(argv[0]), argv[1]
    for i in range(2, len(argv), 2):
        opts[argv[i]] = int(argv[i + 1])
    with open(token_file) as f:
        token = f.read().strip()
    return port, token, opts["--incidents"], opts["--rcas"], opts["--samples"]


class Api:
    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        self.conn.request(method, path, body=None if body is None else json.dumps(body),
                          headers=self.auth)
        res = self.conn.getresponse()
        data = res.read()
        if res.status >= 300:
            sys.exit(f"{method} {path} -> {res.status}: {data[:300]!r}")
        return data


def alert(n, start, end=None):
    return {"status": "resolved" if end else "firing",
            "labels": {"alertname": f"Ui{n % 100}", "service": f"svc-{n // 100}",
                       "instance": "i-1", "severity": "critical"},
            "annotations": {"summary": f"alert {n}"}, "startsAt": start,
            "endsAt": end or "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": f"{n:016x}"}


def webhook(alerts):
    return {"version": "4", "status": "firing", "receiver": "pm", "groupKey": "{}",
            "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://am", "alerts": alerts}


def load(api, incidents, rcas):
    day1, day1_end, day2 = "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z", "2026-11-02T10:00:00Z"
    for first in range(0, incidents, 100):
        numbers = range(first, min(first + 100, incidents))
        api.call("POST", "/api/v1/webhook", webhook([alert(n, day1) for n in numbers]))
        api.call("POST", "/api/v1/webhook", webhook([alert(n, day1, day1_end) for n in numbers]))
    repeats = incidents // 10
    for first in range(0, repeats, 100):
        api.call("POST", "/api/v1/webhook",
                 webhook([alert(n, day2) for n in range(first, min(first + 100, repeats))]))
    listed = json.loads(api.call("GET", "/api/v1/incidents?limit=1000"))["incidents"]
    ids = [incident["id"] for incident in listed]
    for r in range(rcas):
        items = [{"id": f"a{k}", "title": f"action {k} of rca {r}", "type": "prevent",
                  "priority": "P1", "owner": f"owner-{r % 40}", "due": "2026-11-20",
                  "status": "open" if k else "done"} for k in range(3)]
        linked = [ids[(r * 10 + k) % len(ids)] for k in range(10)]
        api.call("PUT", f"/api/v1/rcas/rca-{r:04d}",
                 {"id": f"rca-{r:04d}", "title": f"Post-mortem {r}", "status": "published",
                  "published_at": "2026-11-05T10:00:00Z", "root_cause": "a cause",
                  "incidents": linked, "action_items": items})
    repeat = next(i for i in listed if i.get("repeat"))
    return repeat["id"], repeat["source_id"]


def time_gets(api, paths, samples, heading):
    """GETs each of `paths` (name -> path) `samples` times; prints the table of the median and
    worst times and returns them by name."""
    result = {}
    print(f"| {heading} | median | worst |\n|---|---|---|")
    for name, path in paths.items():
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            api.call("GET", path)
            times.append((time.perf_counter() - start) * 1000)
        result[name] = {"median_ms": round(statistics.median(times), 2),
                        "max_ms": round(max(times), 2)}
        print(f"| {name} | {statistics.median(times):.1f} ms | {max(times):.1f} ms |")
    return result


def main():
    port, token, incidents, rcas, samples = args()
    api = Api(port, token)
    t0 = time.perf_counter()
    repeat_id, source_id = load(api, incidents, rcas)
    print(f"loaded {incidents} incidents (+{incidents // 10} repeats) and {rcas} RCAs in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    pages = {"/": "/", "/?repeat=1": "/?repeat=1", "/?awaiting=1": "/?awaiting=1",
             "/?page=40": "/?page=40", "/incidents/{repeat}": f"/incidents/{repeat_id}",
             "/sources/{id}": f"/sources/{source_id}", "/rcas": "/rcas",
             "/rcas/{id}": "/rcas/rca-0001", "/action-items": "/action-items"}
    result = time_gets(api, pages, samples, "page")
    print("UI_JSON " + json.dumps({"incidents": incidents, "rcas": rcas, "pages": result}))


if __name__ == "__main__":
    main()
