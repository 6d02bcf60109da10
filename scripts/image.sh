#!/usr/bin/env bash
# The container image without Docker or a registry (Debian 12, as root): the Dockerfile's two
# base images are made locally from Debian packages and the Dockerfile is built with buildah.
#
#   scripts/image.sh base          make debian:12 and debian:12-slim with mmdebstrap and import
#                                  them into buildah's storage (cached, see below)
#   scripts/image.sh build [TAG]   base, then build the Dockerfile as TAG
#                                  (default localhost/postmortem-exporter:<project version>)
#
# The root filesystems are cached in $PMX_IMAGE_CACHE (/var/cache/postmortem-exporter/image-base)
# under a key made of everything that shapes them (suite, variant, sources, dpkg options, hook),
# so a second run only imports them if they are not in buildah's storage yet, and otherwise costs
# nothing. `scripts/image.sh base --refresh` makes them again (for newer security updates).
#
# Environment: DEBIAN_MIRROR (http://deb.debian.org), STORAGE_DRIVER (vfs: works without kernel
# support or a daemon, at the cost of full copies of each layer; set overlay where it works),
# BUILDAH_ISOLATION (chroot: no runc or user namespaces needed), CONTAINERS_STORAGE_CONF (another
# storage location; tests/image/image_test.sh keeps its own under the cache).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CACHE="${PMX_IMAGE_CACHE:-/var/cache/postmortem-exporter/image-base}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org}"
export STORAGE_DRIVER="${STORAGE_DRIVER:-vfs}"
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

SUITE=bookworm
# As Debian's official images: the minbase variant (essential packages and apt), merged /usr set
# up by mmdebstrap's hook instead of the usrmerge package (which would pull in perl), the
# security and point-release updates enabled, and their apt speed-ups for image builds: dpkg
# without fsync (a failed build is thrown away anyway) and no translated package lists.
BASE_OPTIONS=(--variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --dpkgopt=force-unsafe-io '--aptopt=Acquire::Languages "none"')
SOURCES=("deb $MIRROR/debian $SUITE main" "deb $MIRROR/debian $SUITE-updates main"
  "deb $MIRROR/debian-security $SUITE-security main")
# -slim as Debian's: dpkg leaves out documentation (but the copyright files), manuals and
# translations, now and in every later apt-get install of an image built on it.
SLIM_OPTIONS=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/groff/*'
  --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias')
# Bump when the recipe changes in a way the options above do not show.
RECIPE_VERSION=1
# The label the imported bases carry: the key of the recipe they were made with (images built
# on them inherit it, which tells which base an image was built on).
KEY_LABEL=postmortem-exporter.base-recipe

log() { echo ">> image: $*"; }

# The cache key: a digest of everything that goes into the root filesystems.
recipe_key() {
  local digest
  digest=$(printf '%s\n' "$RECIPE_VERSION" "$SUITE" "$(dpkg --print-architecture)" "${BASE_OPTIONS[@]}" \
    "${SOURCES[@]}" "${SLIM_OPTIONS[@]}" | sha256sum)
  echo "$SUITE-minbase-${digest:0:16}"
}

# make_rootfs <tarball> <extra mmdebstrap options...>: written aside, then renamed, so an
# interrupted run leaves no half tarball in the cache.
make_rootfs() {
  local tarball="$1"
  shift
  local start=$SECONDS
  log "mmdebstrap $SUITE -> $tarball"
  # </dev/null: without a terminal on stdin, mmdebstrap would read sources from it. Its hooks
  # talk even with --quiet: the log is shown only if it fails.
  if ! mmdebstrap --quiet "${BASE_OPTIONS[@]}" "$@" "$SUITE" "$tarball.partial.tar" "${SOURCES[@]}" \
    </dev/null >"$tarball.log" 2>&1; then
    cat "$tarball.log" >&2
    echo "!! image: mmdebstrap failed (log above)" >&2
    return 1
  fi
  mv "$tarball.partial.tar" "$tarball"
  rm -f "$tarball.log"
  log "made $tarball in $((SECONDS - start))s"
}

# import_rootfs <tarball> <image name> <key>: a one-layer image with the official images' config.
import_rootfs() {
  local tarball="$1" name="$2" key="$3" container
  log "importing $tarball as $name"
  # The image it replaces would stay in the storage, untagged (with vfs, a full copy).
  buildah rmi "$name" >/dev/null 2>&1 || true
  container=$(buildah from --quiet scratch)
  buildah add --quiet "$container" "$tarball" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
    --label "$KEY_LABEL=$key" "$container"
  buildah commit --quiet --rm "$container" "$name" >/dev/null
}

# True when <image> is in buildah's storage, made with recipe <key>.
imported() {
  [ "$(buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$KEY_LABEL\"}}" "$1" 2>/dev/null)" = "$2" ]
}

cmd_base() {
  local refresh=0
  [ "${1:-}" = --refresh ] && refresh=1
  install_missing "${IMAGE_PACKAGES[@]}"
  local key dir
  key=$(recipe_key)
  dir="$CACHE/$key"
  mkdir -p "$dir"
  # One maker at a time: a second run waits, then finds the cache filled.
  exec 9>"$CACHE/.lock"
  flock 9
  if [ "$refresh" = 1 ]; then rm -f "$dir"/*.tar; fi
  # Recipes no longer made by this script: their tarballs only take space.
  find "$CACHE" -mindepth 1 -maxdepth 1 -type d -name "$SUITE-minbase-*" ! -name "$key" -exec rm -rf {} +
  [ -s "$dir/debian-12.tar" ] || make_rootfs "$dir/debian-12.tar"
  [ -s "$dir/debian-12-slim.tar" ] || make_rootfs "$dir/debian-12-slim.tar" "${SLIM_OPTIONS[@]}"
  local tag
  for tag in 12 12-slim; do
    local name="docker.io/library/debian:$tag"
    if [ "$refresh" = 0 ] && imported "$name" "$key"; then
      log "$name: in buildah's storage already ($key)"
    else
      import_rootfs "$dir/debian-$tag.tar" "$name" "$key"
    fi
  done
  exec 9>&-
}

project_version() {
  sed -n 's/^project(postmortem-exporter VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt"
}

cmd_build() {
  local version tag
  version=$(project_version)
  tag="${1:-localhost/postmortem-exporter:$version}"
  cmd_base
  log "building $tag from $ROOT/Dockerfile"
  # --format docker: the OCI image format has no HEALTHCHECK, buildah would drop it.
  # --pull=never: the bases are the ones made above, never a registry's.
  buildah bud --format docker --pull=never --build-arg "VERSION=$version" \
    --build-arg "REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)" \
    -f "$ROOT/Dockerfile" -t "$tag" "$ROOT"
}

case "${1:-}" in
  base) shift && cmd_base "$@" ;;
  build) shift && cmd_build "$@" ;;
  *) echo "usage: $0 base [--refresh] | build [TAG]" >&2 && exit 2 ;;
esac
