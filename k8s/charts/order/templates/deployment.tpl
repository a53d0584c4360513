{{- include "everything-lib.deployment" . }}
