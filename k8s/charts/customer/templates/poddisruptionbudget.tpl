{{- include "everything-lib.podDisruptionBudget" . }}
