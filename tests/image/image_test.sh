#!/usr/bin/env bash
# CTest image.build_and_run (label image): the Dockerfile built for real, without Docker or a
# registry, then the image run and checked from outside, as a cluster would run it.
#
#   1. scripts/image.sh build: debian:12 and debian:12-slim made by mmdebstrap (cached under
#      /var/cache/postmortem-exporter/image-base, so a re-run costs the build only), the
#      Dockerfile built by buildah (vfs storage, chroot isolation: no daemon needed).
#   2. The image: its size and the size of the layers added on debian:12-slim are printed;
#      nothing of the build stage is in it (compiler, sources, headers); numeric non-root USER.
#   3. The image's ENTRYPOINT run in containers (buildah run --network host, a free loopback
#      port): it runs as UID 65532, every shared library is found, --help works, /-/healthy and
#      /-/ready answer 200, a real Alertmanager 0.25 webhook is accepted and shows in the API,
#      the image's own HEALTHCHECK (read from the built image) passes inside the container and
#      fails once the daemon stopped, /data works both as the volume a container gets from the
#      image and as a mounted directory whose data a new container sees.
# Every container and the built image are removed on exit, failed or not; only the cached bases
# stay. buildah, mmdebstrap, jq, curl and node are installed by scripts/test.sh: a missing one is
# a failure, never a skip.
#
# usage: image_test.sh SOURCE_DIR
set -euo pipefail

root=$(cd "$1" && pwd)
cache="${PMX_IMAGE_CACHE:-/var/cache/postmortem-exporter/image-base}"
export PMX_IMAGE_CACHE="$cache"
# The test's own buildah storage, next to the cached root filesystems: the imported bases stay
# there between runs (no re-import), and it cannot clash with a podman or buildah storage of the
# host that uses another driver.
export CONTAINERS_STORAGE_CONF="$cache/storage.conf"
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot

image="localhost/postmortem-exporter:image-test-$$"
fixtures="$root/tests/fixtures/alertmanager-0.25"
# The bearer token the fixtures were captured with (request-headers.txt).
token=s3cret-token
checkout_source='alertname="HighLatency",service="checkout"'

work=$(mktemp -d)
containers=()
runners=()  # pids of the `buildah run` processes that run a daemon
ports=()    # and the port of each
timings=()

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  local rc=$? i pid
  for i in "${!runners[@]}"; do
    kill -0 "${runners[$i]}" 2>/dev/null || continue
    # The daemon first (a signalled buildah run would SIGKILL it), then its runner.
    pid=$(daemon_pid "${ports[$i]}")
    [ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true
    sleep 1
    kill -TERM "${runners[$i]}" 2>/dev/null || true
    wait "${runners[$i]}" 2>/dev/null || true
  done
  for container in "${containers[@]}"; do
    buildah umount "$container" >/dev/null 2>&1 || true
    buildah rm "$container" >/dev/null 2>&1 || true
  done
  buildah rmi --force "$image" >/dev/null 2>&1 || true
  # A failed build may leave an untagged stage image: vfs keeps full copies, so drop it.
  buildah rmi --prune >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
# So that an interrupted run (Ctrl-C, a signal) cleans up too.
trap 'exit 130' INT
trap 'exit 143' TERM

# timed <name> <command...>: runs it and records its wall time for the summary.
timed() {
  local name="$1" start=$SECONDS
  shift
  "$@"
  timings+=("$name $((SECONDS - start))s")
}

require_tools() {
  local tool
  for tool in buildah mmdebstrap jq curl node; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/test.sh installs it)"
  done
}

write_storage_conf() {
  mkdir -p "$cache"
  cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "vfs"
graphroot = "$cache/buildah-storage"
runroot = "/run/postmortem-exporter-image"
EOF
}

# The build's steps are shown as they start, with the seconds since the start; its whole log only
# if it fails (the end of it).
build_image() {
  local start=$SECONDS line
  # Niced: the build uses every core, the tests running beside it should not starve.
  if ! nice -n 10 "$root/scripts/image.sh" build "$image" 2>&1 | while IFS= read -r line; do
    printf '%s\n' "$line" >>"$work/build.log"
    case "$line" in
      '>> image:'* | *' STEP '*) printf '[%3ds] %s\n' $((SECONDS - start)) "${line:0:110}" ;;
    esac
  done; then
    tail -n 80 "$work/build.log"
    fail "scripts/image.sh build failed (the end of its log is above)"
  fi
  echo ">> built in $((SECONDS - start))s"
}

# config <jq path>: a field of the built image's (Docker format) configuration, as JSON.
config() { buildah inspect --type image "$image" | jq -c ".Docker.config$1"; }

# Bytes of the layers (uncompressed, as stored) of an image, one per line, base first.
layer_sizes() {
  buildah inspect --type image "$1" | jq -r '.Manifest | fromjson | .layers[].size'
}

report_sizes() {
  local total base_layers added=0 n=0 size i=0
  mapfile -t all < <(layer_sizes "$image")
  mapfile -t base_layers < <(layer_sizes docker.io/library/debian:12-slim)
  [ "${#all[@]}" -gt "${#base_layers[@]}" ] || fail "the image has no layer on top of debian:12-slim"
  total=0
  for size in "${all[@]}"; do total=$((total + size)); done
  echo ">> image size: $((total / 1000000)) MB ($total bytes, ${#all[@]} layers, uncompressed)"
  for size in "${all[@]}"; do
    i=$((i + 1))
    [ "$i" -le "${#base_layers[@]}" ] && continue
    added=$((added + size))
    n=$((n + 1))
    echo ">>   runtime layer $n: $((size / 1000000)) MB ($size bytes)"
  done
  echo ">> layers added on debian:12-slim: $((added / 1000000)) MB ($added bytes, $n layers)"
}

check_config() {
  local user
  user=$(config .User | jq -r .)
  [[ "$user" =~ ^([0-9]+)(:([0-9]+))?$ ]] || fail "USER is '$user', not numeric (runAsNonRoot needs a number)"
  [ "${BASH_REMATCH[1]}" = 65532 ] || fail "USER is $user, not 65532"
  echo "ok   USER $user"
  mapfile -t entrypoint < <(config .Entrypoint | jq -r '.[]?')
  [ "${#entrypoint[@]}" -gt 0 ] || fail "the image has no ENTRYPOINT"
  echo "ok   ENTRYPOINT ${entrypoint[*]}"
}

# files_in <root> <dirs...> [find tests...]: up to 5 files under the dirs, as paths in the image.
files_in() {
  local mnt="$1" dirs=()
  shift
  while [ $# -gt 0 ] && [ "${1:0:1}" != '!' ] && [ "${1:0:1}" != - ]; do
    [ -d "$mnt/$1" ] && dirs+=("$mnt/$1")
    shift
  done
  [ ${#dirs[@]} -gt 0 ] || return 0
  find "${dirs[@]}" -type f "$@" | head -n 5 | sed "s|^$mnt||" | tr '\n' ' '
}

# Nothing of the build stage may reach the runtime image, read from its mounted root.
check_contents() {
  local container mnt path
  new_container
  mnt=$(buildah mount "$container")
  for path in usr/bin/g++ usr/bin/gcc usr/bin/c++ usr/bin/cmake usr/bin/ninja src build; do
    [ ! -e "$mnt/$path" ] || fail "/$path is in the runtime image (build stage leaked)"
  done
  local found
  found=$(files_in "$mnt" usr/include)
  [ -z "$found" ] || fail "headers in the runtime image: $found"
  # debian:12-slim's dpkg filter must hold for the runtime stage's packages too.
  found=$(files_in "$mnt" usr/share/doc ! -name copyright)
  [ -z "$found" ] || fail "documentation in the runtime image: $found"
  found=$(files_in "$mnt" var/lib/apt/lists var/cache/apt ! -name lock)
  [ -z "$found" ] || fail "apt lists or caches left in the runtime image: $found"
  [ "$(stat -c %u:%g "$mnt/data")" = 65532:65532 ] || fail "/data is owned by $(stat -c %u:%g "$mnt/data"), not 65532"
  buildah umount "$container" >/dev/null
  echo "ok   no compiler, /src, /build, headers, docs or apt caches in the image; /data owned by 65532"
}

# new_container: a container of the image, in $container (not echoed: a command substitution's
# subshell would lose it from the list the cleanup removes).
new_container() {
  container=$(buildah from --quiet --pull=never "$image")
  containers+=("$container")
}

# in_container <container> <command...>: runs it as the image's user.
in_container() {
  local container="$1"
  shift
  buildah run --network host "$container" -- "$@"
}

check_binary() {
  local container out
  new_container
  out=$(in_container "$container" ldd "${entrypoint[0]}") || fail "ldd ${entrypoint[0]} failed: $out"
  ! grep -q 'not found' <<<"$out" || fail "missing shared libraries: $(grep 'not found' <<<"$out")"
  echo "ok   ldd finds every library ($(grep -c '=>' <<<"$out") of them)"
  out=$(in_container "$container" "${entrypoint[@]}" --help) || fail "--help exits non-zero: $out"
  grep -q -- '--web.listen-address' <<<"$out" || fail "--help does not list --web.listen-address: $out"
  echo "ok   --help"
}

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# http_code <port> <path>: the status of a GET, 000 when nothing answers.
http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1$2" || true
}

# daemon_pid <port>: the daemon of that port (a host pid: chroot isolation shares the pid
# namespace), found by its first two arguments in /proc (procps is not in every CI image).
daemon_pid() {
  local dir arg0 arg1
  for dir in /proc/[0-9]*; do
    { IFS= read -r -d '' arg0 && IFS= read -r -d '' arg1; } 2>/dev/null <"$dir/cmdline" || continue
    if [ "$arg0" = "${entrypoint[0]}" ] && [ "$arg1" = "--web.listen-address=127.0.0.1:$1" ]; then
      echo "${dir#/proc/}"
      return 0
    fi
  done
}

# start_daemon <container> <port> <buildah run options...>: the ENTRYPOINT with the port and the
# token file; returns once /-/healthy answers 200 (deadline 60 s), or fails with the log.
start_daemon() {
  local container="$1" port="$2" deadline=$((SECONDS + 60))
  shift 2
  buildah run --network host -v "$work/token:/run/secrets/token:ro" "$@" "$container" -- \
    "${entrypoint[@]}" "--web.listen-address=127.0.0.1:$port" --web.auth-token-file=/run/secrets/token \
    >"$work/daemon-$port.log" 2>&1 &
  runners+=($!)
  ports+=("$port")
  local runner=$!
  until [ "$(http_code "$port" /-/healthy)" = 200 ]; do
    kill -0 "$runner" 2>/dev/null || { cat "$work/daemon-$port.log"; fail "the daemon in $container exited at start-up"; }
    [ "$SECONDS" -lt "$deadline" ] || { cat "$work/daemon-$port.log"; fail "/-/healthy did not answer 200 within 60 s"; }
    sleep 0.2
  done
}

# stop_daemon <port>: SIGTERM to the daemon, as `docker stop` does; it must exit cleanly.
stop_daemon() {
  local port="$1" pid runner="${runners[-1]}" deadline=$((SECONDS + 30))
  pid=$(daemon_pid "$port")
  [ -n "$pid" ] || fail "no daemon process listens on port $port"
  kill -TERM "$pid"
  while kill -0 "$runner" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the daemon did not stop within 30 s of SIGTERM"
    sleep 0.2
  done
  wait "$runner" || { cat "$work/daemon-$port.log"; fail "the daemon exited with an error on SIGTERM"; }
}

check_user() {
  local port="$1" pid ids
  pid=$(daemon_pid "$port")
  [ -n "$pid" ] || fail "no daemon process found for port $port"
  # Real, effective, saved and filesystem ids.
  ids=$(awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 } /^Gid:/ { g = $2 " " $3 " " $4 " " $5 } END { print u "/" g }' "/proc/$pid/status")
  [ "$ids" = "65532 65532 65532 65532/65532 65532 65532 65532" ] || fail "the daemon runs as uid/gid $ids, not 65532"
  echo "ok   the daemon runs as UID 65532, GID 65532"
}

check_probes() {
  local port="$1" path code
  for path in /-/healthy /-/ready; do
    code=$(http_code "$port" "$path")
    [ "$code" = 200 ] || fail "GET $path answered $code, not 200"
  done
  echo "ok   /-/healthy and /-/ready answer 200"
}

# post_webhook <port> <fixture>: as Alertmanager posts it, with the token.
post_webhook() {
  local code
  code=$(curl -s -o "$work/webhook.out" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $token" -H 'User-Agent: Alertmanager/0.25.0' \
    --data-binary "@$fixtures/$2" "http://127.0.0.1:$1/api/v1/webhook") || true
  [[ "$code" = 2?? ]] || fail "the webhook $2 answered $code: $(cat "$work/webhook.out")"
}

# expect_checkout_incident <port> <when>: the incident of the checkout fixture, read from the API.
expect_checkout_incident() {
  local found
  found=$(curl -sf --max-time 5 "http://127.0.0.1:$1/api/v1/incidents" |
    jq --arg source "$checkout_source" '[.incidents[] | select(.source == $source)] | length') ||
    fail "GET /api/v1/incidents failed ($2)"
  [ "$found" = 1 ] || fail "GET /api/v1/incidents shows $found incidents of $checkout_source, want 1 ($2)"
  echo "ok   the checkout incident is in GET /api/v1/incidents ($2)"
}

# The image's HEALTHCHECK as built (not the Dockerfile's text), run in the daemon's container.
# The daemon listens on a free port here, not on the port the image exposes: that port number
# in the command is replaced, as with `--web.listen-address` one would override the check.
healthcheck_command() {
  local port="$1" exposed test
  exposed=$(config .ExposedPorts | jq -r 'keys[0] | split("/")[0]')
  test=$(config .Healthcheck)
  if [ "$test" = null ] || [ -z "$test" ]; then
    fail "the built image has no HEALTHCHECK (built with --format oci?)"
  fi
  case "$(jq -r '.Test[0]' <<<"$test")" in
    CMD) jq -r --arg from "$exposed" --arg to "$port" '.Test[1:][] | gsub($from; $to)' <<<"$test" ;;
    CMD-SHELL) printf '%s\n' /bin/sh -c "$(jq -r --arg from "$exposed" --arg to "$port" '.Test[1] | gsub($from; $to)' <<<"$test")" ;;
    *) fail "HEALTHCHECK of an unknown form: $test" ;;
  esac
}

check_healthcheck() {
  local container="$1" port="$2" want="$3"
  local -a command
  mapfile -t command < <(healthcheck_command "$port")
  if in_container "$container" "${command[@]}" >/dev/null 2>&1; then
    [ "$want" = pass ] || fail "the HEALTHCHECK passes with the daemon stopped"
  else
    [ "$want" = fail ] || fail "the HEALTHCHECK fails against the running daemon: ${command[*]}"
  fi
  if [ "$want" = pass ]; then
    echo "ok   HEALTHCHECK passes against the running daemon"
  else
    echo "ok   HEALTHCHECK fails once the daemon stopped"
  fi
}

# /data without a -v: buildah run, as docker run, gives the container an anonymous volume made
# from the image's /data (its owner too). The full round trip a first deployment makes.
check_running_image() {
  local container port
  new_container
  port=$(free_port)
  start_daemon "$container" "$port"
  check_user "$port"
  check_probes "$port"
  check_healthcheck "$container" "$port" pass
  post_webhook "$port" 01-firing-group-checkout.json
  echo "ok   the webhook 01-firing-group-checkout.json (Alertmanager 0.25) is accepted"
  expect_checkout_incident "$port" "/data from the image"
  stop_daemon "$port"
  check_healthcheck "$container" "$port" fail
}

# /data as a mounted volume (what the chart's PersistentVolumeClaim is): owned by 65532 as a new
# Docker volume copies it from the image, or as Kubernetes' fsGroup makes it.
check_volume() {
  local volume="$work/volume" port container
  mkdir "$volume" && chown 65532:65532 "$volume"
  port=$(free_port)
  new_container
  start_daemon "$container" "$port" -v "$volume:/data"
  post_webhook "$port" 01-firing-group-checkout.json
  stop_daemon "$port"
  [ -n "$(find "$volume" -type f -user 65532 -print -quit)" ] || fail "the daemon wrote nothing to the mounted volume"
  port=$(free_port)
  new_container
  start_daemon "$container" "$port" -v "$volume:/data"
  expect_checkout_incident "$port" "new container, same volume"
  stop_daemon "$port"
}

main() {
  require_tools
  write_storage_conf
  printf '%s\n' "$token" >"$work/token"
  chmod 0644 "$work/token"
  timed build build_image
  report_sizes
  check_config
  timed contents check_contents
  timed binary check_binary
  timed run check_running_image
  timed volume check_volume
  echo ">> timings: ${timings[*]}"
  echo "the image builds and runs"
}

main
