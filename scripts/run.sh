#!/usr/bin/env bash
# Installs what is missing, builds a Release binary and starts the daemon on the embedded store.
# Extra arguments are passed to the daemon (e.g. --redis.url=redis://127.0.0.1:6379).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_missing "${BUILD_PACKAGES[@]}"
build "$ROOT/build-release" -DCMAKE_BUILD_TYPE=Release -DPMX_BUILD_TESTS=OFF

ADDRESS="${PMX_LISTEN_ADDRESS:-127.0.0.1:9717}"
cat <<MSG

postmortem-exporter: http://${ADDRESS}/
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
exec "$ROOT/build-release/postmortem-exporter" --web.listen-address="$ADDRESS" "$@"
