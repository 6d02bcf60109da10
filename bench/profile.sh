#!/usr/bin/env bash
# Profiles the daemon and Redis under the batched load of bench/run.sh:
#
#   ./bench/profile.sh [--binary PATH] [--warmup S] [--seconds S] [--single|--grouped] [--store sqlite]
#
# Starts a redis-server (no persistence) and the daemon on free loopback ports (--store sqlite:
# the daemon on the embedded store in the work folder, sync=full, and no Redis), puts wrk's
# batched webhooks (bench/webhook.lua: 100 alerts over 10,000 sources, -t2 -c8) on it, waits
# --warmup seconds (default 20: each source's incident grows as in the benchmark), then records
# `perf record -F 999 -g` of the daemon and of redis-server for --seconds (default 15) at once,
# and prints the top symbols of each. --single profiles the single-alert phase instead: webhooks
# of one alert on 16 keep-alive connections; --grouped the grouped phase (each webhook 100
# alerts of one source, as Alertmanager groups by the source labels). The perf.data files stay in the printed work folder
# (`perf report -i <file>` for the call graphs).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
BENCH="$ROOT/bench"

BIN="$ROOT/build-release/postmortem-exporter"
WARMUP=20
SECONDS_=15
PER=100    # alerts per webhook
CONNS=8    # keep-alive connections
STORE=redis
SHAPE=scattered
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BIN="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --seconds) SECONDS_="$2"; shift ;;
    --single) PER=1 CONNS=16 ;;
    --grouped) SHAPE=grouped ;;
    --store) STORE="$2"; shift ;;
    *) echo "usage: $0 [--binary PATH] [--warmup S] [--seconds S] [--single|--grouped] [--store redis|sqlite]" >&2; exit 2 ;;
  esac
  shift
done
install_missing wrk redis-server redis-tools linux-perf python3
[ -x "$BIN" ] || { echo "no daemon at $BIN (build it: ./bench/run.sh --quick builds it)" >&2; exit 1; }

main() {
  WORK="$(mktemp -d /tmp/pmx-profile.XXXXXX)"
  # Not local: the EXIT trap runs after main returns.
  redis_pid="" daemon_pid="" wrk_pid=""
  trap 'kill $wrk_pid $daemon_pid $redis_pid 2>/dev/null || true' EXIT
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"
  local dport store_flags profiled=(daemon)
  dport="$(python3 "$BENCH/bench.py" free-port)"
  if [ "$STORE" = sqlite ]; then
    store_flags=(--storage.path="$WORK/data")
  else
    local rport
    rport="$(python3 "$BENCH/bench.py" free-port)"
    redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
      --logfile "$WORK/redis.log" &
    redis_pid=$!
    for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
    store_flags=(--redis.url="redis://127.0.0.1:$rport")
    profiled+=(redis)
  fi
  read -r daemon_pid _ < <(python3 "$BENCH/bench.py" start "$dport" "$WORK/daemon.log" "$BIN" \
    --web.listen-address="127.0.0.1:$dport" "${store_flags[@]}" \
    --web.auth-token-file="$WORK/token")
  wrk -t2 -c"$CONNS" -d$((WARMUP + SECONDS_ + 10))s --timeout 10s -s "$BENCH/webhook.lua" \
    "http://127.0.0.1:$dport/api/v1/webhook" -- "$WORK/token" 2 0 0 "$PER" 10000 "$WORK/marker" "$SHAPE" \
    >"$WORK/wrk.log" 2>&1 &
  wrk_pid=$!
  sleep "$WARMUP"
  perf record -F 999 --call-graph "${CALL_GRAPH:-fp}" -o "$WORK/daemon.perf.data" -p "$daemon_pid" -- sleep "$SECONDS_" \
    2>"$WORK/perf-daemon.log" &
  local waits=($!)
  if [ -n "$redis_pid" ]; then
    perf record -F 999 -g -o "$WORK/redis.perf.data" -p "$redis_pid" -- sleep "$SECONDS_" \
      2>"$WORK/perf-redis.log" &
    waits+=($!)
  fi
  wait "${waits[@]}"
  for who in "${profiled[@]}"; do
    echo "== $who: top symbols (self time)"
    perf report -i "$WORK/$who.perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
      grep -E '^ +[0-9]' | sed -n 1,25p  # sed reads to the end: head's early exit is a SIGPIPE under pipefail
  done
  echo "perf data: $WORK"
}

main "$@"; exit
