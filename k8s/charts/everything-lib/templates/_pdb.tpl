{{- define "everything-lib.podDisruptionBudget" -}}
{{- if .Values.podDisruptionBudget.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "everything-lib.name" . }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" . | nindent 4 }}
spec:
  minAvailable: {{ .Values.podDisruptionBudget.minAvailable }}
  selector:
    matchLabels:
      {{- include "everything-lib.selectorLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}
