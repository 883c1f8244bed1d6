{{/* The five services, in the order they are rendered. */}}
{{- define "genai-router.services" -}}
ingress auth catalog bridge usage
{{- end -}}

{{/* The services a Dapr sidecar calls over gRPC; the others receive events over HTTP. Mirrors RouterApps.CalledOverGrpc. */}}
{{- define "genai-router.calledOverGrpc" -}}
{{- has . (list "auth" "catalog" "bridge") -}}
{{- end -}}

{{/*
Who calls whom through Dapr service invocation, and which gRPC methods: the NetworkPolicies (sidecar port 50002) and
the access control policies both follow this one table. Mirrors the services' calls in the code.
*/}}
{{- define "genai-router.invocations" -}}
ingress:
  auth: [/genai_router.v1.CallerTokens/Validate, /grpc.health.v1.Health/Check]
  catalog: [/genai_router.v1.Catalog/WatchSnapshots]
  bridge: [/genai_router.v1.Bridge/Generate]
auth:
  catalog: [/genai_router.v1.Catalog/GetSnapshot]
bridge:
  catalog: [/genai_router.v1.Catalog/WatchSnapshots]
{{- end -}}

{{- define "genai-router.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one service's resources: <fullname>-<service>. Call with (dict "root" $ "service" "ingress"). */}}
{{- define "genai-router.serviceName" -}}
{{- printf "%s-%s" (include "genai-router.fullname" .root) .service -}}
{{- end -}}

{{- define "genai-router.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: genai-router
{{- end -}}

{{/* Call with (dict "root" $ "service" "ingress"). */}}
{{- define "genai-router.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "genai-router.image" -}}
{{- $image := .root.Values.image -}}
{{- printf "%s/%s-%s:%s" $image.registry $image.repository .service (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{- define "genai-router.configMapName" -}}
{{- default (printf "%s-config" (include "genai-router.fullname" .)) .Values.routerConfig.existingConfigMap -}}
{{- end -}}

{{/* Metadata entries of a Redis-backed Dapr component: host, password from a Secret, TLS. */}}
{{- define "genai-router.redisMetadata" -}}
- name: redisHost
  value: {{ .Values.dapr.components.redis.host | quote }}
{{- if .Values.dapr.components.redis.existingSecret }}
- name: redisPassword
  secretKeyRef:
    name: {{ .Values.dapr.components.redis.existingSecret }}
    key: {{ .Values.dapr.components.redis.secretKey }}
{{- end }}
- name: enableTLS
  value: {{ .Values.dapr.components.redis.enableTLS | quote }}
{{- end -}}

{{/*
Whether the services serve the Prometheus scrape at /metrics: always without an OTLP endpoint; with one, only when a
PodMonitor or ServiceMonitor is asked for or monitoring.scrapeWithOtlp is set (each metric reader costs CPU per request).
*/}}
{{- define "genai-router.prometheusScrape" -}}
{{- $m := .Values.monitoring -}}
{{- if or (not $m.otlp.endpoint) $m.scrapeWithOtlp $m.podMonitor.enabled $m.serviceMonitor.enabled -}}true{{- end -}}
{{- end -}}
