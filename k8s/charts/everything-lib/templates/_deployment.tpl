{{- define "everything-lib.deployment" -}}
{{- $name := include "everything-lib.name" . -}}
{{- $port := include "everything-lib.port" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "everything-lib.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      {{- toYaml .Values.rollingUpdate | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "everything-lib.labels" . | nindent 8 }}
      annotations:
        # A changed ConfigMap rolls the pods: the environment is read once, at start.
        checksum/config: {{ include "everything-lib.configmap" . | sha256sum }}
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "everything-lib.podSecurityContext" . | nindent 8 }}
      {{- with .Values.topologySpread }}
      {{- if .enabled }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: {{ .whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "everything-lib.selectorLabels" $ | nindent 14 }}
      {{- end }}
      {{- end }}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $name }}
          image: {{ include "everything-lib.image" . }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            - name: {{ $port }}
              containerPort: {{ .Values.port }}
              protocol: TCP
            {{- if .Values.metrics.enabled }}
            - name: metrics
              containerPort: {{ .Values.metrics.port }}
              protocol: TCP
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ $name }}
          env:
            {{- include "everything-lib.memoryEnv" . | trim | nindent 12 }}
            {{- with .Values.secretEnv }}
            {{- include "everything-lib.secretEnv" $ | trim | nindent 12 }}
            {{- end }}
          {{- if eq .Values.protocol "grpc" }}
          # Readiness asks grpc.health.v1 for the whole server (""), which the service reports
          # NOT_SERVING while its database is unreachable. Liveness only asks whether the
          # process still accepts connections, so a database outage never restarts pods.
          startupProbe:
            tcpSocket:
              port: {{ $port }}
            periodSeconds: 2
            failureThreshold: 30
          readinessProbe:
            grpc:
              port: {{ .Values.port }}
              service: ""
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          livenessProbe:
            tcpSocket:
              port: {{ $port }}
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          {{- else }}
          startupProbe:
            httpGet:
              path: /healthz
              port: {{ $port }}
            periodSeconds: 2
            failureThreshold: 30
          readinessProbe:
            httpGet:
              path: /readyz
              port: {{ $port }}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          livenessProbe:
            httpGet:
              path: /healthz
              port: {{ $port }}
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          {{- end }}
          {{- if .Values.preStopSleepSeconds }}
          # Kube-proxy and the ingress drop a terminating pod a moment after the kubelet signals
          # it: the pod keeps serving that moment, then drains on SIGTERM.
          lifecycle:
            preStop:
              sleep:
                seconds: {{ .Values.preStopSleepSeconds }}
          {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "everything-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "everything-lib.tmpMount" . | nindent 12 }}
      volumes:
        {{- include "everything-lib.tmpVolume" . | nindent 8 }}
{{- end -}}
