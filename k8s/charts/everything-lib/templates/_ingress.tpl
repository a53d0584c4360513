{{/*
The way in from outside the cluster (the server chart only): an Ingress for the controller named
by ingress.className, HTTPS with the certificate in ingress.tls.secretName (made by `make tls`,
by the operator, or by cert-manager from ingress.tls.certManager).

With Traefik (k3s' controller; ingress.traefik.enabled) HTTPS only is Traefik's own work, in two
Middlewares: the HTTPS router adds HSTS, and a second Ingress on the plain-HTTP entry point only
redirects to HTTPS. Middleware is a CRD (traefik.io/v1alpha1) that every k3s has; where it is
absent the chart still installs: the HTTPS Ingress alone, without HSTS and without an HTTP router,
so plain HTTP finds nothing rather than the app (an Ingress naming a missing Middleware would
make Traefik drop its router altogether).
*/}}
{{- define "everything-lib.traefikMiddlewares" -}}
{{- with .Values.ingress -}}
{{- and .enabled .traefik.enabled .tls.enabled ($.Capabilities.APIVersions.Has "traefik.io/v1alpha1/Middleware") -}}
{{- end -}}
{{- end -}}

{{- define "everything-lib.ingressRules" -}}
{{- $root := .root -}}
{{- range .hosts }}
- host: {{ . | quote }}
  http:
    paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: {{ include "everything-lib.name" $root }}
            port:
              name: {{ include "everything-lib.port" $root }}
{{- end }}
{{- end -}}

{{- define "everything-lib.ingress" -}}
{{- with .Values.ingress }}
{{- if .enabled }}
{{- $name := include "everything-lib.name" $ -}}
{{- $middlewares := eq (include "everything-lib.traefikMiddlewares" $) "true" -}}
{{- $hosts := required "ingress.hosts: at least one host name when the Ingress is enabled" .hosts -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $name }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" $ | nindent 4 }}
  {{- $annotations := deepCopy (.annotations | default dict) }}
  {{- if and .tls.enabled .tls.certManager.enabled }}
  {{- $issuerAnnotation := ternary "cert-manager.io/cluster-issuer" "cert-manager.io/issuer" (eq .tls.certManager.issuerKind "ClusterIssuer") }}
  {{- $_ := set $annotations $issuerAnnotation (required "ingress.tls.certManager.issuerName: the cert-manager issuer to ask" .tls.certManager.issuerName) }}
  {{- end }}
  {{- if and .traefik.enabled .tls.enabled }}
  {{- $_ := set $annotations "traefik.ingress.kubernetes.io/router.entrypoints" .traefik.httpsEntryPoint }}
  {{- $_ := set $annotations "traefik.ingress.kubernetes.io/router.tls" "true" }}
  {{- if $middlewares }}
  {{- $_ := set $annotations "traefik.ingress.kubernetes.io/router.middlewares" (printf "%s-%s-hsts@kubernetescrd" $.Release.Namespace $name) }}
  {{- end }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  ingressClassName: {{ .className }}
  {{- if .tls.enabled }}
  tls:
    - secretName: {{ .tls.secretName }}
      hosts:
        {{- toYaml $hosts | nindent 8 }}
  {{- end }}
  rules:
    {{- include "everything-lib.ingressRules" (dict "root" $ "hosts" $hosts) | trim | nindent 4 }}
{{- if $middlewares }}
---
# Plain HTTP: only a permanent redirect to the same URL over HTTPS.
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $name }}-http
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" $ | nindent 4 }}
  annotations:
    traefik.ingress.kubernetes.io/router.entrypoints: {{ .traefik.httpEntryPoint }}
    traefik.ingress.kubernetes.io/router.middlewares: {{ printf "%s-%s-https-redirect@kubernetescrd" $.Release.Namespace $name }}
spec:
  ingressClassName: {{ .className }}
  rules:
    {{- include "everything-lib.ingressRules" (dict "root" $ "hosts" $hosts) | trim | nindent 4 }}
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: {{ $name }}-https-redirect
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" $ | nindent 4 }}
spec:
  redirectScheme:
    scheme: https
    permanent: true
---
# Strict-Transport-Security on every HTTPS answer: browsers that saw it once use HTTPS only.
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: {{ $name }}-hsts
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "everything-lib.labels" $ | nindent 4 }}
spec:
  headers:
    stsSeconds: {{ .hsts.maxAgeSeconds | int64 }}
    stsIncludeSubdomains: {{ .hsts.includeSubDomains }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
