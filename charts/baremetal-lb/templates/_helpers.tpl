{{/* Labels of every object: the components find each other by app and component. */}}
{{- define "baremetal-lb.labels" -}}
app: baremetal-lb
component: {{ .component }}
app.kubernetes.io/name: baremetal-lb
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end }}

{{- define "baremetal-lb.image" -}}
{{ .values.image.repository }}:{{ .values.image.tag | default .root.Chart.AppVersion }}
{{- end }}

{{/* Pod annotations: the user's, and the scrape annotations when asked for. */}}
{{- define "baremetal-lb.podAnnotations" -}}
{{- $annotations := deepCopy .values.podAnnotations -}}
{{- if .root.Values.prometheus.scrapeAnnotations -}}
{{- $_ := set $annotations "prometheus.io/scrape" "true" -}}
{{- $_ := set $annotations "prometheus.io/port" (toString .root.Values.prometheus.metricsPort) -}}
{{- $_ := set $annotations "prometheus.io/path" "/metrics" -}}
{{- end -}}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "baremetal-lb.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: monitoring
  initialDelaySeconds: 10
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: monitoring
  periodSeconds: 5
  failureThreshold: 3
{{- end }}
