{{/* For kube-prometheus-stack's Prometheus, which selects monitors labelled release: kube-prometheus-stack. */}}
{{- define "everything-lib.serviceMonitor" -}}
{{- if .Values.metrics.enabled -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "everything-lib.name" . }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" . | nindent 4 }}
    release: kube-prometheus-stack
spec:
  selector:
    matchLabels:
      {{- include "everything-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: metrics
      path: {{ .Values.metrics.path }}
      interval: {{ .Values.metrics.interval }}
{{- end -}}
{{- end -}}
