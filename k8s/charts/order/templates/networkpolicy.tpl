{{- include "everything-lib.networkPolicy" . }}
