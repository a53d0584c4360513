{{- include "everything-lib.service" . }}
