{{- include "everything-lib.serviceMonitor" . }}
