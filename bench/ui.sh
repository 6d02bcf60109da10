#!/usr/bin/env bash
# Render times of the web UI's pages with 10,000 incidents and 1,000 RCAs stored (BENCHMARKS.md,
# "Web UI pages"):
#
#   ./bench/ui.sh [--binary PATH] [--incidents N] [--rcas N] [--samples N]
#
# (bench/lists.sh runs the same with bench/list_api.py, the API lists, as the driver: --driver.)
#
# Builds the Release daemon (as bench/run.sh) unless --binary names one, starts it on the
# embedded store in a work folder, loads the data through the API and prints each page's
# median and worst time over --samples GETs (bench/ui_pages.py). Timings are reported, never
# asserted.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
BENCH="$ROOT/bench"
BIN=""
DRIVER="ui_pages.py"
PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BIN="$2"; shift ;;
    --driver) DRIVER="$2"; shift ;;
    --*) PASS+=("$1" "$2"); shift ;;  # the driver's own options: it checks them
    *) echo "usage: $0 [--binary PATH] [--incidents N] [--rcas N] [--samples N]" >&2; exit 2 ;;
  esac
  shift
done
install_missing python3
if [ -z "$BIN" ]; then
  nice -n 10 bash -c 'source "$1"; build "$2" -DCMAKE_BUILD_TYPE=Release -DPMX_BUILD_TESTS=OFF' \
    _ "$ROOT/scripts/lib.sh" "$ROOT/build-release"
  BIN="$ROOT/build-release/postmortem-exporter"
fi
WORK="$(mktemp -d /tmp/pmx-bench.XXXXXX)"
daemon_pid=""
trap 'kill $daemon_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"
port="$(python3 "$BENCH/bench.py" free-port)"
read -r daemon_pid _ < <(python3 "$BENCH/bench.py" start "$port" "$WORK/daemon.log" "$BIN" \
  --web.listen-address="127.0.0.1:$port" --storage.path="$WORK/data" \
  --web.auth-token-file="$WORK/token")
python3 "$BENCH/$DRIVER" "$port" "$WORK/token" "${PASS[@]}"
