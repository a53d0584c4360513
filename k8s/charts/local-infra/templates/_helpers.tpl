{{/* Labels of the upstream chart a stand-in replaces, plus our own. */}}
{{- define "local-infra.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/part-of: everything
app.kubernetes.io/managed-by: Helm
{{- end }}

{{- define "local-infra.pod-security" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  runAsNonRoot: true
  seccompProfile: { type: RuntimeDefault }
{{- end }}

{{- define "local-infra.container-security" -}}
securityContext:
  allowPrivilegeEscalation: false
  capabilities: { drop: ["ALL"] }
{{- end }}
