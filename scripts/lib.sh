# Shared by run.sh and test.sh: install what is missing (Debian 12, as root) and build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

BUILD_PACKAGES=(build-essential cmake ninja-build pkg-config libcpp-httplib-dev prometheus-cpp-dev
  nlohmann-json3-dev libhiredis-dev libcli11-dev libspdlog-dev libre2-dev zlib1g-dev libsqlite3-dev
  libkainjow-mustache-dev libssl-dev libjemalloc-dev)

# What scripts/image.sh needs to build the image without Docker: the Debian bases made from
# packages, the Dockerfile built without a daemon (and the image test, ctest -L image).
IMAGE_PACKAGES=(buildah mmdebstrap)

# Installs the given Debian packages that are not installed yet (non-interactive).
install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo ">> installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build <dir> <cmake args...>
build() {
  local dir="$1"
  shift
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}
