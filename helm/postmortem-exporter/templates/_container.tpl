{{/*
The daemon's container and the volumes it mounts. The Deployment (standalone) and the sidecar
block printed by NOTES.txt (and shown in README.md) are both made of these, so they cannot
drift apart.
*/}}

{{/* Paths inside the container. */}}
{{- define "postmortem-exporter.authDir" -}}/etc/postmortem-exporter/auth{{- end }}
{{- define "postmortem-exporter.rcaDir" -}}/etc/postmortem-exporter/rca{{- end }}
{{- define "postmortem-exporter.dataDir" -}}/data{{- end }}
{{- define "postmortem-exporter.redisTLSDir" -}}/etc/postmortem-exporter/redis-tls{{- end }}

{{/* Name of the ConfigMap mounted at --rca.dir; empty when there is none. */}}
{{- define "postmortem-exporter.rcaConfigMapName" -}}
{{- if .Values.rca.existingConfigMap }}
{{- .Values.rca.existingConfigMap }}
{{- else if .Values.rca.files }}
{{- printf "%s-rca" (include "postmortem-exporter.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The container (a map, to be placed as a list item). Called with a dict:
  root:       the chart's root context
  dataVolume: the volume holding --storage.path when there is no Redis: the Deployment's own
              (pmx-data), or in sidecar mode the Alertmanager pod's storage volume
  subPath:    the daemon's folder on that volume (sidecar mode: the volume is Alertmanager's)
*/}}
{{- define "postmortem-exporter.container" -}}
{{- $dataVolume := .dataVolume -}}
{{- $subPath := .subPath -}}
{{- with .root -}}
{{- $rcaConfigMap := include "postmortem-exporter.rcaConfigMapName" . -}}
{{- $embedded := not (include "postmortem-exporter.usesRedis" .) -}}
{{- $tls := .Values.externalRedis.tls -}}
{{- $tlsDir := include "postmortem-exporter.redisTLSDir" . -}}
name: postmortem-exporter
image: {{ include "postmortem-exporter.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
args:
  - {{ printf "--web.listen-address=:%d" (int .Values.containerPort) | quote }}
  {{- if .Values.auth.enabled }}
  - {{ printf "--web.auth-token-file=%s/token" (include "postmortem-exporter.authDir" .) | quote }}
  {{- end }}
  {{- if $embedded }}
  # No Redis: the embedded SQLite store, in a volume (the root filesystem is read-only).
  - {{ printf "--storage.path=%s" (include "postmortem-exporter.dataDir" .) | quote }}
  - {{ printf "--storage.sync=%s" .Values.storage.sync | quote }}
  {{- else }}
  {{- with .Values.externalRedis.cluster }}
  - {{ printf "--redis.cluster=%s" (join "," .) | quote }}
  {{- end }}
  {{- if include "postmortem-exporter.hasRedisURL" . }}
  - "--redis.url=$(REDIS_URL)"
  {{- end }}
  {{- if $tls.existingSecret }}
  {{- if $tls.caKey }}
  - {{ printf "--redis.tls-ca-file=%s/ca.crt" $tlsDir | quote }}
  {{- end }}
  {{- if $tls.certKey }}
  - {{ printf "--redis.tls-cert-file=%s/tls.crt" $tlsDir | quote }}
  - {{ printf "--redis.tls-key-file=%s/tls.key" $tlsDir | quote }}
  {{- end }}
  {{- end }}
  {{- with $tls.serverName }}
  - {{ printf "--redis.tls-server-name=%s" . | quote }}
  {{- end }}
  {{- end }}
  {{- if $rcaConfigMap }}
  - {{ printf "--rca.dir=%s" (include "postmortem-exporter.rcaDir" .) | quote }}
  {{- end }}
  - {{ printf "--incident.source-labels=%s" .Values.config.sourceLabels | quote }}
  - {{ printf "--incident.ignore=%s" .Values.config.incidentIgnore | quote }}
  - {{ printf "--incident.reopen-window=%s" .Values.config.reopenWindow | quote }}
  - {{ printf "--incident.repeat-window=%s" .Values.config.repeatWindow | quote }}
  - {{ printf "--metrics.top-sources=%d" (int .Values.config.topSources) | quote }}
  - {{ printf "--postmortem.required-severities=%s" .Values.config.requiredSeverities | quote }}
  - {{ printf "--postmortem.require-repeats=%t" .Values.config.requireRepeats | quote }}
  - {{ printf "--postmortem.due=%s" .Values.config.postmortemDue | quote }}
  - {{ printf "--kpi.window=%s" .Values.config.kpiWindow | quote }}
  - {{ printf "--log.level=%s" .Values.config.logLevel | quote }}
  - {{ printf "--log.format=%s" .Values.config.logFormat | quote }}
  {{- range .Values.extraArgs }}
  - {{ . | quote }}
  {{- end }}
{{- if or (include "postmortem-exporter.usesRedis" .) .Values.extraEnv }}
env:
  {{- if .Values.redis.enabled }}
  {{- if .Values.redis.auth.enabled }}
  - name: REDIS_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ include "postmortem-exporter.redis.secretName" . }}
        key: {{ include "postmortem-exporter.redis.secretKey" . }}
  - name: REDIS_URL
    value: {{ printf "redis://:$(REDIS_PASSWORD)@%s.%s.svc:6379/0" (include "postmortem-exporter.redis.fullname" .) .Release.Namespace | quote }}
  {{- else }}
  - name: REDIS_URL
    value: {{ printf "redis://%s.%s.svc:6379/0" (include "postmortem-exporter.redis.fullname" .) .Release.Namespace | quote }}
  {{- end }}
  {{- else if include "postmortem-exporter.hasRedisURL" . }}
  - name: REDIS_URL
    valueFrom:
      secretKeyRef:
        name: {{ default (include "postmortem-exporter.secretName" .) .Values.externalRedis.existingSecret }}
        key: {{ ternary .Values.externalRedis.existingSecretKey "redis-url" (not (empty .Values.externalRedis.existingSecret)) }}
  {{- end }}
  {{- with .Values.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
ports:
  - name: pmx-http
    containerPort: {{ .Values.containerPort }}
    protocol: TCP
livenessProbe:
  httpGet:
    path: /-/healthy
    port: pmx-http
  {{- toYaml .Values.livenessProbe | nindent 2 }}
readinessProbe:
  httpGet:
    {{- if eq .Values.mode "sidecar" }}
    # In Alertmanager's pod: /-/ready follows Redis, and a Redis outage must not take
    # Alertmanager out of its Service. Webhooks answer 503 meanwhile and Alertmanager retries.
    path: /-/healthy
    {{- else }}
    path: /-/ready
    {{- end }}
    port: pmx-http
  {{- toYaml .Values.readinessProbe | nindent 2 }}
{{- with .Values.resources }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
{{- if or .Values.auth.enabled $rcaConfigMap $embedded $tls.existingSecret }}
volumeMounts:
  {{- if .Values.auth.enabled }}
  - name: pmx-auth
    mountPath: {{ include "postmortem-exporter.authDir" . }}
    readOnly: true
  {{- end }}
  {{- if $rcaConfigMap }}
  - name: pmx-rca
    mountPath: {{ include "postmortem-exporter.rcaDir" . }}
    readOnly: true
  {{- end }}
  {{- if $tls.existingSecret }}
  - name: pmx-redis-tls
    mountPath: {{ $tlsDir }}
    readOnly: true
  {{- end }}
  {{- if $embedded }}
  - name: {{ $dataVolume }}
    mountPath: {{ include "postmortem-exporter.dataDir" . }}
    {{- with $subPath }}
    subPath: {{ . }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Standalone without Redis: the volume of --storage.path. A PersistentVolumeClaim (the chart's or
storage.persistence.existingClaim), or with persistence disabled an emptyDir, which lives and
dies with the pod.
*/}}
{{- define "postmortem-exporter.dataVolume" -}}
- name: pmx-data
  {{- if .Values.storage.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "postmortem-exporter.dataClaimName" . }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end }}

{{/* Name of the claim of pmx-data. */}}
{{- define "postmortem-exporter.dataClaimName" -}}
{{- default (printf "%s-data" (include "postmortem-exporter.fullname" . | trunc 58 | trimSuffix "-")) .Values.storage.persistence.existingClaim }}
{{- end }}

{{/* The volumes the container mounts (list items; empty when none). */}}
{{- define "postmortem-exporter.volumes" -}}
{{- $rcaConfigMap := include "postmortem-exporter.rcaConfigMapName" . -}}
{{- if .Values.auth.enabled }}
- name: pmx-auth
  secret:
    secretName: {{ include "postmortem-exporter.tokenSecretName" . }}
    # Readable by any user: in sidecar mode the pod's fsGroup is Alertmanager's.
    defaultMode: 0444
    items:
      - key: {{ include "postmortem-exporter.tokenSecretKey" . }}
        path: token
{{- end }}
{{- if $rcaConfigMap }}
- name: pmx-rca
  configMap:
    name: {{ $rcaConfigMap }}
    defaultMode: 0444
{{- end }}
{{- with .Values.externalRedis.tls }}
{{- if .existingSecret }}
- name: pmx-redis-tls
  secret:
    secretName: {{ .existingSecret }}
    # Root's files: 0444 lets the daemon's user read them whatever the pod's fsGroup (0440
    # needs one; in sidecar mode it is Alertmanager's, if any). Only this container mounts
    # them, and only the daemon runs in it.
    defaultMode: 0444
    # Fixed file names whatever the Secret's keys: the flags stay the same.
    items:
      {{- if .caKey }}
      - key: {{ .caKey }}
        path: ca.crt
      {{- end }}
      {{- if .certKey }}
      - key: {{ .certKey }}
        path: tls.crt
      - key: {{ .keyKey }}
        path: tls.key
      {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Where Alertmanager finds the token when the Secret is mounted the operator's way. */}}
{{- define "postmortem-exporter.alertmanagerTokenFile" -}}
{{- printf "/etc/alertmanager/secrets/%s/%s" (include "postmortem-exporter.tokenSecretName" .) (include "postmortem-exporter.tokenSecretKey" .) }}
{{- end }}

{{/* Sidecar mode: the values to add to kube-prometheus-stack. */}}
{{- define "postmortem-exporter.sidecar.kubePrometheusStack" -}}
{{- $volumes := include "postmortem-exporter.volumes" . | trim -}}
alertmanager:
  alertmanagerSpec:
    {{- if .Values.auth.enabled }}
    # Mounted in Alertmanager at /etc/alertmanager/secrets/<name>/ for credentials_file.
    secrets:
      - {{ include "postmortem-exporter.tokenSecretName" . }}
    {{- end }}
    containers:
      - {{ include "postmortem-exporter.container" (dict "root" . "dataVolume" .Values.sidecar.storage.kubePrometheusStackVolume "subPath" .Values.sidecar.storage.subPath) | indent 8 | trim }}
    {{- if $volumes }}
    volumes:
      {{- $volumes | nindent 6 }}
    {{- end }}
{{- end }}

{{/* Sidecar mode: the values to add to the prometheus-community `alertmanager` chart. */}}
{{- define "postmortem-exporter.sidecar.alertmanagerChart" -}}
{{- $volumes := include "postmortem-exporter.volumes" . | trim -}}
extraContainers:
  - {{ include "postmortem-exporter.container" (dict "root" . "dataVolume" .Values.sidecar.storage.alertmanagerChartVolume "subPath" .Values.sidecar.storage.subPath) | indent 4 | trim }}
{{- if $volumes }}
extraVolumes:
  {{- $volumes | nindent 2 }}
{{- end }}
{{- if .Values.auth.enabled }}
extraSecretMounts:
  - name: pmx-webhook-token
    mountPath: {{ printf "/etc/alertmanager/secrets/%s" (include "postmortem-exporter.tokenSecretName" .) }}
    secretName: {{ include "postmortem-exporter.tokenSecretName" . }}
    readOnly: true
{{- end }}
{{- end }}

{{/* The receiver and route to add to the Alertmanager configuration. */}}
{{- define "postmortem-exporter.alertmanagerConfig" -}}
route:
  routes:
    # First, with continue: every alert also reaches the routes after this one. The daemon's
    # own alerts and heartbeats stay out (it would ignore them anyway: --incident.ignore).
    - receiver: postmortem-exporter
      matchers:
        - alertname!~"Postmortem.*|Watchdog|InfoInhibitor"
      continue: true
receivers:
  - name: postmortem-exporter
    webhook_configs:
      - url: {{ include "postmortem-exporter.webhookURL" . }}
        send_resolved: true
        {{- if .Values.auth.enabled }}
        http_config:
          authorization:
            credentials_file: {{ include "postmortem-exporter.alertmanagerTokenFile" . }}
        {{- end }}
{{- end }}
