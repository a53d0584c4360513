{{/*
`helm test` (and so `make verify`): a pod from the app's own image asks the Service, through
cluster DNS, whether the app is healthy: grpc.health.v1 for gRPC services, /readyz for HTTP.
*/}}
{{- define "everything-lib.testPod" -}}
{{- $name := include "everything-lib.name" . -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ printf "%s-test-health" $name }}
  namespace: {{ $.Release.Namespace }}
  labels:
    app.kubernetes.io/name: {{ $name }}
    app.kubernetes.io/instance: {{ .Release.Name }}
    app.kubernetes.io/component: test
    {{- include "everything-lib.commonLabels" . | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    {{- include "everything-lib.podSecurityContext" . | nindent 4 }}
  containers:
    - name: health
      image: {{ include "everything-lib.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      command: ["probe"]
      args:
        {{- if eq .Values.protocol "grpc" }}
        - {{ printf "grpc://%s.%s.svc.cluster.local:%v" $name .Release.Namespace .Values.port | quote }}
        {{- else }}
        - {{ printf "http://%s.%s.svc.cluster.local:%v/readyz" $name .Release.Namespace .Values.port | quote }}
        {{- end }}
        # A new pod's address is admitted by the NetworkPolicy engine a few seconds after it starts.
        - --within
        - "30"
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- include "everything-lib.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        {{- include "everything-lib.tmpMount" . | nindent 8 }}
  volumes:
    {{- include "everything-lib.tmpVolume" . | nindent 4 }}
{{- end -}}
