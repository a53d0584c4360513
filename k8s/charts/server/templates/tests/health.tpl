{{- include "everything-lib.testPod" . }}
