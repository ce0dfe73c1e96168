#!/usr/bin/env bash
# The remote Docker engines of the test suite, in DIR (a services dir of scripts/services-up.sh,
# which calls this; or any empty dir, to try it by hand beside running services):
#
#   - a second dockerd on 127.0.0.1:$WATCHDECK_DOCKER_TLS_PORT (default 52376) with --tlsverify, and
#     on DIR/dtls/sock; a CA, its server certificate and a client certificate made here with
#     openssl, plus a client certificate of another CA that the engine must refuse;
#   - an sshd on 127.0.0.1:$WATCHDECK_SSH_PORT (default 52222) letting root in with a key made
#     here; its sessions get DOCKER_HOST=unix://DIR/dtls/sock, so `docker system dial-stdio` over
#     ssh reaches that engine. Tests use the key through DIR/ssh/bin/ssh (first on their PATH),
#     which runs the system's ssh with DIR/ssh/config: the user's ~/.ssh is never read or written.
#
#   scripts/services-remote-docker.sh DIR SOURCE_DOCKER_HOST
#
# SOURCE_DOCKER_HOST is an engine holding local/busybox:test, copied into the new engine with
# docker save | docker load. stdout carries ONLY `export` lines; progress goes to stderr; on failure it
# exits non-zero and leaves the processes for services-down.sh DIR (which stops these too).
set -euo pipefail
umask 022

T=${1:?usage: $0 DIR SOURCE_DOCKER_HOST}
SOURCE=${2:?usage: $0 DIR SOURCE_DOCKER_HOST}
TLS_PORT=${WATCHDECK_DOCKER_TLS_PORT:-52376}
SSH_PORT=${WATCHDECK_SSH_PORT:-52222}
READY_TIMEOUT=${WATCHDECK_READY_TIMEOUT:-60}
D="$T/dtls" S="$T/ssh"

log() { printf 'services-remote-docker: %s\n' "$*" >&2; }
fail() { log "ERROR: $*"; [ -z "${2:-}" ] || tail -n 20 "$2" | sed 's/^/    /' >&2 || true; exit 1; }
port_in_use() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# wait_ready NAME PID LOG CMD...: poll CMD every 0.1 s until it succeeds, PID dies, or the timeout.
wait_ready() {
  local name=$1 pid=$2 logfile=$3; shift 3
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || fail "$name exited before becoming ready" "$logfile"
    [ "$SECONDS" -lt "$deadline" ] || fail "$name not ready after ${READY_TIMEOUT}s (check: $*)" "$logfile"
    sleep 0.1
  done
  log "$name ready"
}

for port in "$TLS_PORT" "$SSH_PORT"; do
  ! port_in_use "$port" || fail "port 127.0.0.1:$port is already in use"
done
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || fail "sshd not found (Debian package openssh-server)"
mkdir -p "$D/client" "$D/wrong-client" "$S/bin"

# --- Certificates: the engine's CA, its server certificate, a client of that CA, and a client of
#     another CA (with the right ca.pem, so only the engine's check of the client fails).
ext() { printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "$@"; }
ca() { # ca NAME: a CA key and certificate in $D/NAME-ca.{key,pem}
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 30 \
    -subj "/CN=watchdeck test $1 CA" -keyout "$D/$1-ca.key" -out "$D/$1-ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
leaf() { # leaf CA CN KEY CERT EXTFILE
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -subj "/CN=$2" \
    -keyout "$3" -out "$3.csr"
  openssl x509 -req -in "$3.csr" -CA "$D/$1-ca.pem" -CAkey "$D/$1-ca.key" -CAcreateserial -days 30 \
    -sha256 -extfile "$5" -out "$4"
  rm -f "$3.csr"
}
{
  ca engine && ca other
  ext "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$D/server.ext"
  ext "extendedKeyUsage=clientAuth" >"$D/client.ext"
  leaf engine localhost "$D/server.key" "$D/server.pem" "$D/server.ext"
  leaf engine watchdeck-test-client "$D/client/key.pem" "$D/client/cert.pem" "$D/client.ext"
  leaf other watchdeck-test-stranger "$D/wrong-client/key.pem" "$D/wrong-client/cert.pem" "$D/client.ext"
  cp "$D/engine-ca.pem" "$D/client/ca.pem"
  cp "$D/engine-ca.pem" "$D/wrong-client/ca.pem"
} </dev/null >"$D/openssl.log" 2>&1 || fail "certificate generation failed" "$D/openssl.log"
chmod 600 "$D"/*.key "$D"/*/key.pem

# --- The engine over TLS (and its own socket, for sshd's sessions and for loading the image).
nohup dockerd --host "tcp://127.0.0.1:$TLS_PORT" --host "unix://$D/sock" \
  --tlsverify --tlscacert "$D/engine-ca.pem" --tlscert "$D/server.pem" --tlskey "$D/server.key" \
  --data-root "$D/root" --exec-root "$D/exec" --pidfile "$D/pid" --storage-driver overlay2 \
  --bridge none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
  </dev/null >"$D/log" 2>&1 3>&- &
DOCKER_PID=$!; echo "$DOCKER_PID" >"$D/pid.launch"

# --- sshd: root with the test key only; its sessions use the TLS engine's socket.
ssh-keygen -q -t ed25519 -N '' -C watchdeck-test-host -f "$S/host_ed25519" </dev/null
ssh-keygen -q -t ed25519 -N '' -C watchdeck-test-client -f "$S/id_ed25519" </dev/null
cp "$S/id_ed25519.pub" "$S/authorized_keys"
cat >"$S/sshd_config" <<CFG
ListenAddress 127.0.0.1:$SSH_PORT
HostKey $S/host_ed25519
PidFile $S/pid
AuthorizedKeysFile $S/authorized_keys
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers root
# The key and its dirs are under /tmp, which is world-writable.
StrictModes no
UsePAM no
SetEnv DOCKER_HOST=unix://$D/sock
CFG
printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1-2 "$S/host_ed25519.pub")" >"$S/known_hosts"
cat >"$S/config" <<CFG
Host *
  IdentityFile $S/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $S/known_hosts
  StrictHostKeyChecking yes
  PasswordAuthentication no
CFG
printf '#!/bin/sh\nexec %s -F %s "$@"\n' "$(command -v ssh)" "$S/config" >"$S/bin/ssh"
chmod 755 "$S/bin/ssh"
mkdir -p /run/sshd   # sshd's privilege separation dir
"$SSHD" -t -f "$S/sshd_config" 2>"$S/log" || fail "sshd config test failed" "$S/log"
nohup "$SSHD" -D -e -f "$S/sshd_config" </dev/null >>"$S/log" 2>&1 3>&- &
SSHD_PID=$!; echo "$SSHD_PID" >"$S/pid.launch"

wait_ready dockerd-tls "$DOCKER_PID" "$D/log" \
  curl -sf -o /dev/null --cacert "$D/engine-ca.pem" --cert "$D/client/cert.pem" --key "$D/client/key.pem" \
  "https://127.0.0.1:$TLS_PORT/_ping"
DOCKER_HOST="$SOURCE" timeout 120 docker save local/busybox:test \
  | DOCKER_HOST="unix://$D/sock" timeout 120 docker load -q >"$D/load.log" 2>&1 \
  || fail "copying local/busybox:test into the TLS engine failed" "$D/load.log"
wait_ready sshd "$SSHD_PID" "$S/log" \
  "$S/bin/ssh" -o BatchMode=yes -p "$SSH_PORT" root@127.0.0.1 docker version --format "{{.Server.Version}}"

cat <<ENV
export WATCHDECK_TEST_DOCKER_TLS_HOST=tcp://127.0.0.1:$TLS_PORT
export WATCHDECK_TEST_DOCKER_CERT_PATH=$D/client
export WATCHDECK_TEST_DOCKER_WRONG_CERT_PATH=$D/wrong-client
export WATCHDECK_TEST_DOCKER_SSH_URL=ssh://root@127.0.0.1:$SSH_PORT
export WATCHDECK_TEST_SSH_PATH=$S/bin
ENV
