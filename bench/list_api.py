#!/usr/bin/env python3
"""Answer times of the API's lists on a daemon holding 100,000 incidents (issue 17: each list
<= 50 ms). Standard library only; bench/lists.sh starts the daemon and calls

    list_api.py <port> <token-file> [--sources N] [--rounds N] [--rcas N] [--samples N]

It loads the data through the API: `sources` sources (one alert each, severity critical) fire
and resolve `rounds` times, a day apart from 2026-06-01, so sources x rounds incidents, every
one awaiting a post-mortem until an RCA names it; `rcas` published RCAs with 3 action items each
(owners owner-0..39, due dates spread over 60 days), linked to 10 incidents each. Then it GETs
each list `samples` times on one keep-alive connection and prints the median and the worst per
list as a table, and one line "LISTS_JSON {...}"."""
import json
import sys
import time

from ui_pages import Api, time_gets, webhook


def args():
    argv = sys.argv[1:]
    opts = {"--sources": 1_000, "--rounds": 100, "--rcas": 1_000, "--samples": 20}
    port, token_file = int(argv[0]), argv[1]
    for i in range(2, len(argv), 2):
        if argv[i] not in opts or i + 1 >= len(argv):
            sys.exit(f"usage: list_api.py <port> <token-file> [{' N] ['.join(opts)} N]")
        opts[argv[i]] = int(argv[i + 1])
    with open(token_file) as f:
        token = f.read().strip()
    return port, token, opts


def day(n, hour=10):
    return time.strftime(f"%Y-%m-%dT{hour:02d}:00:00Z", time.gmtime(1780308000 + n * 86400))


def alert(n, start, end=None):
    return {"status": "resolved" if end else "firing",
            "labels": {"alertname": f"List{n % 50}", "service": f"svc-{n // 50}",
                       "instance": "i-1", "severity": "critical", "team": f"team-{n % 7}"},
            "annotations": {"summary": f"alert {n}"}, "startsAt": start,
            "endsAt": end or "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": f"{n:016x}"}


def load(api, sources, rounds, rcas):
    for r in range(rounds):
        start, end = day(r), day(r, 11)
        for first in range(0, sources, 100):
            numbers = range(first, min(first + 100, sources))
            api.call("POST", "/api/v1/webhook", webhook([alert(n, start) for n in numbers]))
            api.call("POST", "/api/v1/webhook", webhook([alert(n, start, end) for n in numbers]))
    ids = [i["id"] for i in json.loads(api.call("GET", "/api/v1/incidents?limit=1000"))["incidents"]]
    for r in range(rcas):
        items = [{"id": f"a{k}", "title": f"action {k} of rca {r}", "type": "prevent",
                  "priority": f"P{k}", "owner": f"owner-{(r + k) % 40}",
                  "due": day(40 + (r + k) % 60)[:10], "status": "open" if k else "done"}
                 for k in range(3)]
        linked = [ids[(r * 10 + k) % len(ids)] for k in range(10)]
        api.call("PUT", f"/api/v1/rcas/rca-{r:04d}",
                 {"id": f"rca-{r:04d}", "title": f"Post-mortem {r}", "status": "published",
                  "published_at": day(r % rounds, 12), "root_cause": "a cause",
                  "incidents": linked, "action_items": items})
    return json.loads(api.call("GET", "/api/v1/incidents?limit=1"))["incidents"][0]["source_id"]


def main():
    port, token, opts = args()
    api = Api(port, token)
    t0 = time.perf_counter()
    source_id = load(api, opts["--sources"], opts["--rounds"], opts["--rcas"])
    total = opts["--sources"] * opts["--rounds"]
    print(f"loaded {total} incidents and {opts['--rcas']} RCAs in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    # A cursor 50 pages deep (5,000 incidents in), and the middle of the history.
    deep = "/api/v1/incidents?limit=100"
    for _ in range(50):
        deep = "/api/v1/incidents?limit=100&cursor=" + json.loads(api.call("GET", deep))["next"]
    middle = f"from={day(opts['--rounds'] // 2)}&to={day(opts['--rounds'] // 2 + 7)}"
    last_week = f"from={day(opts['--rounds'] - 7)}&to={day(opts['--rounds'])}"  # every source
    lists = {
        "incidents": "/api/v1/incidents",
        "incidents, 50 pages in (cursor)": deep,
        "incidents, one week (from/to)": f"/api/v1/incidents?{middle}",
        "incidents of a source": f"/api/v1/incidents?source={source_id}",
        "incidents, resolved": "/api/v1/incidents?state=resolved",
        "incidents, CSV": "/api/v1/incidents?format=csv",
        "awaiting post-mortem, overdue": "/api/v1/incidents?awaiting_postmortem=true&overdue=true",
        "sources": "/api/v1/sources",
        "sources, last seen in the last week (from/to)": f"/api/v1/sources?{last_week}",
        "sources, last seen in a week of none (from/to)": f"/api/v1/sources?{middle}",
        "rcas": "/api/v1/rcas",
        "rcas, CSV": "/api/v1/rcas?format=csv",
        "action items, overdue": "/api/v1/action-items?overdue=true",
        "action items of an owner": "/api/v1/action-items?owner=owner-3&status=open,in_progress",
    }
    result = time_gets(api, lists, opts["--samples"], "list")
    print("LISTS_JSON " + json.dumps({"incidents": total, "rcas": opts["--rcas"], "lists": result}))


if __name__ == "__main__":
    main()
