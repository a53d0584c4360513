{{/*
Names and labels. Objects are named after the chart (server, order, customer), not the release,
so that the commands in k8s/README.md (kubectl logs deployment/order, job/order-migration, …)
work whatever the release is called. Release names are the chart names in helmfile-apps.
*/}}
{{- define "everything-lib.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/* The labels a Service and a PodDisruptionBudget select on; never change them (immutable). */}}
{{- define "everything-lib.selectorLabels" -}}
app: {{ include "everything-lib.name" . }}
app.kubernetes.io/name: {{ include "everything-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "everything-lib.labels" -}}
{{ include "everything-lib.selectorLabels" . }}
{{ include "everything-lib.commonLabels" . }}
{{- end -}}

{{/* Labels of every object, including those that must not be selected by the Service. */}}
{{- define "everything-lib.commonLabels" -}}
app.kubernetes.io/part-of: everything
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "everything-lib.image" -}}
{{- $tag := required "image.tag is required (the tag `make build-all` pushed)" .Values.image.tag -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{/*
One environment entry per name in `names`: plain values come from .Values.config, passwords
and keys from .Values.secretEnv as secretKeyRef. A name in neither is a chart bug: fail.
*/}}
{{- define "everything-lib.envEntries" -}}
{{- $root := .root -}}
{{- range .names }}
{{- if hasKey $root.Values.secretEnv . }}
{{- $ref := get $root.Values.secretEnv . }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secret }}
      key: {{ $ref.key }}
{{- else if hasKey $root.Values.config . }}
- name: {{ . }}
  value: {{ get $root.Values.config . | toString | quote }}
{{- else }}
{{- fail (printf "%s is neither in config nor in secretEnv" .) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Secret-backed variables of the app container (plain ones come from the ConfigMap). */}}
{{- define "everything-lib.secretEnv" -}}
{{- include "everything-lib.envEntries" (dict "root" . "names" (keys .Values.secretEnv | sortAlpha)) -}}
{{- end -}}

{{/*
Node's and glibc's memory settings, following the container's memory limit (values: node): the
old generation gets heapPercentOfLimit of the limit, the rest is left to code, the young
generation, buffers outside the heap and native libraries. See k8s/README.md, resources.
*/}}
{{- define "everything-lib.memoryEnv" -}}
{{- $limit := toString .Values.resources.limits.memory -}}
{{- $limitMiB := ternary (mul (atoi (trimSuffix "Gi" $limit)) 1024) (atoi (trimSuffix "Mi" $limit)) (hasSuffix "Gi" $limit) -}}
{{- $options := list (printf "--max-old-space-size=%d" (div (mul $limitMiB .Values.node.heapPercentOfLimit) 100)) -}}
{{- with .Values.node.maxSemiSpaceMiB }}
{{- $options = append $options (printf "--max-semi-space-size=%d" (int .)) -}}
{{- end }}
- name: NODE_OPTIONS
  value: {{ join " " $options | quote }}
{{- with .Values.node.mallocArenaMax }}
- name: MALLOC_ARENA_MAX
  value: {{ . | toString | quote }}
{{- end }}
{{- with .Values.node.mallocMmapThresholdKiB }}
- name: MALLOC_MMAP_THRESHOLD_
  value: {{ mul . 1024 | toString | quote }}
{{- end }}
{{- end -}}

{{/* Pod and container hardening shared by the app, the migration Job and the test pod. */}}
{{- define "everything-lib.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "everything-lib.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Node writes nothing, but libraries may want a temporary folder: a small one in memory. */}}
{{- define "everything-lib.tmpVolume" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 16Mi
{{- end -}}

{{- define "everything-lib.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "everything-lib.port" -}}
{{- if eq .Values.protocol "grpc" }}grpc{{ else }}http{{ end -}}
{{- end -}}
