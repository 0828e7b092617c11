# shellcheck shell=bash
# Palisade local emulator harness. Sourced by the root `palisade` script
# (which runs with `set -euo pipefail` and sets PALISADE_ROOT).
#
#   moto server (TLS)  https://127.0.0.1:${PALISADE_MOTO_PORT:-5443}   -> the org being bootstrapped
#   MiniStack          http://127.0.0.1:${PALISADE_MINISTACK_PORT:-4566} -> management account (CFN/SAM, SFN, Lambda)
#                      (scripts/harness/ministack_server.py: a stopped execution stays ABORTED, TimeoutSeconds ends
#                      it TIMED_OUT, as on AWS; IOT_MTLS_ENABLED=0 keeps its IoT listener off 0.0.0.0)
#   fault proxy (TLS)  https://localhost:${PALISADE_PROXY_PORT:-5444} -> moto; PALISADE_FAULT_RATE of requests fail
#   fault proxy (TLS)  https://127.0.0.1:${PALISADE_PROXY_PORT:-5444}   -> moto, failing ${PALISADE_FAULT_RATE:-0} of the calls
#
# Everything lives in $PALISADE_DIR (default $PALISADE_ROOT/.palisade, gitignored):
#   venv/             aws-sam-cli, moto[server], cfn-lint, awscli   (scripts/harness/requirements.txt)
#   venv-ministack/   ministack[full]                               (scripts/harness/requirements-ministack.txt)
#   venv-prowler/     prowler, for ./palisade audit (made on first use)  (scripts/harness/requirements-prowler.txt)
#   tls/              ca.pem ca.key server.pem server.key
#   moto.pid moto.log ministack.pid ministack.log local.env
#   fault-proxy.pid fault-proxy.log faults.json (fault proxy counters, rewritten on every change)

: "${PALISADE_ROOT:?PALISADE_ROOT must be set before sourcing emulators.sh}"
PALISADE_DIR="${PALISADE_DIR:-$PALISADE_ROOT/.palisade}"
PALISADE_MOTO_PORT="${PALISADE_MOTO_PORT:-5443}"
PALISADE_MINISTACK_PORT="${PALISADE_MINISTACK_PORT:-4566}"
PALISADE_PROXY_PORT="${PALISADE_PROXY_PORT:-5444}"
PALISADE_HARNESS_DIR="$PALISADE_ROOT/scripts/harness"
PALISADE_VENV="$PALISADE_DIR/venv"
PALISADE_MS_VENV="$PALISADE_DIR/venv-ministack"
PALISADE_PROWLER_VENV="$PALISADE_DIR/venv-prowler"
PALISADE_TLS_DIR="$PALISADE_DIR/tls"
PALISADE_MOTO_URL="https://localhost:$PALISADE_MOTO_PORT"
PALISADE_MINISTACK_URL="http://127.0.0.1:$PALISADE_MINISTACK_PORT"
PALISADE_PROXY_URL="https://localhost:$PALISADE_PROXY_PORT"

pal_log() { printf '[palisade] %s\n' "$*" >&2; }
pal_die() { printf '[palisade] ERROR: %s\n' "$*" >&2; return 1; }

# --- Java -------------------------------------------------------------------

# Prints the major version of the JDK at $1 (0 if not a JDK).
pal__jdk_major() {
  local home="$1" v=""
  [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || { echo 0; return 0; }
  if [[ -f "$home/release" ]]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" | head -n1)"
  fi
  if [[ -z "$v" ]]; then
    v="$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  fi
  echo "${v:-0}"
}

# Echo a JAVA_HOME with a JDK >= 21: $JAVA_HOME if suitable, else the newest in /usr/lib/jvm.
pal_find_java21() {
  if [[ -n "${JAVA_HOME:-}" ]] && (( $(pal__jdk_major "$JAVA_HOME") >= 21 )); then
    echo "$JAVA_HOME"; return 0
  fi
  local d best="" best_v=0 v
  for d in /usr/lib/jvm/*; do
    [[ -d "$d" && ! -L "$d" ]] || continue
    v="$(pal__jdk_major "$d")"
    if (( v >= 21 && v > best_v )); then best="$d"; best_v="$v"; fi
  done
  if [[ -z "$best" ]]; then
    pal_die "no JDK >= 21 found (JAVA_HOME=${JAVA_HOME:-unset}; scanned /usr/lib/jvm/*). Install Temurin/OpenJDK 21+ or set JAVA_HOME."
    return 1
  fi
  echo "$best"
}

# --- Python venvs -----------------------------------------------------------

pal__ensure_one_venv() { # $1 venv dir, $2 requirements file
  local venv="$1" req="$2" stamp="$1/.palisade-requirements"
  if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$req" "$stamp"; then
    return 0
  fi
  pal_log "installing $(basename "$req") into ${venv#"$PALISADE_ROOT"/} (first run takes ~1 min)..."
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" || { pal_die "python3 -m venv failed (apt-get install python3-venv?)"; return 1; }
  fi
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  if ! "$venv/bin/python" -m pip install --quiet -r "$req" >"$venv/pip-install.log" 2>&1; then
    tail -n 30 "$venv/pip-install.log" >&2
    pal_die "pip install -r $req failed (log: $venv/pip-install.log)"
    return 1
  fi
  cp "$req" "$stamp"
  pal_log "venv ${venv#"$PALISADE_ROOT"/} ready"
}

# Create/update the tool venv and the MiniStack venv (idempotent, stamp = copy of the requirements file).
pal_ensure_venv() {
  mkdir -p "$PALISADE_DIR"
  pal__ensure_one_venv "$PALISADE_VENV" "$PALISADE_HARNESS_DIR/requirements.txt"
  pal__ensure_one_venv "$PALISADE_MS_VENV" "$PALISADE_HARNESS_DIR/requirements-ministack.txt"
}

# The audit venv: only ./palisade audit and its test need Prowler (a large install), so only they make it.
pal_ensure_prowler_venv() {
  mkdir -p "$PALISADE_DIR"
  pal__ensure_one_venv "$PALISADE_PROWLER_VENV" "$PALISADE_HARNESS_DIR/requirements-prowler.txt"
}

# --- TLS --------------------------------------------------------------------

# Local CA + server cert for localhost/127.0.0.1 in $PALISADE_DIR/tls (once).
pal_ensure_tls() {
  local t="$PALISADE_TLS_DIR"
  if [[ -s "$t/ca.pem" && -s "$t/server.pem" && -s "$t/server.key" ]]; then return 0; fi
  command -v openssl >/dev/null || { pal_die "openssl not found"; return 1; }
  pal_log "creating local CA and server certificate in ${t#"$PALISADE_ROOT"/}"
  mkdir -p "$t"
  (
    set -e
    cd "$t"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -keyout ca.key -out ca.pem -subj "/CN=Palisade Local CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -addext "subjectKeyIdentifier=hash" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr \
      -subj "/CN=localhost" >/dev/null 2>&1
    cat > server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EOF
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -days 825 -sha256 -extfile server.ext -out server.pem >/dev/null 2>&1
    rm -f server.csr server.ext ca.srl
    chmod 644 ca.pem server.pem
    # moto/Werkzeug and the JVM only need read access to the key.
    chmod 600 server.key ca.key
  ) || { rm -f "$t"/*.pem "$t"/*.key; pal_die "openssl failed creating certificates"; return 1; }
}

# --- process helpers --------------------------------------------------------

# pal__probe URL [CAFILE] -> exit 0 if GET returns < 500. Uses python (no curl needed).
pal__probe() {
  local py="python3"
  [[ -x "$PALISADE_VENV/bin/python" ]] && py="$PALISADE_VENV/bin/python"
  "$py" - "$1" "${2:-}" <<'EOF' >/dev/null 2>&1
import ssl, sys, urllib.request, urllib.error
url, ca = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=ca) if ca else None
try:
    with urllib.request.urlopen(url, timeout=2, context=ctx) as r:
        sys.exit(0 if r.status < 500 else 1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code < 500 else 1)
except Exception:
    sys.exit(1)
EOF
}

pal__pid_alive() { # $1 pidfile
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1" 2>/dev/null)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

pal__wait_ready() { # name url cafile pidfile logfile timeout_s
  local name="$1" url="$2" ca="$3" pidf="$4" logf="$5" timeout="$6" i
  for ((i = 0; i < timeout * 4; i++)); do
    if pal__probe "$url" "$ca"; then return 0; fi
    if ! pal__pid_alive "$pidf"; then
      tail -n 30 "$logf" >&2 || true
      pal_die "$name exited during startup (log: $logf)"; return 1
    fi
    sleep 0.25
  done
  tail -n 30 "$logf" >&2 || true
  pal_die "$name not ready after ${timeout}s (log: $logf)"
}

# pal__spawn PIDFILE LOGFILE CMD... : run CMD detached in its own session (cwd
# $PALISADE_DIR); the pid file holds the real pid (= process-group id).
pal__spawn() {
  local pidf="$1" logf="$2" i
  shift 2
  rm -f "$pidf"
  ( cd "$PALISADE_DIR" && exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" \
      </dev/null >"$logf" 2>&1 ) &
  for ((i = 0; i < 40; i++)); do
    [[ -s "$pidf" ]] && return 0
    sleep 0.1
  done
  pal_die "failed to launch $* (log: $logf)"
}

pal__port_busy() { # $1 port
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(); s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
}

# Environment hygiene for emulator processes: MiniStack copies its own
# environment into every Lambda process, so never leak the caller's AWS
# endpoint/profile/CA settings into it.
pal__clean_env=(
  env -u AWS_ENDPOINT_URL -u AWS_CA_BUNDLE -u AWS_PROFILE -u AWS_DEFAULT_PROFILE
  -u AWS_SESSION_TOKEN -u AWS_SECURITY_TOKEN -u LOCALSTACK_HOSTNAME
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
)

# --- moto -------------------------------------------------------------------

pal_start_moto() {
  local pidf="$PALISADE_DIR/moto.pid" logf="$PALISADE_DIR/moto.log"
  local url="$PALISADE_MOTO_URL/moto-api/"  # cheap: data.json dumps every resource
  pal_ensure_tls
  if pal__probe "$url" "$PALISADE_TLS_DIR/ca.pem"; then
    pal_log "moto already running on $PALISADE_MOTO_URL"; return 0
  fi
  if pal__port_busy "$PALISADE_MOTO_PORT"; then
    pal_die "port $PALISADE_MOTO_PORT is in use by something that is not a TLS moto server (set PALISADE_MOTO_PORT)"; return 1
  fi
  [[ -x "$PALISADE_VENV/bin/python" ]] || pal_ensure_venv
  # scripts/harness/moto_server.py = moto.server + S3 bucket-policy condition patches (same CLI).
  local -a pal__moto_main=(-m moto.server)
  [[ -f "$PALISADE_HARNESS_DIR/moto_server.py" ]] && pal__moto_main=("$PALISADE_HARNESS_DIR/moto_server.py")
  pal_log "starting moto server on $PALISADE_MOTO_URL (log: ${logf#"$PALISADE_ROOT"/})"
  # IAM enforcement (scripts/harness/moto_iam.py): every request but the harness's root key is checked against the
  # caller's policies from the first one on; PALISADE_IAM_ENFORCEMENT=0 turns it off (moto's default).
  local no_auth=0
  [[ "${PALISADE_IAM_ENFORCEMENT:-1}" == 0 ]] && no_auth=inf
  pal__spawn "$pidf" "$logf" "${pal__clean_env[@]}" MOTO_IAM_LOAD_MANAGED_POLICIES=true \
    INITIAL_NO_AUTH_ACTION_COUNT="$no_auth" \
    "$PALISADE_VENV/bin/python" "${pal__moto_main[@]}" -H 127.0.0.1 -p "$PALISADE_MOTO_PORT" \
    --ssl-cert "$PALISADE_TLS_DIR/server.pem" --ssl-key "$PALISADE_TLS_DIR/server.key" || return 1
  pal__wait_ready moto "$url" "$PALISADE_TLS_DIR/ca.pem" "$pidf" "$logf" 60
  pal_log "moto ready"
}

# --- fault proxy -------------------------------------------------------------
# scripts/harness/fault_proxy.py between the phases and moto: answers a share of the calls (the rate, 0..1) the
# way AWS does under load - throttling, 5xx, or "lost" (forwarded, moto's answer replaced by a 500) - in each
# protocol's wire shape. Point SDK clients at $PALISADE_PROXY_URL instead of $PALISADE_MOTO_URL.
# Control: GET/POST $PALISADE_PROXY_URL/__palisade/faults (rate, seed, kinds, reset, rules); counters also in
# $PALISADE_DIR/faults.json. Optional at start: PALISADE_FAULT_SEED, PALISADE_FAULT_KINDS (e.g. throttle,lost).

pal_fault_config() { # JSON body -> POST /__palisade/faults; prints the resulting settings + counters (JSON)
  local py="$PALISADE_VENV/bin/python"
  [[ -x "$py" ]] || py=python3
  "$py" - "$PALISADE_PROXY_URL/__palisade/faults" "$1" "$PALISADE_TLS_DIR/ca.pem" <<'EOF'
import ssl, sys, urllib.error, urllib.request
url, body, ca = sys.argv[1:4]
req = urllib.request.Request(url, data=body.encode(), method="POST", headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=10, context=ssl.create_default_context(cafile=ca)) as r:
        print(r.read().decode())
except urllib.error.HTTPError as e:
    sys.exit(f"fault proxy answered {e.code}: {e.read().decode().strip()}")
EOF
}

# Echo RATE as a JSON number if it is within [0, 1] (0, 0.25, .5, 1, 1.0), else fail.
pal__fault_rate_json() {
  local rate="${1:-}"
  if [[ ! "$rate" =~ ^(0(\.[0-9]*)?|1(\.0*)?|\.[0-9]+)$ ]]; then
    pal_die "fault rate must be a number within [0, 1], got '$rate'"; return 1
  fi
  rate="${rate%.}"
  if [[ "$rate" == .* ]]; then rate="0$rate"; fi
  echo "$rate"
}

pal_fault_rate() { # RATE (0..1): change the running proxy's fault rate
  local rate
  rate="$(pal__fault_rate_json "${1:-}")" || return 1
  if ! pal_fault_config "{\"rate\": $rate}" >/dev/null; then
    pal_die "could not set the fault rate via $PALISADE_PROXY_URL/__palisade/faults (is the proxy running?)"; return 1
  fi
  pal_log "fault proxy: fault rate $rate"
}

pal_start_proxy() {
  local pidf="$PALISADE_DIR/fault-proxy.pid" logf="$PALISADE_DIR/fault-proxy.log"
  local url="$PALISADE_PROXY_URL/__palisade/faults" rate
  local -a extra=()
  rate="$(pal__fault_rate_json "${PALISADE_FAULT_RATE:-0}")" || return 1
  pal_ensure_tls
  export PALISADE_PROXY_URL
  if pal__probe "$url" "$PALISADE_TLS_DIR/ca.pem"; then
    pal_log "fault proxy already running on $PALISADE_PROXY_URL"
    pal_fault_rate "$rate"; return
  fi
  if pal__port_busy "$PALISADE_PROXY_PORT"; then
    pal_die "port $PALISADE_PROXY_PORT is in use by something that is not the fault proxy (set PALISADE_PROXY_PORT)"; return 1
  fi
  [[ -x "$PALISADE_VENV/bin/python" ]] || pal_ensure_venv
  if [[ -n "${PALISADE_FAULT_SEED:-}" ]]; then extra+=(--seed "$PALISADE_FAULT_SEED"); fi
  if [[ -n "${PALISADE_FAULT_KINDS:-}" ]]; then extra+=(--kinds "$PALISADE_FAULT_KINDS"); fi
  if ! pal__probe "$PALISADE_MOTO_URL/moto-api/" "$PALISADE_TLS_DIR/ca.pem"; then
    pal_log "note: moto is not answering on $PALISADE_MOTO_URL yet; the proxy answers 502 until it does"
  fi
  pal_log "starting fault proxy on $PALISADE_PROXY_URL -> $PALISADE_MOTO_URL, fault rate $rate (log: ${logf#"$PALISADE_ROOT"/})"
  pal__spawn "$pidf" "$logf" "$PALISADE_VENV/bin/python" "$PALISADE_HARNESS_DIR/fault_proxy.py" \
    --listen-port "$PALISADE_PROXY_PORT" --upstream "$PALISADE_MOTO_URL" \
    --cert "$PALISADE_TLS_DIR/server.pem" --key "$PALISADE_TLS_DIR/server.key" --ca "$PALISADE_TLS_DIR/ca.pem" \
    --rate "$rate" --stats-file "$PALISADE_DIR/faults.json" "${extra[@]}" || return 1
  pal__wait_ready "fault proxy" "$url" "$PALISADE_TLS_DIR/ca.pem" "$pidf" "$logf" 20
  pal_log "fault proxy ready (counters: ${PALISADE_DIR#"$PALISADE_ROOT"/}/faults.json)"
}

# --- MiniStack --------------------------------------------------------------

pal_ministack_config() { # JSON body -> POST /_ministack/config
  local py="$PALISADE_VENV/bin/python"
  [[ -x "$py" ]] || py=python3
  "$py" - "$PALISADE_MINISTACK_URL/_ministack/config" "$1" <<'EOF'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    print(r.read().decode())
EOF
}

pal_start_ministack() {
  local pidf="$PALISADE_DIR/ministack.pid" logf="$PALISADE_DIR/ministack.log"
  local url="$PALISADE_MINISTACK_URL/_ministack/health" java_home
  if pal__probe "$url"; then
    pal_log "MiniStack already running on $PALISADE_MINISTACK_URL"
  else
    if pal__port_busy "$PALISADE_MINISTACK_PORT"; then
      pal_die "port $PALISADE_MINISTACK_PORT is in use (set PALISADE_MINISTACK_PORT)"; return 1
    fi
    [[ -x "$PALISADE_MS_VENV/bin/python" ]] || pal_ensure_venv
    java_home="$(pal_find_java21)" || return 1
    mkdir -p "$PALISADE_DIR/ministack-tmp"
    pal_log "starting MiniStack on $PALISADE_MINISTACK_URL (log: ${logf#"$PALISADE_ROOT"/}, Lambda JDK: $java_home)"
    # JAVA_HOME is inherited by Lambda bootstraps (provided.al2023), which use it if >= 21.
    # TMPDIR keeps MiniStack's pid file and extracted Lambda code inside $PALISADE_DIR.
    pal__spawn "$pidf" "$logf" "${pal__clean_env[@]}" JAVA_HOME="$java_home" \
      GATEWAY_PORT="$PALISADE_MINISTACK_PORT" BIND_HOST=127.0.0.1 MINISTACK_HOST=localhost \
      MINISTACK_REGION=us-east-1 SFN_WAIT_SCALE=0 IOT_MTLS_ENABLED=0 TMPDIR="$PALISADE_DIR/ministack-tmp" \
      PALISADE_LAMBDA_CREDENTIALS="$PALISADE_DIR/lambda-credentials.json" \
      "$PALISADE_MS_VENV/bin/python" "$PALISADE_HARNESS_DIR/ministack_server.py" || return 1
    pal__wait_ready MiniStack "$url" "" "$pidf" "$logf" 90
  fi
  pal_ministack_config '{"stepfunctions._SFN_WAIT_SCALE": "0"}' >/dev/null \
    || { pal_die "POST /_ministack/config failed"; return 1; }
  pal_log "MiniStack ready (Step Functions waits scaled to 0)"
}

# --- stop -------------------------------------------------------------------

pal__stop_one() { # name pidfile
  local name="$1" pidf="$2" pid i
  if ! pal__pid_alive "$pidf"; then
    rm -f "$pidf"; pal_log "$name not running"; return 0
  fi
  pid="$(cat "$pidf")"
  pal_log "stopping $name (pid $pid)"
  # Started with setsid: pid is the process-group leader; this also ends its
  # children (MiniStack's warm Lambda JVMs).
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf"
}

pal_stop() {
  pal__stop_one "fault proxy" "$PALISADE_DIR/fault-proxy.pid"
  pal__stop_one moto "$PALISADE_DIR/moto.pid"
  pal__stop_one MiniStack "$PALISADE_DIR/ministack.pid"
}

# --- env file ---------------------------------------------------------------

# $PALISADE_DIR/local.env: `source .palisade/local.env && aws organizations list-accounts` hits moto.
pal_write_local_env() {
  pal_ensure_tls
  cat >"$PALISADE_DIR/local.env" <<EOF
# Generated by scripts/emulators.sh - points AWS SDKs/CLI at the local moto server.
export AWS_ENDPOINT_URL="$PALISADE_MOTO_URL"
export AWS_CA_BUNDLE="$PALISADE_TLS_DIR/ca.pem"
export AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN
export PALISADE_MINISTACK_URL="$PALISADE_MINISTACK_URL"
export PATH="$PALISADE_VENV/bin:\$PATH"
EOF
  pal_log "wrote ${PALISADE_DIR#"$PALISADE_ROOT"/}/local.env"
}
