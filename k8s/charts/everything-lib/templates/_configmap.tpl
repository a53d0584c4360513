{{- define "everything-lib.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "everything-lib.name" . }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" . | nindent 4 }}
data:
  {{- range $name, $value := .Values.config }}
  {{ $name }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}
