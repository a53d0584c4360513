{{/* Every pod may resolve names through the cluster DNS (CoreDNS in kube-system on k3s). */}}
{{- define "everything-lib.dnsEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/*
Who may reach the app, and what the app may reach: values list the peers (networkPolicy.ingress
and networkPolicy.egress, plain NetworkPolicy rules); DNS, the chart's own `helm test` pod,
Prometheus (when metrics are on) and, with an Ingress, the ingress controller's pods (to the app
port only) are added here. k3s enforces NetworkPolicies.
*/}}
{{- define "everything-lib.networkPolicy" -}}
{{- if .Values.networkPolicy.enabled -}}
{{- $port := include "everything-lib.port" . -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "everything-lib.name" . }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "everything-lib.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    - ports:
        - port: {{ $port }}
          protocol: TCP
      from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .Release.Name }}
              app.kubernetes.io/component: test
        {{- with .Values.ingress }}
        {{- if .enabled }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ .controller.namespace }}
          podSelector:
            matchLabels:
              {{- toYaml .controller.podLabels | nindent 14 }}
        {{- end }}
        {{- end }}
        {{- with .Values.networkPolicy.ingressFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    {{- if .Values.metrics.enabled }}
    - ports:
        - port: metrics
          protocol: TCP
      from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ .Values.metrics.prometheusNamespace }}
    {{- end }}
  egress:
    {{- include "everything-lib.dnsEgress" . | nindent 4 }}
    {{- with .Values.networkPolicy.egress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
{{- end -}}
