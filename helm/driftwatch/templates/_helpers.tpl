{{/* Names, labels and the container environment, included by every template. */}}

{{/* The chart name, shortened to fit Kubernetes' 63-character name limit. */}}
{{- define "driftwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The resource name prefix: "<release>-<chart>", or just the release when it already contains the chart name. */}}
{{- define "driftwatch.fullname" -}}
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

{{/* "<chart>-<version>" for the helm.sh/chart label. */}}
{{- define "driftwatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource, without the component (for the database and migration objects). */}}
{{- define "driftwatch.commonLabels" -}}
helm.sh/chart: {{ include "driftwatch.chart" . }}
app.kubernetes.io/name: {{ include "driftwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: driftwatch
{{- end }}

{{/* Labels on the monitor-service's resources. */}}
{{- define "driftwatch.labels" -}}
{{ include "driftwatch.commonLabels" . }}
app.kubernetes.io/component: monitor-service
{{- end }}

{{/* Labels that select the monitor-service pods (stable across upgrades: never add to them). */}}
{{- define "driftwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "driftwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: monitor-service
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "driftwatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "driftwatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: the digest wins over the tag; the tag defaults to the appVersion. */}}
{{- define "driftwatch.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret the chart creates for admin, bootstrap and webhook secrets. */}}
{{- define "driftwatch.appSecretName" -}}
{{- include "driftwatch.fullname" . }}
{{- end }}

{{/* The CloudNativePG Cluster name of the bundled database. */}}
{{- define "driftwatch.postgresClusterName" -}}
{{- printf "%s-postgresql" (include "driftwatch.fullname" . | trunc 52 | trimSuffix "-") }}
{{- end }}

{{/*
A secret value the chart manages: the given value, else the one already stored in the release's
Secret (so upgrades keep a generated value), else a new random one.
Call with (list $ "<given value>" "<key in the app Secret>"), or with a fourth element "token" for an
API token in the service's one token format: "dw_" and 43 random characters.
The lookup runs only against a live cluster: a client-only render (helm template, lint, helm-java)
reports Helm's placeholder Kubernetes v1.20, below the chart's minimum of 1.25, and some of those
tools would otherwise try to reach a cluster.
*/}}
{{- define "driftwatch.managedSecretValue" -}}
{{- $root := index . 0 }}
{{- $given := index . 1 }}
{{- $key := index . 2 }}
{{- if $given }}
{{- $given }}
{{- else }}
{{- $existing := dict }}
{{- if semverCompare ">=1.25-0" $root.Capabilities.KubeVersion.Version }}
{{- $existing = lookup "v1" "Secret" $root.Release.Namespace (include "driftwatch.appSecretName" $root) }}
{{- end }}
{{- if and $existing $existing.data (hasKey $existing.data $key) }}
{{- index $existing.data $key | b64dec }}
{{- else if and (gt (len .) 3) (eq (index . 3) "token") }}
{{- printf "dw_%s" (randAlphaNum 43) }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}
{{- end }}

{{/* The JDBC URL: the external one, or the bundled cluster's read-write Service. */}}
{{- define "driftwatch.datasourceUrl" -}}
{{- if eq .Values.database.mode "external" }}
{{- required "database.external.url is required when database.mode is external" .Values.database.external.url }}
{{- else }}
{{- printf "jdbc:postgresql://%s-rw:5432/%s" (include "driftwatch.postgresClusterName" .) .Values.database.bundled.database }}
{{- end }}
{{- end }}

{{/* Secret name and keys holding the datasource user and password. */}}
{{- define "driftwatch.datasourceSecret" -}}
{{- if eq .Values.database.mode "external" }}
{{- if .Values.database.external.existingSecret }}
name: {{ .Values.database.external.existingSecret }}
usernameKey: {{ .Values.database.external.existingSecretKeys.username }}
passwordKey: {{ .Values.database.external.existingSecretKeys.password }}
{{- else }}
name: {{ include "driftwatch.fullname" . }}-database
usernameKey: username
passwordKey: password
{{- end }}
{{- else }}
{{- /* CloudNativePG writes the owner's credentials to "<cluster>-app". */}}
name: {{ include "driftwatch.postgresClusterName" . }}-app
usernameKey: username
passwordKey: password
{{- end }}
{{- end }}

{{/* Secret name and key of one app secret: the user's existing Secret, or the chart's. */}}
{{- define "driftwatch.secretRef" -}}
{{- $root := index . 0 }}
{{- $existing := index . 1 }}
{{- $existingKey := index . 2 }}
{{- $chartKey := index . 3 -}}
secretKeyRef:
  name: {{ default (include "driftwatch.appSecretName" $root) $existing }}
  key: {{ ternary $existingKey $chartKey (not (empty $existing)) }}
{{- end }}

{{/*
The container environment of the service, shared by the Deployment and the migration Job.
This is the one place that names the service's configuration properties.
*/}}
{{- define "driftwatch.env" -}}
{{- $db := include "driftwatch.datasourceSecret" . | fromYaml -}}
- name: SPRING_DATASOURCE_URL
  value: {{ include "driftwatch.datasourceUrl" . | quote }}
- name: SPRING_DATASOURCE_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $db.name }}
      key: {{ $db.usernameKey }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $db.name }}
      key: {{ $db.passwordKey }}
- name: SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE
  value: {{ .Values.database.maxPoolSize | quote }}
- name: SPRING_FLYWAY_CONNECTRETRIES
  value: {{ .Values.database.connectRetries | quote }}
- name: DRIFTWATCH_SECURITY_ADMIN_USERNAME
  valueFrom:
    {{- include "driftwatch.secretRef" (list . .Values.admin.existingSecret .Values.admin.existingSecretKeys.username "admin-username") | nindent 4 }}
- name: DRIFTWATCH_SECURITY_ADMIN_PASSWORD
  valueFrom:
    {{- include "driftwatch.secretRef" (list . .Values.admin.existingSecret .Values.admin.existingSecretKeys.password "admin-password") | nindent 4 }}
{{- if .Values.bootstrap.enabled }}
- name: DRIFTWATCH_BOOTSTRAP_PROJECT
  value: {{ .Values.bootstrap.project | quote }}
- name: DRIFTWATCH_BOOTSTRAP_TOKEN
  valueFrom:
    {{- include "driftwatch.secretRef" (list . .Values.bootstrap.existingSecret .Values.bootstrap.existingSecretKey "bootstrap-token") | nindent 4 }}
{{- end }}
{{- if or .Values.alerts.webhook.secret .Values.alerts.webhook.existingSecret }}
- name: DRIFTWATCH_ALERTS_WEBHOOK_SECRET
  valueFrom:
    {{- include "driftwatch.secretRef" (list . .Values.alerts.webhook.existingSecret .Values.alerts.webhook.existingSecretKey "webhook-secret") | nindent 4 }}
{{- end }}
- name: DRIFTWATCH_METRICS_SCRAPE_TOKEN
  valueFrom:
    {{- include "driftwatch.secretRef" (list . .Values.metrics.existingSecret .Values.metrics.existingSecretKey "scrape-token") | nindent 4 }}
- name: MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED
  value: "true"
- name: JAVA_TOOL_OPTIONS
  value: {{ printf "-XX:MaxRAMPercentage=%v -Djava.io.tmpdir=/tmp %s" .Values.jvm.maxRamPercentage .Values.jvm.extraOptions | trim | quote }}
{{- if .Values.config }}
- name: SPRING_CONFIG_ADDITIONAL_LOCATION
  value: optional:file:/config/
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volumes shared by the Deployment and the migration Job: /tmp and the optional config. */}}
{{- define "driftwatch.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpDir.sizeLimit }}
    {{- with .Values.tmpDir.medium }}
    medium: {{ . }}
    {{- end }}
{{- if .Values.config }}
- name: config
  configMap:
    name: {{ include "driftwatch.fullname" . }}
{{- end }}
{{- end }}

{{/* Mounts of driftwatch.volumes. */}}
{{- define "driftwatch.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.config }}
- name: config
  mountPath: /config
  readOnly: true
{{- end }}
{{- end }}

{{/* Checksum of everything the pods read from Secrets and ConfigMaps the chart manages, so a change rolls them. */}}
{{- define "driftwatch.configChecksum" -}}
{{- dict "config" .Values.config "admin" .Values.admin "bootstrap" .Values.bootstrap "alerts" .Values.alerts "database" .Values.database | toJson | sha256sum }}
{{- end }}
