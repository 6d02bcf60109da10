# postmortem-exporter image: Debian 12, built in one stage, run from debian:12-slim with only the
# shared libraries the binary links (tests/docker/dockerfile_test.sh checks that list against
# `ldd` of the binary CMake builds, so a new library cannot be forgotten here).

FROM debian:12 AS build
# The build packages of scripts/lib.sh (BUILD_PACKAGES).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config libcpp-httplib-dev prometheus-cpp-dev \
      nlohmann-json3-dev libhiredis-dev libcli11-dev libspdlog-dev libre2-dev zlib1g-dev \
      libsqlite3-dev libkainjow-mustache-dev libssl-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Only the daemon's target, on every core the builder has.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPMX_BUILD_TESTS=OFF \
 && cmake --build /build --target postmortem-exporter --parallel "$(nproc)" \
 && strip /build/postmortem-exporter

FROM debian:12-slim
# Runtime libraries only: one package per library `ldd postmortem-exporter` lists. apt-get clean
# drops the downloaded packages and apt's caches (/var/cache/apt/*.bin, 80 MB), which would
# otherwise stay in the layer.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libc6 libgcc-s1 libstdc++6 libspdlog1.10 libfmt9 libhiredis0.14 libprometheus-cpp-core1.0 \
      libcpp-httplib0.11 libre2-9 libssl3 zlib1g libsqlite3-0 libbrotli1 libjemalloc2 \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin postmortem \
 && mkdir /data && chown 65532:65532 /data
COPY --from=build /build/postmortem-exporter /usr/bin/postmortem-exporter
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 9717
# The embedded store: the default --storage.path, data/, is /data from the working directory /,
# a volume so it outlives the container (the chart mounts its own at the same path).
WORKDIR /
VOLUME ["/data"]
# The image has no curl: bash's /dev/tcp asks GET /-/healthy on the default port. (Kubernetes
# uses the chart's httpGet probes instead; with another --web.listen-address port, override it.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9717 && printf 'GET /-/healthy HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/bin/postmortem-exporter"]
# Last, so that a new commit does not invalidate a layer cache of the steps above.
# scripts/image.sh passes the project version and the git commit.
ARG VERSION=unknown
ARG REVISION=unknown
LABEL org.opencontainers.image.title="postmortem-exporter" \
      org.opencontainers.image.description="Alertmanager webhook receiver: incidents, repeats and post-mortem KPIs for Prometheus" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.base.name="docker.io/library/debian:12-slim"
