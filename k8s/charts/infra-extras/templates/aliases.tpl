{{- range $name, $alias := .Values.aliases }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    app.kubernetes.io/name: {{ $name }}
    app.kubernetes.io/part-of: everything
    app.kubernetes.io/managed-by: {{ $.Release.Service }}
spec:
  type: ClusterIP
  selector:
    {{- toYaml $alias.selector | nindent 4 }}
  ports:
    - name: tcp
      port: {{ $alias.port }}
      targetPort: {{ $alias.port }}
      protocol: TCP
{{- end }}
