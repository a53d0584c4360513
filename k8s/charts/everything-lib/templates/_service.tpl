{{- define "everything-lib.service" -}}
{{- $port := include "everything-lib.port" . -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "everything-lib.name" . }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  selector:
    {{- include "everything-lib.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ $port }}
      port: {{ .Values.port }}
      targetPort: {{ $port }}
      protocol: TCP
      {{- if and (eq .Values.service.type "NodePort") .Values.service.nodePort }}
      nodePort: {{ .Values.service.nodePort }}
      {{- end }}
      {{- if eq .Values.protocol "grpc" }}
      appProtocol: grpc
      {{- else }}
      appProtocol: http
      {{- end }}
    {{- if .Values.metrics.enabled }}
    - name: metrics
      port: {{ .Values.metrics.port }}
      targetPort: {{ .Values.metrics.port }}
      protocol: TCP
    {{- end }}
{{- end -}}
