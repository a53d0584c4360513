{{- include "everything-lib.migrationNetworkPolicy" . }}
