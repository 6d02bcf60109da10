#!/usr/bin/env python3
"""Helpers of bench/run.sh (standard library only): a free port, the start-to-ready timer,
Redis INFO deltas, the ceiling's EVALSHA taken from a MONITOR sample, and the report."""
import hashlib
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


def calls(info, cmd):
    """Calls of `cmd` in a parsed `INFO commandstats` (0 when never called)."""
    m = re.search(r"calls=(\d+)", info.get("cmdstat_" + cmd, ""))
    return int(m.group(1)) if m else 0


def cmd_ceiling_check(before, after, sources):
    """Fails unless every EVALSHA of the ceiling between two `INFO commandstats` snapshots
    wrote every one of its `sources`: a source that passes its compare-and-set ZADDs both source
    indices, one that loses it writes nothing."""
    b, a = parse_info(before), parse_info(after)
    evalsha = calls(a, "evalsha") - calls(b, "evalsha")
    zadd = calls(a, "zadd") - calls(b, "zadd")
    if evalsha <= 0 or zadd < 2 * int(sources) * evalsha:
        sys.exit(f"ceiling: {evalsha} EVALSHA calls of {sources} sources but {zadd} ZADD: "
                 "not every call wrote every source")


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

    writes = stat(a, "total_writes_processed") - stat(b, "total_writes_processed") - 1
    reads = stat(a, "total_reads_processed") - stat(b, "total_reads_processed") - 1
    cmds = {c: calls(a, c) - calls(b, c) for c in ("get", "smismember", "evalsha", "eval",
                                                    "script|load", "hgetall", "ping")}
    total = stat(a, "total_commands_processed") - stat(b, "total_commands_processed") - 1

    def cpu_s(info):
        return float(info.get("used_cpu_sys", "0")) + float(info.get("used_cpu_user", "0"))

    out = {
        # Redis's CPU (user + system, INFO's CPU section) per webhook: what one costs Redis.
        "cpu_us_per_webhook": round((cpu_s(a) - cpu_s(b)) * 1e6 / webhooks, 1),
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


# The ceiling runs a variant of the daemon's commit script: this block, then the daemon's script
# byte for byte. It puts every source's version back to the expected one (its first ARGV) before
# the compare-and-set, so every call passes it and does every write, as each of the daemon's
# commits does. Without it, the first call sets the versions to expected + 1 and every later
# call returns 0s after its reads: the ceiling would measure cheap failures. The price is one
# SET per source per call that the daemon's commit does not do: the ceiling is, if anything,
# slightly understated. It walks ARGV as redis_commit.lua's first pass does.
CEILING_RESET = b"""do
  local a, k = 2, 4
  for _ = 1, tonumber(ARGV[1]) do
    redis.call('SET', KEYS[k + 2], ARGV[a])
    local occurrences, incidents = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
    a = a + 7 + occurrences
    for _ = 1, incidents do
      a = a + 5 + tonumber(ARGV[a + 4])
      a = a + 1 + 2 * tonumber(ARGV[a])
    end
    a = a + 1 + 6 * tonumber(ARGV[a])
    k = k + 5 + 3 * incidents
  end
end
"""


def commit_sources(argv):
    """Per source of a commit call's ARGV (redis_commit.lua): (expected version, state JSON,
    new occurrences, incidents)."""
    sources, a = [], 1
    for _ in range(int(argv[0])):
        occurrences, incidents = int(argv[a + 5]), int(argv[a + 6])
        sources.append((int(argv[a]), argv[a + 1], occurrences, incidents))
        a += 7 + occurrences
        for _ in range(incidents):
            a += 5 + int(argv[a + 4])
            a += 1 + 2 * int(argv[a])
        a += 1 + 6 * int(argv[a])
    return sources


def commit_script():
    """The daemon's commit script: store/CMakeLists.txt embeds redis_shared.lua followed by
    redis_commit.lua, as is, in redis_scripts.h (kCommitScript), with the SHA-1 of the two."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "store", "src")
    return b"".join(open(os.path.join(src, f), "rb").read()
                    for f in ("redis_shared.lua", "redis_commit.lua"))


class Redis:
    """Just enough RESP for ceiling-prep: unlike redis-cli's output, an integer 1, a 0 and an
    error reply cannot be mistaken for one another."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
        self.replies = self.sock.makefile("rb")

    def __call__(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += [b"$%d\r\n" % len(a), a, b"\r\n"]
        self.sock.sendall(b"".join(out))
        return self.reply()

    def reply(self):
        line = self.replies.readline()
        kind, rest = line[:1], line[1:].rstrip(b"\r\n")
        if kind == b"-":
            sys.exit(f"ceiling: Redis answered an error: {rest.decode(errors='replace')}")
        if kind == b"+":
            return rest.decode()
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self.replies.read(int(rest) + 2)[:-2]
        if kind == b"*":
            return None if int(rest) < 0 else [self.reply() for _ in range(int(rest))]
        sys.exit(f"ceiling: unexpected reply from Redis: {line[:80]!r}")


def run_redis_port(monitor):
    """The port of the run's Redis: run.sh starts it with --dir and --logfile in the directory
    of the MONITOR sample, and Redis logs "Running mode=standalone, port=N." on start."""
    log = os.path.join(os.path.dirname(os.path.abspath(monitor)), "redis.log")
    try:
        ports = re.findall(r"Running mode=\w+, port=(\d+)\.", open(log, errors="replace").read())
    except OSError:
        ports = []
    if not ports:
        sys.exit(f"ceiling: no Redis port given and none in {log}")
    return ports[-1]


def cmd_ceiling_prep(monitor, out_args, out_check, port=None):
    """Picks the median-sized commit EVALSHA of a MONITOR sample of the batched load and turns
    it into a redis-benchmark command that writes every time, as the daemon's commits do:

    - the script is the daemon's with CEILING_RESET in front (loaded here, into the run's Redis
      at `port`, by default the one whose log is next to the sample): every call passes the
      compare-and-set of each of its sources and does the daemon's successful commit, plus one
      SET per source;
    - the keys and arguments stay as sampled (the same sources at every call: their sets and
      hashes are overwritten, their timelines grow, as an incident's do);
    - before the benchmark, two calls in a row must both answer 1 for every source (the
      daemon's script answers 0s to the second), and leave each version at expected + 1;
    - out_check gets the first source's state key and the sampled state, for run.sh's check
      afterwards that the calls wrote what was sampled.
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

    # The variant is only the daemon's script plus the reset if the sample ran this tree's script.
    script = commit_script()
    if hashlib.sha1(script).hexdigest().encode() != args[1].lower():
        sys.exit(f"ceiling: the sampled EVALSHA {args[1].decode()} is not the SHA-1 of "
                 "store/src/redis_shared.lua + redis_commit.lua: is the daemon built from this "
                 "tree?")
    sources = commit_sources(argv)
    version_keys, k = [], 4  # KEYS as redis_commit.lua lays them out, 0-based
    for source in sources:
        version_keys.append(keys[k + 1])
        k += 5 + 3 * source[3]
    if not all(key.endswith(b":version") for key in version_keys):
        sys.exit(f"ceiling: the sampled commit's KEYS are not laid out as redis_commit.lua's: "
                 f"{version_keys[:3]}")

    redis = Redis(port or run_redis_port(monitor))
    variant = CEILING_RESET + script
    sha = redis("SCRIPT", "LOAD", variant)
    assert sha == hashlib.sha1(variant).hexdigest().encode(), sha
    command = [b"EVALSHA", sha, args[2]] + keys + argv

    # Two calls in a row: each must write every source. The daemon's script would answer 0s to
    # the second (the versions are then expected + 1).
    answers = [redis(*command) for _ in range(2)]
    expected = [1] * len(sources)
    version = (redis("GET", version_keys[0]) or b"").decode()
    if answers != [expected, expected] or version != str(sources[0][0] + 1):
        sys.exit(f"ceiling: the variant's calls answered {answers} (first version now "
                 f"{version!r}), not 1 per source twice (version expected + 1): the ceiling "
                 "would not measure commits")

    with open(out_args, "wb") as f:
        f.write(b"\0".join(command) + b"\0")
    with open(out_check, "wb") as f:
        f.write(keys[4] + b"\0" + sources[0][1] + b"\0")
    print(json.dumps({"commits_sampled": len(commits), "keys": numkeys, "argv": len(argv),
                      "bytes": sum(len(x) for x in args), "sources": len(sources),
                      "alerts": sum(s[2] for s in sources),
                      "script_sha1": args[1].decode(), "variant_sha1": sha.decode(),
                      "variant": "the daemon's commit script after one SET of each source's "
                                 "version to its expected one: every call passes the "
                                 "compare-and-set",
                      "extra_commands_per_call": len(sources), "check_calls_answered": len(answers)}))


# --- the report --------------------------------------------------------------------------------

# (key, label, unit, target text, test on the median, decimals)
ROWS = [
    ("grouped_alerts_per_s", "grouped ingest (webhooks of one source's 100 alerts: "
     "Alertmanager's group_by)", "alerts/s", ">= 100,000", lambda v, r: v >= 100000, 0),
    ("ceiling_grouped_alerts_per_s", "ceiling: redis-benchmark EVALSHA (grouped commit shape), "
     "-P 32 -c 4", "alerts/s", "", None, 0),
    ("grouped_ratio", "grouped ingest / its ceiling", "x", "", None, 3),
    ("grouped_p99_ms", "grouped webhook latency p99", "ms", "", None, 1),
    ("cpu_grouped_daemon_us", "CPU per grouped webhook: daemon", "us", "", None, 0),
    ("cpu_grouped_redis_us", "CPU per grouped webhook: Redis", "us", "", None, 0),
    ("cpu_grouped_wrk_us", "CPU per grouped webhook: wrk (the load generator)", "us", "", None, 0),
    ("batched_alerts_per_s", "batched ingest (webhooks of 100 alerts over 100 sources)", "alerts/s",
     ">= 50,000", lambda v, r: v >= 50000, 0),
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
    ("cpu_single_daemon_us", "CPU per single-alert webhook: daemon (user + system)", "us", "",
     None, 0),
    ("cpu_single_redis_us", "CPU per single-alert webhook: Redis (user + system)", "us", "",
     None, 0),
    ("cpu_single_wrk_us", "CPU per single-alert webhook: wrk (the load generator)", "us", "",
     None, 0),
    ("cpu_batched_daemon_us", "CPU per batched webhook: daemon", "us", "", None, 0),
    ("cpu_batched_redis_us", "CPU per batched webhook: Redis", "us", "", None, 0),
    ("cpu_batched_wrk_us", "CPU per batched webhook: wrk (the load generator)", "us", "", None, 0),
    ("rss_idle_mb", "RSS idle after ready", "MB", "<= 20", lambda v, r: v <= 20, 1),
    ("alerts", "alerts ingested in the batched phase", "", "", None, 0),
    ("rss_after_mb", "RSS after the batched alerts", "MB", "<= 64", lambda v, r: v <= 64, 1),
    ("hwm_after_mb", "peak RSS (VmHWM) after the batched alerts", "MB", "", None, 1),
    ("rss_after_rcas_mb", "RSS after the RCAs and scrapes", "MB", "", None, 1),
    ("scrape_ms", "GET /metrics (sources + action items stored)", "ms", "<= 50",
     lambda v, r: v <= 50, 1),
    ("scrape_half_ms", "GET /metrics after the first batched half (history: half the alerts)",
     "ms", "", None, 1),
    ("scrape_batched_ms", "GET /metrics after the batched phase (history: every alert, no RCAs)",
     "ms", "", None, 1),
    ("ready_empty_ms", "start to first 200 of /-/ready (empty store, first start of the run)",
     "ms", "", None, 1),
    ("ready_ms", "start to first 200 of /-/ready (the store holding the run's data)", "ms",
     "< 100", lambda v, r: v < 100, 1),
    ("store_mb_batched", "store size after the batched phase (Redis used_memory; SQLite .db + "
     "-wal)", "MB", "", None, 1),
    ("store_mb_per_m_alerts", "store size per million batched alerts (as the row above)", "MB",
     "", None, 1),
    ("db_mb_checkpointed", "SQLite .db after PRAGMA wal_checkpoint(TRUNCATE), -wal empty", "MB",
     "", None, 1),
    ("db_mb_per_m_checkpointed", "SQLite .db per million batched alerts, checkpointed",
     "MB", "", None, 1),
    ("db_mb_closed", "SQLite .db after the daemon's clean close (end of the run: + single "
     "alerts, RCAs)", "MB", "", None, 1),
    ("db_mb_per_m_closed", "SQLite .db per million alerts of the run, after the close", "MB", "",
     None, 1),
    ("stop_ms", "SIGTERM to exit (end of the run; SQLite: the close checkpoints the -wal)", "ms",
     "", None, 0),
]


def fmt(v, d):
    return f"{v:,.{d}f}" if isinstance(v, (int, float)) else "-"


def cmd_report(out_json, *run_files):
    """The table of medians; with runs of more than one store (the run's "store", "redis" in
    results older than the option), a median, min - max and met? column per store, side by
    side."""
    runs = [json.load(open(f)) for f in run_files]
    stores = list(dict.fromkeys(r.get("store", "redis") for r in runs))
    summary = {"runs": runs, "median": {}, "min": {}, "max": {}}
    head, rule = "| measure | target |", "|---|---|"
    for store in stores:
        name = "" if len(stores) == 1 else f"{store}: "
        head += f" {name}median | min - max | met? |"
        rule += "---|---|---|"
        for k in ("median", "min", "max"):
            summary[k][store] = {}
    lines = [head, rule]
    for key, label, unit, target, test, d in ROWS:
        u = f" {unit}" if unit else ""
        line = f"| {label} | {target}{u if target else ''} |"
        seen = False
        for store in stores:
            values = [r[key] for r in runs
                      if r.get("store", "redis") == store and r.get(key) is not None]
            if not values:
                line += " - | | |"
                continue
            seen = True
            med = statistics.median(values)
            for k, v in (("median", med), ("min", min(values)), ("max", max(values))):
                summary[k][store][key] = v
            met = "" if test is None else ("yes" if test(med, runs) else "**no**")
            line += (f" {fmt(med, d)}{u} | {fmt(min(values), d)} - {fmt(max(values), d)} |"
                     f" {met} |")
        if seen:
            lines.append(line)
    summary["table"] = "\n".join(lines)
    with open(out_json, "w") as f:
        json.dump(summary, f, indent=1)
    print(summary["table"])


if __name__ == "__main__":
    commands = {"free-port": lambda: print(free_port()), "start": cmd_start,
                "ready": cmd_ready, "redis-delta": cmd_redis_delta,
                "rt-strace": cmd_rt_strace,
                "ceiling-prep": cmd_ceiling_prep, "ceiling-check": cmd_ceiling_check,
                "report": cmd_report}
    commands[sys.argv[1]](*sys.argv[2:])
