#!/usr/bin/env bash
# CTest docker.runtime_libraries (label helm): the Dockerfile checked against what it must hold,
# in seconds and without building it (tests/image/image_test.sh builds and runs it, in minutes):
#   - every shared library `ldd` lists for the daemon CMake built comes from a Debian package
#     (dpkg -S) that the runtime stage installs;
#   - the build stage installs scripts/lib.sh's BUILD_PACKAGES and builds without the tests;
#   - a numeric non-root USER, EXPOSE 9717, ENTRYPOINT the daemon, a .dockerignore;
#   - the HEALTHCHECK command succeeds against the real daemon and fails once it is stopped.
#
# usage: dockerfile_test.sh SOURCE_DIR DAEMON
set -euo pipefail

root=$1
daemon=$2
dockerfile="$root/Dockerfile"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# The instructions of a stage, continuation lines joined. stage N: 1 = build, 2 = runtime.
stage() {
  awk -v want="$1" '
    /^FROM / { n++ }
    n == want && !/^[[:space:]]*#/ { line = line $0; if (sub(/\\$/, "", line)) next; print line; line = "" }
  ' "$dockerfile"
}
# Packages installed by `apt-get install` in a stage.
installed() {
  stage "$1" | grep -o 'apt-get install[^&]*' | sed 's/apt-get install//' | tr ' ' '\n' | grep -v '^-' | grep -v '^$' | sort -u
}

runtime_packages=$(installed 2)
echo ">> runtime stage installs: $(echo $runtime_packages)"
libs=$(ldd "$daemon" | awk '/=>/ { print $3 }')
[ -n "$libs" ] || fail "ldd lists no libraries for $daemon"
# One dpkg -S for every path a library may be registered under (merged /usr: /lib is /usr/lib).
declare -A owner
candidates=()
for lib in $libs; do candidates+=("$lib" "$(readlink -f "$lib")" "/usr$lib"); done
while IFS= read -r line; do
  owner["${line#*: }"]=${line%%:*}
done < <(dpkg -S "${candidates[@]}" 2>/dev/null || true)
for lib in $libs; do
  pkg=${owner[$lib]:-${owner[$(readlink -f "$lib")]:-${owner[/usr$lib]:-}}}
  if [ -z "$pkg" ]; then
    fail "$lib belongs to no Debian package"
  elif ! grep -qx "$pkg" <<<"$runtime_packages"; then
    fail "$lib comes from $pkg, which the runtime stage does not install"
  else
    echo "ok   $lib ($pkg)"
  fi
done

BUILD_PACKAGES=()
eval "$(sed -n '/^BUILD_PACKAGES=(/,/)/p' "$root/scripts/lib.sh")"
build_packages=$(installed 1)
for pkg in "${BUILD_PACKAGES[@]}"; do
  grep -qx "$pkg" <<<"$build_packages" || fail "the build stage does not install $pkg (scripts/lib.sh)"
done
grep -q '^FROM debian:12 AS build' "$dockerfile" || fail "the build stage is not FROM debian:12"
[ "$(grep -c '^FROM debian:12-slim' "$dockerfile")" -eq 1 ] || fail "the runtime stage is not FROM debian:12-slim"
stage 1 | grep -q -- '-DPMX_BUILD_TESTS=OFF' || fail "the build stage builds the tests"
stage 1 | grep -q -- '-DCMAKE_BUILD_TYPE=Release' || fail "the build stage is not a Release build"
stage 2 | grep -Eq '^USER [1-9][0-9]*(:[0-9]+)?$' || fail "no numeric non-root USER in the runtime stage"
stage 2 | grep -q '^EXPOSE 9717$' || fail "no EXPOSE 9717"
stage 2 | grep -q '^ENTRYPOINT \["/usr/bin/postmortem-exporter"\]$' || fail "ENTRYPOINT is not the daemon"
stage 2 | grep -q 'COPY --from=build .*/postmortem-exporter /usr/bin/postmortem-exporter' ||
  fail "the daemon is not copied to /usr/bin"
grep -qx 'build\*/' "$root/.dockerignore" || fail ".dockerignore does not leave out build*/"

# The HEALTHCHECK's exec form, run here against the real daemon on a free port.
healthcheck=$(stage 2 | grep '^HEALTHCHECK' | sed 's/.* CMD //')
[ -n "$healthcheck" ] || fail "no HEALTHCHECK ... CMD [...]"
if [ -n "$healthcheck" ]; then
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  mapfile -t check < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a.replace(/9717/g, process.argv[2]))' "$healthcheck" "$port")
  log=$(mktemp)
  "$daemon" --web.listen-address="127.0.0.1:$port" >"$log" 2>&1 &
  pid=$!
  ready=0
  for _ in $(seq 1 500); do  # poll, up to 10 s
    if "${check[@]}" 2>/dev/null; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  [ "$ready" = 1 ] && echo "ok   HEALTHCHECK passes against the running daemon" ||
    { fail "HEALTHCHECK does not pass against the running daemon"; cat "$log"; }
  kill -TERM "$pid"
  wait "$pid" || true
  if "${check[@]}" 2>/dev/null; then fail "HEALTHCHECK passes with no daemon"; else echo "ok   HEALTHCHECK fails once the daemon stopped"; fi
  rm -f "$log"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "the Dockerfile fits the binary"
