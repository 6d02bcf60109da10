{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "postmortem-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, or the release name alone when it already contains the chart name. */}}
{{- define "postmortem-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "postmortem-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "postmortem-exporter.labels" -}}
helm.sh/chart: {{ include "postmortem-exporter.chart" . }}
{{ include "postmortem-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels selecting the daemon's pods (standalone mode). */}}
{{- define "postmortem-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "postmortem-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Name of the ServiceAccount of the pods. */}}
{{- define "postmortem-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "postmortem-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference; the tag defaults to the chart's appVersion. */}}
{{- define "postmortem-exporter.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Name of the chart's own Secret (auth token, external Redis URL). */}}
{{- define "postmortem-exporter.secretName" -}}
{{- include "postmortem-exporter.fullname" . }}
{{- end }}

{{/* Secret and key of the bearer token. */}}
{{- define "postmortem-exporter.tokenSecretName" -}}
{{- default (include "postmortem-exporter.secretName" .) .Values.auth.existingSecret }}
{{- end }}
{{- define "postmortem-exporter.tokenSecretKey" -}}
{{- if .Values.auth.existingSecret }}{{ .Values.auth.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/* "true" when the daemon gets --redis.url: the bundled Redis, or an external one's URL (which
only carries the credentials with externalRedis.cluster, and is not needed there without them). */}}
{{- define "postmortem-exporter.hasRedisURL" -}}
{{- if or .Values.redis.enabled .Values.externalRedis.url .Values.externalRedis.existingSecret }}true{{ end }}
{{- end }}

{{/* "true" when the daemon uses a Redis (bundled or external), "" otherwise. */}}
{{- define "postmortem-exporter.usesRedis" -}}
{{- if or (include "postmortem-exporter.hasRedisURL" .) .Values.externalRedis.cluster }}true{{ end }}
{{- end }}

{{/* True when the chart's own Secret has something to hold. */}}
{{- define "postmortem-exporter.ownSecret" -}}
{{- if or (and .Values.auth.enabled (not .Values.auth.existingSecret)) (and .Values.externalRedis.url (not .Values.externalRedis.existingSecret)) }}true{{ end }}
{{- end }}

{{/* Bundled Redis: name of its StatefulSet and Service, and of its password Secret. */}}
{{- define "postmortem-exporter.redis.fullname" -}}
{{- printf "%s-redis" (include "postmortem-exporter.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}
{{- define "postmortem-exporter.redis.secretName" -}}
{{- default (include "postmortem-exporter.redis.fullname" .) .Values.redis.auth.existingSecret }}
{{- end }}
{{- define "postmortem-exporter.redis.secretKey" -}}
{{- if .Values.redis.auth.existingSecret }}{{ .Values.redis.auth.existingSecretKey }}{{ else }}redis-password{{ end }}
{{- end }}
{{- define "postmortem-exporter.redis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "postmortem-exporter.name" . }}-redis
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
A generated secret value that survives upgrades: the value of `key` in the existing Secret
`name` when the cluster has it (lookup), else a new random one. Call with (list $ name key).
*/}}
{{- define "postmortem-exporter.keptRandom" -}}
{{- $root := index . 0 }}
{{- $existing := lookup "v1" "Secret" $root.Release.Namespace (index . 1) }}
{{- if and $existing (hasKey (default dict $existing.data) (index . 2)) }}
{{- index $existing.data (index . 2) | b64dec }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}

{{/* Refuses values that cannot work, with a message saying what to change. */}}
{{- define "postmortem-exporter.validate" -}}
{{- if not (has .Values.mode (list "standalone" "sidecar")) }}
{{- fail (printf "mode must be standalone or sidecar, not %q" .Values.mode) }}
{{- end }}
{{- if and (eq .Values.mode "standalone") (gt (int .Values.replicaCount) 1) (not (include "postmortem-exporter.usesRedis" .)) }}
{{- fail (printf "replicaCount=%d needs Redis: the embedded store is one SQLite file on one pod's volume, so replicas would each count on their own. Set redis.enabled=true or externalRedis.url (or externalRedis.existingSecret), or replicaCount=1." (int .Values.replicaCount)) }}
{{- end }}
{{- if and .Values.storage.persistence.existingClaim (not .Values.storage.persistence.enabled) }}
{{- fail "storage.persistence.existingClaim is set but storage.persistence.enabled=false: the claim would not be mounted. Enable persistence or drop existingClaim." }}
{{- end }}
{{- if and .Values.redis.enabled (or .Values.externalRedis.url .Values.externalRedis.existingSecret .Values.externalRedis.cluster) }}
{{- fail "redis.enabled and externalRedis are mutually exclusive: choose the bundled Redis or your own" }}
{{- end }}
{{- if and .Values.externalRedis.url .Values.externalRedis.existingSecret }}
{{- fail "externalRedis.url and externalRedis.existingSecret are mutually exclusive" }}
{{- end }}
{{- $url := .Values.externalRedis.url }}
{{- if and $url (not .Values.externalRedis.cluster) (regexMatch "^rediss?://([^@/]*@)?(/.*)?$" $url) }}
{{- fail "externalRedis.url names no host: give redis://[[user]:password@]host[:port][/db], or set externalRedis.cluster (the URL then carries only the credentials)" }}
{{- end }}
{{- include "postmortem-exporter.validateRedisTLS" . }}
{{- if and .Values.rca.existingConfigMap .Values.rca.files }}
{{- fail "rca.files and rca.existingConfigMap are mutually exclusive" }}
{{- end }}
{{- $np := .Values.networkPolicy }}
{{- if and $np.enabled (eq .Values.mode "standalone") }}
{{- $peers := 0 }}
{{- range $name := list "alertmanager" "prometheus" }}
{{- if hasKey (get $np $name | default dict) "podSelector" }}{{ $peers = add1 $peers }}{{ end }}
{{- end }}
{{- if and (eq $peers 0) (not $np.extraIngress) }}
{{- fail "networkPolicy.enabled but no peer is left (alertmanager.podSelector, prometheus.podSelector and extraIngress are all unset): an ingress rule without peers would admit every source. Add a peer to networkPolicy.extraIngress, or set networkPolicy.enabled=false." }}
{{- end }}
{{- end }}
{{- end }}

{{/* The webhook URL Alertmanager posts to. */}}
{{- define "postmortem-exporter.webhookURL" -}}
{{- if eq .Values.mode "sidecar" }}
{{- printf "http://localhost:%d/api/v1/webhook" (int .Values.containerPort) }}
{{- else }}
{{- printf "http://%s.%s.svc:%d/api/v1/webhook" (include "postmortem-exporter.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}
{{- end }}

{{/* Labels of the bundled Redis objects (not the daemon's: the ServiceMonitor must not pick them). */}}
{{- define "postmortem-exporter.redis.labels" -}}
helm.sh/chart: {{ include "postmortem-exporter.chart" . }}
{{ include "postmortem-exporter.redis.selectorLabels" . }}
app.kubernetes.io/component: redis
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
externalRedis.tls: only for an external Redis reached by a rediss:// URL. caKey alone does not
count as set: it has a default.
*/}}
{{- define "postmortem-exporter.validateRedisTLS" -}}
{{- $tls := .Values.externalRedis.tls }}
{{- if or $tls.existingSecret $tls.certKey $tls.keyKey $tls.serverName }}
{{- if .Values.redis.enabled }}
{{- fail "externalRedis.tls is set but redis.enabled=true: the bundled Redis does not speak TLS. Use your own Redis (externalRedis.url or externalRedis.existingSecret) or drop externalRedis.tls." }}
{{- end }}
{{- if not (include "postmortem-exporter.usesRedis" .) }}
{{- fail "externalRedis.tls is set but there is no external Redis: set externalRedis.url (rediss://...) or externalRedis.existingSecret, or drop externalRedis.tls." }}
{{- end }}
{{- if and .Values.externalRedis.cluster (not .Values.externalRedis.url) (not .Values.externalRedis.existingSecret) }}
{{- fail "externalRedis.tls is set with externalRedis.cluster but there is no URL: the daemon speaks TLS to Redis only with rediss://. Set externalRedis.url=rediss:// (with the credentials, if any: rediss://user:password@) or drop externalRedis.tls." }}
{{- end }}
{{- if and .Values.externalRedis.url (not (hasPrefix "rediss://" .Values.externalRedis.url)) }}
{{- fail "externalRedis.tls is set but externalRedis.url is not a rediss:// URL: the daemon speaks TLS to Redis only with rediss://. Change the scheme of externalRedis.url or drop externalRedis.tls." }}
{{- end }}
{{- if ne (empty $tls.certKey) (empty $tls.keyKey) }}
{{- fail "externalRedis.tls.certKey and externalRedis.tls.keyKey go together: set both (cert-manager's Secrets: tls.crt and tls.key) or neither." }}
{{- end }}
{{- if and $tls.certKey (not $tls.existingSecret) }}
{{- fail "externalRedis.tls.certKey and keyKey are set but externalRedis.tls.existingSecret is not: name the Secret that holds them." }}
{{- end }}
{{- if and $tls.existingSecret (not $tls.caKey) (not $tls.certKey) }}
{{- fail (printf "externalRedis.tls.existingSecret=%s but neither externalRedis.tls.caKey nor certKey/keyKey names a key of it: nothing to mount." $tls.existingSecret) }}
{{- end }}
{{- end }}
{{- end }}
