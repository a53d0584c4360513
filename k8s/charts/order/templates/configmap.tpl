{{- include "everything-lib.configmap" . }}
