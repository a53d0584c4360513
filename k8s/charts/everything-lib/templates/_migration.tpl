{{/*
The migration Job: a pre-install,pre-upgrade hook, so Helm runs it to completion before it
creates or changes the Deployment (replicas start only after it succeeded; a failed Job fails
the release and leaves the running version alone).

First-install pitfall: hooks run before the release's ordinary objects exist, the ConfigMap
included. So the Job takes its environment from values directly (the same values that fill the
ConfigMap) and its password from a Secret that `make secrets` created beforehand; it uses no
ServiceAccount of the chart either.

before-hook-creation: the previous Job (succeeded or failed) stays until the next upgrade
replaces it, so `kubectl logs -n staging job/order-migration` works after a failure.
*/}}
{{- define "everything-lib.migrationName" -}}
{{- printf "%s-migration" (include "everything-lib.name" .) -}}
{{- end -}}

{{- define "everything-lib.migrationLabels" -}}
app.kubernetes.io/name: {{ include "everything-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: migration
{{- end -}}

{{- define "everything-lib.migrationJob" -}}
{{- if .Values.migration.enabled -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "everything-lib.migrationName" . }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.migrationLabels" . | nindent 4 }}
    {{- include "everything-lib.commonLabels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: {{ .Values.migration.backoffLimit }}
  activeDeadlineSeconds: {{ .Values.migration.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "everything-lib.migrationLabels" . | nindent 8 }}
        {{- include "everything-lib.commonLabels" . | nindent 8 }}
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "everything-lib.podSecurityContext" . | nindent 8 }}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "everything-lib.image" . }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command:
            {{- toYaml .Values.migration.command | nindent 12 }}
          args:
            {{- toYaml .Values.migration.args | nindent 12 }}
          env:
            {{- include "everything-lib.envEntries" (dict "root" . "names" .Values.migration.env) | trim | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "everything-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "everything-lib.tmpMount" . | nindent 12 }}
      volumes:
        {{- include "everything-lib.tmpVolume" . | nindent 8 }}
{{- end -}}
{{- end -}}

{{/*
The migration pod's own NetworkPolicy (DNS and PostgreSQL only). A hook too, with a lower
weight, so that it exists before the Job even on a first install.
*/}}
{{- define "everything-lib.migrationNetworkPolicy" -}}
{{- if and .Values.migration.enabled .Values.networkPolicy.enabled -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "everything-lib.migrationName" . }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.migrationLabels" . | nindent 4 }}
    {{- include "everything-lib.commonLabels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  podSelector:
    matchLabels:
      {{- include "everything-lib.migrationLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress: []
  egress:
    {{- include "everything-lib.dnsEgress" . | nindent 4 }}
    {{- toYaml .Values.migration.egress | nindent 4 }}
{{- end -}}
{{- end -}}
