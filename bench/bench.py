#!/usr/bin/env python3
"""Helpers of bench/run.sh (standard library only): a free port, the start-to-ready timer,
Redis INFO deltas, the ceiling's EVALSHA taken from a MONITOR sample, and the report."""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port, path, timeout=0.5):
    """Status of one GET on a new connection, or None when it cannot connect."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
            head = s.recv(64)
        return int(head.split()[1]) if head.startswith(b"HTTP/") else None
    except (OSError, ValueError, IndexError):
        return None


def start_until_ready(port, log, argv, limit_s=20.0):
    """Spawns argv and polls GET /-/ready every 1 ms; returns (process, ms to the first 200)."""
    out = open(log, "ab")
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    while True:
        if http_status(port, "/-/ready") == 200:
            return proc, (time.perf_counter() - t0) * 1000.0
        if proc.poll() is not None:
            sys.exit(f"daemon exited with {proc.returncode} before ready; see {log}")
        if time.perf_counter() - t0 > limit_s:
            proc.kill()
            sys.exit(f"daemon not ready after {limit_s} s; see {log}")
        time.sleep(0.001)


def cmd_start(port, log, *argv):
    """start: spawn the daemon, print '<pid> <ms to ready>', leave it running."""
    proc, ms = start_until_ready(int(port), log, list(argv))
    print(proc.pid, f"{ms:.2f}")


def cmd_ready(times, port, log, *argv):
    """ready: <times> starts, each stopped with SIGTERM once ready; prints the times as JSON."""
    result = []
    for _ in range(int(times)):
        proc, ms = start_until_ready(int(port), log, list(argv))
        result.append(round(ms, 2))
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        while http_status(int(port), "/-/healthy", 0.05) is not None:
            time.sleep(0.01)
    print(json.dumps(result))


def parse_info(path):
    info = {}
    for line in open(path):
        line = line.strip()
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            info[k] = v
    return info


def cmd_redis_delta(before, after, webhooks, alerts):
    """Redis's side of the webhooks between two `INFO all` snapshots: EVALSHA and SMISMEMBER
    calls per webhook (commandstats; neither is called inside the scripts, unlike GET), alerts
    per EVALSHA (below 1 when compare-and-set retries happened), and Redis's read and write
    events per webhook. Write events are NOT round trips: Redis parses a large pipeline in 16 KB
    reads and answers what it parsed before the rest arrives; see rt-strace."""
    b, a = parse_info(before), parse_info(after)
    webhooks, alerts = int(webhooks), int(alerts)

    def stat(info, key):
        return int(info.get(key, "0"))

    def calls(info, cmd):
        m = re.search(r"calls=(\d+)", info.get("cmdstat_" + cmd, ""))
        return int(m.group(1)) if m else 0

    writes = stat(a, "total_writes_processed") - stat(b, "total_writes_processed") - 1
    reads = stat(a, "total_reads_processed") - stat(b, "total_reads_processed") - 1
    cmds = {c: calls(a, c) - calls(b, c) for c in ("get", "smismember", "evalsha", "eval",
                                                    "script|load", "hgetall", "ping")}
    total = stat(a, "total_commands_processed") - stat(b, "total_commands_processed") - 1
    out = {
        "webhooks": webhooks,
        "write_events_per_webhook": round(writes / webhooks, 3),
        "read_events_per_webhook": round(reads / webhooks, 3),
        "smismember_per_webhook": round(cmds["smismember"] / webhooks, 2),
        "commands_incl_scripts_per_webhook": round(total / webhooks, 1),
        "evalsha_per_webhook": round(cmds["evalsha"] / webhooks, 2),
        "alerts_per_evalsha": round(alerts / cmds["evalsha"], 3) if cmds["evalsha"] else None,
        "calls": cmds,
    }
    print(json.dumps(out))


def redis_fds(pid, port):
    """The daemon's file descriptors connected to 127.0.0.1:<port>."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = open(f"/proc/{pid}/net/{table}").read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if int(f[2].rsplit(":", 1)[1], 16) == int(port):
                inodes.add(f[9])
    fds = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in inodes:
            fds.add(int(fd))
    return fds


def cmd_rt_strace(trace, pid, port, webhooks):
    """Round trips per webhook from `strace -f` of the daemon's socket reads and writes.

    hiredis writes a whole pipeline, then reads until it has every reply: one round trip is
    one run of writes on a Redis connection, ended by a read on it. Counts the runs on every
    connection to Redis, over the webhooks sent while strace ran."""
    fds = redis_fds(pid, port)
    call = re.compile(r"^\d+\s+(read|write|readv|writev|sendto|recvfrom|sendmsg|recvmsg)\((\d+),")
    last, runs = {}, 0
    for line in open(trace):
        m = call.match(line)
        if not m or int(m.group(2)) not in fds:
            continue
        fd, kind = int(m.group(2)), "w" if m.group(1) in ("write", "writev", "sendto",
                                                          "sendmsg") else "r"
        if kind == "w" and last.get(fd) != "w":
            runs += 1
        last[fd] = kind
    print(json.dumps({"webhooks": int(webhooks), "redis_connections": len(fds),
                      "round_trips": runs, "round_trips_per_webhook": runs / int(webhooks)}))


# --- the ceiling -------------------------------------------------------------------------------

def monitor_args(line):
    """The arguments of one MONITOR line: 1700000000.000000 [0 127.0.0.1:5] "EVALSHA" "..." ..."""
    i = line.find("] ")
    if i < 0:
        return None
    s, args, j = line[i + 2:], [], 0
    while j < len(s):
        if s[j] != '"':
            j += 1
            continue
        j += 1
        buf = bytearray()
        while s[j] != '"':
            c = s[j]
            if c == "\\":
                n = s[j + 1]
                if n == "x":
                    buf.append(int(s[j + 2:j + 4], 16))
                    j += 4
                    continue
                buf += {"n": b"\n", "r": b"\r", "t": b"\t", "a": b"\a", "b": b"\b"}.get(
                    n, n.encode())
                j += 2
                continue
            buf += c.encode()
            j += 1
        args.append(bytes(buf))
        j += 1
    return args


def cmd_ceiling_prep(monitor, out_args, out_seed):
    """Picks the median-sized commit EVALSHA of a MONITOR sample of the batched load and turns
    it into a redis-benchmark command that writes every time, as the daemon's commits do:

    - the source id in every key becomes `0000__rand_int__` (redis-benchmark puts a random
      12-digit number in each placeholder, so with -r 10000 the calls spread over 10,000
      sources, each key drawn independently);
    - ARGV[2], the new state, keeps the version it replaces (the daemon's is expected + 1), so
      the compare-and-set passes again on the next call of the same source: every call does the
      full work (GET + cjson.decode of the state, then every write);
    - out_seed gets the state of each of the 10,000 sources, for the seed EVAL before the run.
    Writes the arguments NUL-separated to out_args."""
    commits = []
    for line in open(monitor, encoding="utf-8", errors="surrogateescape"):
        if '"EVALSHA"' not in line and '"evalsha"' not in line:
            continue
        args = monitor_args(line)  # only the commit script runs during webhooks
        if args and len(args) > 3 and args[0].upper() == b"EVALSHA":
            commits.append(args)
    if not commits:
        sys.exit(f"no EVALSHA in {monitor}")
    commits.sort(key=lambda a: sum(len(x) for x in a))
    args = commits[len(commits) // 2]
    numkeys = int(args[2])
    keys, argv = args[3:3 + numkeys], args[3 + numkeys:]
    sid = re.search(rb"\{([0-9a-f]{16})\}", keys[0]).group(1)
    keys = [k.replace(sid, b"0000__rand_int__") for k in keys]
    expected = int(argv[0])
    doc = json.loads(argv[1])
    doc["version"] = expected
    state = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    argv = [argv[0], state] + argv[2:]
    with open(out_args, "wb") as f:
        f.write(b"\0".join([b"EVALSHA", args[1], args[2]] + keys + argv) + b"\0")
    with open(out_seed, "wb") as f:
        f.write(keys[0].replace(b"__rand_int__", b"%012d") + b"\0" + state + b"\0")
    print(json.dumps({"commits_sampled": len(commits), "keys": numkeys, "argv": len(argv),
                      "bytes": sum(len(x) for x in args), "expected_version": expected,
                      "alerts_in_incident": state.count(b'"fingerprint"')}))


# --- the report --------------------------------------------------------------------------------

# (key, label, unit, target text, test on the median, decimals)
ROWS = [
    ("batched_alerts_per_s", "batched ingest (webhooks of 100 alerts over the sources)", "alerts/s",
     ">= 100,000", lambda v, r: v >= 100000, 0),
    ("ceiling_alerts_per_s", "ceiling: redis-benchmark EVALSHA (commit shape), -P 32 -c 4",
     "alerts/s", "", None, 0),
    ("batched_ratio", "batched ingest / ceiling", "x", ">= 0.3", lambda v, r: v >= 0.3, 3),
    ("batched_p99_ms", "batched webhook latency p99", "ms", "", None, 1),
    ("single_rps", "single-alert webhooks, 16 keep-alive connections", "req/s", ">= 10,000",
     lambda v, r: v >= 10000, 0),
    ("single_p50_ms", "single-alert latency p50", "ms", "", None, 2),
    ("single_p99_ms", "single-alert latency p99", "ms", "<= 5", lambda v, r: v <= 5, 2),
    ("rt_batched", "Redis round trips per batched webhook (strace sample)", "", "<= 2",
     lambda v, r: v <= 2, 2),
    ("rt_single", "Redis round trips per single-alert webhook (strace sample)", "", "<= 2",
     lambda v, r: v <= 2, 2),
    ("evalsha_batched", "EVALSHA per batched webhook (commandstats)", "", "", None, 1),
    ("alerts_per_evalsha", "alerts per EVALSHA, batched (< 1: compare-and-set retries)", "",
     "", None, 3),
    ("rss_idle_mb", "RSS idle after ready", "MB", "<= 20", lambda v, r: v <= 20, 1),
    ("alerts", "alerts ingested in the batched phase", "", "", None, 0),
    ("rss_after_mb", "RSS after the batched alerts", "MB", "<= 64", lambda v, r: v <= 64, 1),
    ("hwm_after_mb", "peak RSS (VmHWM) after the batched alerts", "MB", "", None, 1),
    ("rss_after_rcas_mb", "RSS after the RCAs and scrapes", "MB", "", None, 1),
    ("scrape_ms", "GET /metrics (sources + action items stored)", "ms", "<= 50",
     lambda v, r: v <= 50, 1),
    ("ready_ms", "start to first 200 of /-/ready (Redis with data)", "ms", "< 100",
     lambda v, r: v < 100, 1),
]


def fmt(v, d):
    return f"{v:,.{d}f}" if isinstance(v, (int, float)) else "-"


def cmd_report(out_json, *run_files):
    runs = [json.load(open(f)) for f in run_files]
    summary = {"runs": runs, "median": {}, "min": {}, "max": {}}
    lines = ["| measure | target | median | min - max | met? |", "|---|---|---|---|---|"]
    for key, label, unit, target, test, d in ROWS:
        values = [r[key] for r in runs if r.get(key) is not None]
        if not values:
            continue
        med = statistics.median(values)
        summary["median"][key], summary["min"][key], summary["max"][key] = \
            med, min(values), max(values)
        met = "" if test is None else ("yes" if test(med, runs) else "**no**")
        u = f" {unit}" if unit else ""
        lines.append(f"| {label} | {target}{u if target else ''} | {fmt(med, d)}{u} | "
                     f"{fmt(min(values), d)} - {fmt(max(values), d)} | {met} |")
    summary["table"] = "\n".join(lines)
    with open(out_json, "w") as f:
        json.dump(summary, f, indent=1)
    print(summary["table"])


if __name__ == "__main__":
    commands = {"free-port": lambda: print(free_port()), "start": cmd_start,
                "ready": cmd_ready, "redis-delta": cmd_redis_delta,
                "rt-strace": cmd_rt_strace,
                "ceiling-prep": cmd_ceiling_prep, "report": cmd_report}
    commands[sys.argv[1]](*sys.argv[2:])
