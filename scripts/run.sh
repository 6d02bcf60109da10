#!/usr/bin/env bash
# Installs what is missing, builds a Release binary and starts the daemon on the embedded store,
# which keeps its data in data/ at the top of the repository (the daemon's default --storage.path,
# from there), across restarts. Extra arguments are passed to the daemon (e.g.
# --redis.url=redis://127.0.0.1:6379, or --storage.path=/var/lib/postmortem-exporter).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_missing "${BUILD_PACKAGES[@]}"
build "$ROOT/build-release" -DCMAKE_BUILD_TYPE=Release -DPMX_BUILD_TESTS=OFF

ADDRESS="${PMX_LISTEN_ADDRESS:-127.0.0.1:9717}"
cat <<MSG

postmortem-exporter: http://${ADDRESS}/
Data (without --redis.url): ${ROOT}/data/postmortem.db, kept across restarts.
Add this receiver to alertmanager.yml (and route alerts to it):

receivers:
  - name: postmortem
    webhook_configs:
      - url: http://${ADDRESS}/api/v1/webhook
        send_resolved: true
        # with --web.auth-token-file=/path/token on the daemon:
        # http_config:
        #   authorization:
        #     credentials_file: /path/token

MSG
cd "$ROOT"  # data/ is the same folder whichever directory this is run from
exec "$ROOT/build-release/postmortem-exporter" --web.listen-address="$ADDRESS" "$@"
