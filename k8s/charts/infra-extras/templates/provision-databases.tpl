{{/*
Idempotent: creates what is missing, (re)applies passwords from the Secrets, drops nothing.
Runs after every install and upgrade of this release (so after `make secrets` rotated a
password, `make deploy-infra` applies it). Each user owns only its database; PUBLIC gets nothing.
*/}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: provision-databases
  labels:
    app.kubernetes.io/name: provision-databases
    app.kubernetes.io/part-of: everything
data:
  provision.sh: |
    set -eu
    run() { psql -v ON_ERROR_STOP=1 -q -h "$PGHOST" -U postgres -d postgres "$@"; }
    # role NAME PASSWORD_VARIABLE
    role() {
      run -v role="$1" -v password="$(printenv "$2")" <<'SQL'
    SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
    ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
    SQL
    }
    # database NAME OWNER
    database() {
      run -v db="$1" -v owner="$2" <<'SQL'
    SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
    REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
    SQL
    }
    {{- range .Values.databases }}
    role {{ .user }} {{ .passwordKey | upper | replace "-" "_" }}_PASSWORD
    database {{ .name }} {{ .user }}
    {{- end }}
    role {{ .Values.temporal.user }} TEMPORAL_PASSWORD
    {{- range .Values.temporal.databases }}
    database {{ . }} {{ $.Values.temporal.user }}
    {{- end }}
    echo "databases and users are in place"
---
apiVersion: batch/v1
kind: Job
metadata:
  name: provision-databases
  labels:
    app.kubernetes.io/name: provision-databases
    app.kubernetes.io/part-of: everything
  annotations:
    # After the ConfigMap above exists (post-, not pre-install), on every sync.
    helm.sh/hook: post-install,post-upgrade
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 6
  activeDeadlineSeconds: 600
  template:
    metadata:
      labels:
        app.kubernetes.io/name: provision-databases
    spec:
      restartPolicy: OnFailure
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 999
        runAsGroup: 999
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: psql
          image: {{ .Values.postgres.image }}
          command: ["sh", "/scripts/provision.sh"]
          env:
            - name: PGHOST
              value: {{ .Values.postgres.host | quote }}
            - name: PGPORT
              value: {{ .Values.postgres.port | quote }}
            - name: PGPASSWORD
              valueFrom:
                secretKeyRef:
                  name: postgres-credentials
                  key: postgres-password
            {{- range .Values.databases }}
            - name: {{ .passwordKey | upper | replace "-" "_" }}_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: database-users
                  key: {{ .passwordKey }}
            {{- end }}
            - name: TEMPORAL_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: temporal-credentials
                  key: password
          resources:
            requests: { memory: 32Mi, cpu: 50m }
            limits: { memory: 128Mi }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: scripts
              mountPath: /scripts
      volumes:
        - name: scripts
          configMap:
            name: provision-databases
