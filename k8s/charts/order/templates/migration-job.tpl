{{- include "everything-lib.migrationJob" . }}
