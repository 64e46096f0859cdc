#!/usr/bin/env bash
# scripts/daemon.sh - a throwaway Docker daemon and two local registries for berth's tests.
#
#   bash scripts/daemon.sh start              dockerd + registries + test image; prints `export ...` lines
#   bash scripts/daemon.sh stop               stop everything, unmount, remove the directory
#   bash scripts/daemon.sh status             show what is up (exit 0 only if all of it is)
#   bash scripts/daemon.sh env                print the `export ...` lines for the tests
#   bash scripts/daemon.sh restart-daemon     SIGTERM dockerd only, start it again on the same socket
#   bash scripts/daemon.sh kill-daemon        SIGKILL dockerd (fault tests); containers/registries stay
#   bash scripts/daemon.sh start-daemon-only  start dockerd only (after kill-daemon); no registries/image
#   bash scripts/daemon.sh verify             run a container, push/pull through both registries
#   bash scripts/daemon.sh start-tls          a second dockerd with a --tlsverify TCP listener (TLS tests)
#   bash scripts/daemon.sh stop-tls           stop it and remove its directory
#   bash scripts/daemon.sh env-tls            print its `export ...` lines
#
# Everything lives in ${BERTH_DAEMON_DIR:-/tmp/berth-daemon}. Progress goes to stderr; stdout of
# `start` and `env` carries only the export lines, so `eval "$(bash scripts/daemon.sh start)"` works.
#
# Sourcing this file defines `ensure_daemon` (and runs nothing): see the comment on it below.

# ----------------------------------------------------------------------------------------------
# configuration

_BD_SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

_bd_config() {
  BD_DIR="${BERTH_DAEMON_DIR:-/tmp/berth-daemon}"
  case "$BD_DIR" in /*) ;; *) BD_DIR="$PWD/$BD_DIR" ;; esac
  BD_DIR="${BD_DIR%/}"
  BD_SOCK="$BD_DIR/docker.sock"
  BD_HOST="unix://$BD_SOCK"
  BD_PIDFILE="$BD_DIR/docker.pid"
  BD_LOG="$BD_DIR/dockerd.log"
  # the ports a running directory was started with are remembered there, so that env/status/
  # restart-daemon need only BERTH_DAEMON_DIR; the variables win when set
  local saved_reg="" saved_auth=""
  [ -f "$BD_DIR/registry-ports" ] && read -r saved_reg saved_auth <"$BD_DIR/registry-ports" || true
  BD_REG_PORT="${BERTH_REGISTRY_PORT:-${saved_reg:-5055}}"
  BD_AUTH_REG_PORT="${BERTH_AUTH_REGISTRY_PORT:-${saved_auth:-5056}}"
  BD_REG="127.0.0.1:$BD_REG_PORT"
  BD_AUTH_REG="127.0.0.1:$BD_AUTH_REG_PORT"
  BD_IMAGE_REPO="berth-test/busybox"
  BD_IMAGE="$BD_IMAGE_REPO:latest"
  BD_REG_USER="berth"
  BD_REG_PASSWORD="berth-secret-pw"
  # bcrypt (cost 5, the registry accepts only bcrypt) of "berth-secret-pw"; made once with
  # python3 -c 'import crypt; print(crypt.crypt("berth-secret-pw", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32)))'
  # so that no htpasswd/bcrypt tool is needed. A low cost keeps each authenticated request cheap.
  BD_REG_HTPASSWD_ENTRY='berth:$2b$05$3JaxtJR26b8YVk.0XZ0fKOcP30So1pRv4tXmioPsTQv.IQOSe7VQ2'
  BD_API="v1.41"
  BD_LOCK="$BD_DIR.daemon-sh.lock" # beside the directory, which stop removes
  BD_EXTRA_ARGS=()
}

# The TLS daemon (start-tls): a dockerd of its own in ${BERTH_TLS_DAEMON_DIR:-/tmp/berth-daemon-tls},
# with its unix socket (for setup) and a --tlsverify TCP listener on 127.0.0.1:${BERTH_TLS_PORT:-2396}.
# A second listener on 127.0.0.2, same port and certificate, is a daemon "whose certificate lacks the
# dialled name" (the certificate names only IP:127.0.0.1 and DNS:localhost). No registries.
_bd_tls_config() {
  BERTH_DAEMON_DIR="${BERTH_TLS_DAEMON_DIR:-/tmp/berth-daemon-tls}"
  _bd_config
  BD_TLS_CERTS="$BD_DIR/certs"
  local saved=""
  [ -f "$BD_DIR/tls-port" ] && read -r saved <"$BD_DIR/tls-port" || true
  BD_TLS_PORT="${BERTH_TLS_PORT:-${saved:-2396}}"
  BD_TLS_HOST="tcp://127.0.0.1:$BD_TLS_PORT"
  BD_TLS_MISMATCH_HOST="tcp://127.0.0.2:$BD_TLS_PORT"
  BD_EXTRA_ARGS=(
    --tlsverify
    --tlscacert "$BD_TLS_CERTS/ca.pem"
    --tlscert "$BD_TLS_CERTS/server-cert.pem"
    --tlskey "$BD_TLS_CERTS/server-key.pem"
    --host "tcp://127.0.0.1:$BD_TLS_PORT"
    --host "tcp://127.0.0.2:$BD_TLS_PORT"
  )
}

_bd_msg() { printf '[daemon.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
_bd_die() { printf '[daemon.sh] ERROR: %s\n' "$*" >&2; exit 1; }
_bd_now() { date +%s.%N; }
_bd_since() { awk -v a="$1" -v b="$(_bd_now)" 'BEGIN { printf "%.1f", b - a }'; }

# ----------------------------------------------------------------------------------------------
# packages

_bd_missing_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v pgrep >/dev/null 2>&1 || missing+=(procps)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  # the image needs the *static* busybox; the dynamic `busybox` package also owns /bin/busybox
  if [ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" != "install ok installed" ]; then
    missing+=(busybox-static)
  fi
  printf '%s\n' "${missing[@]}"
}

_bd_install_packages() {
  local missing
  missing="$(_bd_missing_packages | tr '\n' ' ')"
  missing="${missing% }"
  [ -z "${missing// /}" ] && return 0
  _bd_msg "installing missing packages: $missing"
  [ "$(id -u)" = 0 ] || _bd_die "packages missing ($missing) and not root: install them by hand"
  command -v apt-get >/dev/null 2>&1 || _bd_die "packages missing ($missing) and no apt-get"
  # keep package scripts from starting system services (a system dockerd/containerd/registry)
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  local rc=0 t0
  t0="$(_bd_now)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || rc=$?
  if [ "$rc" = 0 ]; then
    # shellcheck disable=SC2086
    apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      $missing </dev/null >&2 || rc=$?
  fi
  [ "$made_policy" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || _bd_die "apt-get failed (exit $rc) installing: $missing"
  missing="$(_bd_missing_packages | tr '\n' ' ')"
  [ -z "${missing// /}" ] || _bd_die "still missing after apt-get install: $missing"
  _bd_msg "packages installed in $(_bd_since "$t0")s"
}

# ----------------------------------------------------------------------------------------------
# helpers

# _bd_ping HOST -> 0 if GET /_ping answers OK. HOST: unix:///path, tcp://h:p, http://h:p
_bd_ping() {
  local host="$1" out
  case "$host" in
    unix://*) out="$(curl -sf --max-time 3 --unix-socket "${host#unix://}" http://localhost/_ping 2>/dev/null)" ;;
    tcp://*) out="$(curl -sf --max-time 3 "http://${host#tcp://}/_ping" 2>/dev/null)" ;;
    http://* | https://*) out="$(curl -sf --max-time 3 "${host%/}/_ping" 2>/dev/null)" ;;
    *) return 1 ;;
  esac
  [ "$out" = "OK" ]
}

# _bd_api [curl args...] PATH  (PATH without the version prefix, e.g. /containers/json)
_bd_api() {
  local path="${*: -1}"
  curl -sS --max-time 300 --unix-socket "$BD_SOCK" "${@:1:$#-1}" "http://localhost/$BD_API$path"
}

# HTTP status of an API call (body discarded)
_bd_api_status() {
  local path="${*: -1}"
  curl -s -o /dev/null -w '%{http_code}' --max-time 60 --unix-socket "$BD_SOCK" "${@:1:$#-1}" \
    "http://localhost/$BD_API$path"
}

_bd_http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" 2>/dev/null; }

_bd_regex_escape() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

# pids of processes whose command line mentions $BD_DIR/ (dockerd, containerd, shims, registries)
_bd_dir_pids() {
  local pat p
  pat="$(_bd_regex_escape "$BD_DIR/")"
  for p in $(pgrep -f -- "$pat" 2>/dev/null); do
    [ "$p" = "$$" ] || [ "$p" = "${BASHPID:-}" ] && continue
    [ -d "/proc/$p" ] && echo "$p"
  done
}

# _bd_spawn LOG CMD... : start CMD in the background in its own session, detached from our
# stdin/stdout and from every other fd we hold (the lock on fd 9, a caller's pipes), so that
# nothing waits on it or keeps a lock. Sets $! to its pid (setsid does not fork here: a
# background job of a non-interactive shell is not a process group leader).
_bd_spawn() {
  local log="$1"
  shift
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
    done
    exec setsid "$@" </dev/null >>"$log" 2>&1
  ) &
}

_bd_comm() { cat "/proc/$1/comm" 2>/dev/null; }

# running and not a zombie (PID 1 here may be slow to reap the orphans of a killed daemon)
_bd_alive() {
  local st
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

_bd_describe_pids() {
  local p
  for p in "$@"; do
    printf '  %s %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-200)" >&2
  done
}

# _bd_pids_by_comm NAME... -> pids among _bd_dir_pids whose comm is one of NAMEs
_bd_pids_by_comm() {
  local p c n
  for p in $(_bd_dir_pids); do
    c="$(_bd_comm "$p")"
    for n in "$@"; do
      if [ "$c" = "$n" ]; then echo "$p"; break; fi
    done
  done
}

# comm names (15 chars max) of the processes a daemon of ours may leave
_BD_CONTAINERD_COMMS=(containerd containerd-shim containerd-shim-runc-v2 containerd-shim-runc-v1 runc docker-proxy docker-init)

_bd_dockerd_pid() {
  local p
  if [ -f "$BD_PIDFILE" ]; then
    p="$(cat "$BD_PIDFILE" 2>/dev/null)"
    if [ -n "$p" ] && [ "$(_bd_comm "$p")" = "dockerd" ] && _bd_alive "$p"; then echo "$p"; return 0; fi
  fi
  local q
  for q in $(_bd_pids_by_comm dockerd); do
    _bd_alive "$q" && { echo "$q"; return 0; }
  done
  return 0
}

# _bd_kill_wait SECONDS PID... : SIGTERM, wait, then SIGKILL; returns when all are gone
_bd_kill_wait() {
  local secs="$1" p i alive
  shift
  [ "$#" -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    alive=0
    for p in "$@"; do _bd_alive "$p" && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  _bd_msg "still alive after ${secs}s, sending SIGKILL: $*"
  kill -KILL "$@" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive=0
    for p in "$@"; do _bd_alive "$p" && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

# mount points at or under $BD_DIR, deepest first
_bd_mounts() {
  awk -v d="$BD_DIR" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print m }' \
    /proc/self/mountinfo | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- | uniq
}

_bd_unmount_all() {
  local m i
  for ((i = 0; i < 3; i++)); do
    [ -z "$(_bd_mounts)" ] && return 0
    while IFS= read -r m; do
      [ -n "$m" ] || continue
      umount "$m" 2>/dev/null || umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done < <(_bd_mounts)
  done
  if [ -n "$(_bd_mounts)" ]; then
    _bd_msg "mounts left under $BD_DIR:"
    _bd_mounts >&2
    return 1
  fi
}

# Kill containers that survived their daemon (after a SIGKILL): runc state lives under the exec root.
_bd_kill_orphan_containers() {
  command -v runc >/dev/null 2>&1 || return 0
  local root id
  for root in "$BD_DIR"/exec/runtime-runc/*; do
    [ -d "$root" ] || continue
    for id in $(runc --root "$root" list -q 2>/dev/null); do
      _bd_msg "removing leftover container $id (runc root $root)"
      runc --root "$root" delete --force "$id" >/dev/null 2>&1 || true
    done
  done
}

# ----------------------------------------------------------------------------------------------
# dockerd

_bd_start_dockerd() {
  mkdir -p "$BD_DIR"
  local p
  p="$(_bd_dockerd_pid)"
  if [ -n "$p" ]; then
    _bd_msg "a dockerd for $BD_DIR exists (pid $p) but does not answer; stopping it"
    _bd_stop_dockerd
  fi
  # containerd/shims of a daemon that was SIGKILLed (e.g. the session that started it ended)
  local stale
  stale="$(_bd_pids_by_comm "${_BD_CONTAINERD_COMMS[@]}" | tr '\n' ' ')"
  if [ -n "${stale// /}" ]; then
    _bd_msg "stopping leftover processes of an earlier daemon: $stale"
    # shellcheck disable=SC2086
    _bd_kill_wait 5 $stale || true
  fi
  _bd_kill_orphan_containers
  rm -f "$BD_PIDFILE" "$BD_SOCK"
  # dockerd reuses the containerd named in this pidfile while that pid "exists" - a zombie does
  local cpid
  cpid="$(cat "$BD_DIR/exec/containerd/containerd.pid" 2>/dev/null || true)"
  if [ -n "$cpid" ] && ! { [ "$(_bd_comm "$cpid")" = containerd ] && _bd_alive "$cpid"; }; then
    rm -f "$BD_DIR/exec/containerd/containerd.pid"
  fi
  echo "{}" >"$BD_DIR/daemon.json" # ours: /etc/docker/daemon.json is not read
  echo "$BD_REG_PORT $BD_AUTH_REG_PORT" >"$BD_DIR/registry-ports"

  local args=(
    --host "$BD_HOST"
    --config-file "$BD_DIR/daemon.json"
    --data-root "$BD_DIR/root"
    --exec-root "$BD_DIR/exec"
    --pidfile "$BD_PIDFILE"
    --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs
    --insecure-registry "$BD_REG" --insecure-registry "$BD_AUTH_REG"
    --shutdown-timeout 10
  )
  # listeners and flags of a variant daemon (start-tls); empty for the ordinary one
  args+=("${BD_EXTRA_ARGS[@]}")
  # dockerd starts (and supervises) its own containerd under --exec-root unless a system
  # containerd socket exists; then it would share that one, so give it a namespace of its own.
  if [ -S /run/containerd/containerd.sock ]; then
    local ns
    ns="berth-$(printf '%s' "$BD_DIR" | cksum | cut -d' ' -f1)"
    _bd_msg "note: system containerd found at /run/containerd/containerd.sock; dockerd will use it (namespace $ns)"
    args+=(--containerd-namespace "$ns" --containerd-plugins-namespace "$ns-plugins")
  fi

  printf '\n===== %s dockerd %s\n' "$(date -u +%FT%TZ)" "${args[*]}" >>"$BD_LOG"
  local t0 pid
  t0="$(_bd_now)"
  _bd_spawn "$BD_LOG" dockerd "${args[@]}"
  pid=$!
  _bd_msg "dockerd started (pid $pid), waiting for $BD_HOST/_ping (log: $BD_LOG)"
  local deadline=$((SECONDS + ${BERTH_DAEMON_START_TIMEOUT:-60}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if _bd_ping "$BD_HOST"; then
      _bd_msg "dockerd answers /_ping after $(_bd_since "$t0")s"
      return 0
    fi
    if ! _bd_alive "$pid"; then
      wait "$pid" 2>/dev/null
      _bd_msg "dockerd exited during startup; last lines of $BD_LOG:"
      tail -n 40 "$BD_LOG" >&2
      return 1
    fi
    sleep 0.1
  done
  _bd_msg "dockerd did not answer /_ping within ${BERTH_DAEMON_START_TIMEOUT:-60}s; last lines of $BD_LOG:"
  tail -n 40 "$BD_LOG" >&2
  _bd_kill_wait 5 "$pid" || true
  return 1
}

# SIGTERM dockerd, wait up to 20 s, then SIGKILL; then make sure its containerd went too.
_bd_stop_dockerd() {
  local p t0
  p="$(_bd_dockerd_pid)"
  if [ -n "$p" ]; then
    t0="$(_bd_now)"
    _bd_msg "stopping dockerd (pid $p)"
    _bd_kill_wait 20 "$p" || _bd_die "could not stop dockerd pid $p"
    _bd_msg "dockerd stopped in $(_bd_since "$t0")s"
  fi
  # the managed containerd exits with dockerd on SIGTERM; after SIGKILL it (and shims) may remain
  local rest
  rest="$(_bd_pids_by_comm "${_BD_CONTAINERD_COMMS[@]}" | tr '\n' ' ')"
  if [ -n "${rest// /}" ]; then
    _bd_msg "stopping containerd/shims left behind: $rest"
    # shellcheck disable=SC2086
    _bd_kill_wait 10 $rest || true
  fi
  _bd_kill_orphan_containers
  rm -f "$BD_PIDFILE"
}

# ----------------------------------------------------------------------------------------------
# registries

_bd_write_registry_config() { # NAME PORT AUTH(0|1)
  local name="$1" port="$2" auth="$3" cfg="$BD_DIR/$1.yml"
  mkdir -p "$BD_DIR/registry/$name"
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "  accesslog:"
    echo "    disabled: false"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $BD_DIR/registry/$name"
    echo "  delete:"
    echo "    enabled: true"
    echo "  cache:"
    echo "    blobdescriptor: inmemory"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    echo "  secret: berth-throwaway-registry-secret"
    if [ "$auth" = 1 ]; then
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: berth-test-registry"
      echo "    path: $BD_DIR/htpasswd"
    fi
  } >"$cfg"
  [ "$auth" = 1 ] && printf '%s\n' "$BD_REG_HTPASSWD_ENTRY" >"$BD_DIR/htpasswd"
  return 0
}

_bd_registry_pids() { # NAME
  pgrep -f -- "docker-registry serve $(_bd_regex_escape "$BD_DIR/$1.yml")" 2>/dev/null || true
}

_bd_registry_up() { # NAME PORT AUTH
  local want=200
  [ "$3" = 1 ] && want=401
  [ "$(_bd_http_status "http://127.0.0.1:$2/v2/")" = "$want" ] || return 1
  if [ "$3" = 1 ]; then
    [ "$(_bd_http_status -u "$BD_REG_USER:$BD_REG_PASSWORD" "http://127.0.0.1:$2/v2/")" = 200 ] || return 1
  fi
  [ -n "$(_bd_registry_pids "$1")" ]
}

_bd_start_registry() { # NAME PORT AUTH
  local name="$1" port="$2" auth="$3" log="$BD_DIR/$1.log" pid t0
  if _bd_registry_up "$name" "$port" "$auth"; then
    _bd_msg "registry $name already up on 127.0.0.1:$port"
    return 0
  fi
  local old
  old="$(_bd_registry_pids "$name" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  [ -n "${old// /}" ] && _bd_kill_wait 5 $old
  if [ "$(_bd_http_status "http://127.0.0.1:$port/")" != 000 ]; then
    _bd_die "port 127.0.0.1:$port is already in use by something else (set BERTH_REGISTRY_PORT / BERTH_AUTH_REGISTRY_PORT)"
  fi
  _bd_write_registry_config "$name" "$port" "$auth"
  t0="$(_bd_now)"
  printf '\n===== %s docker-registry serve %s\n' "$(date -u +%FT%TZ)" "$BD_DIR/$name.yml" >>"$log"
  _bd_spawn "$log" docker-registry serve "$BD_DIR/$name.yml"
  pid=$!
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if _bd_registry_up "$name" "$port" "$auth"; then
      _bd_msg "registry $name up on 127.0.0.1:$port (pid $pid, auth=$auth) after $(_bd_since "$t0")s"
      return 0
    fi
    if ! _bd_alive "$pid"; then
      _bd_msg "registry $name exited; last lines of $log:"
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  _bd_msg "registry $name did not come up within 30s; last lines of $log:"
  tail -n 20 "$log" >&2
  _bd_kill_wait 5 "$pid" || true
  return 1
}

_bd_start_registries() {
  mkdir -p "$BD_DIR"
  echo "$BD_REG_PORT $BD_AUTH_REG_PORT" >"$BD_DIR/registry-ports"
  _bd_start_registry registry "$BD_REG_PORT" 0 || _bd_die "the open registry did not start"
  _bd_start_registry registry-auth "$BD_AUTH_REG_PORT" 1 || _bd_die "the auth registry did not start"
}

_bd_stop_registries() {
  local pids
  pids="$( (_bd_registry_pids registry; _bd_registry_pids registry-auth) | tr '\n' ' ')"
  if [ -n "${pids// /}" ]; then
    _bd_msg "stopping registries: $pids"
    # shellcheck disable=SC2086
    _bd_kill_wait 10 $pids || true
  fi
}

# ----------------------------------------------------------------------------------------------
# the offline test image

_bd_image_exists() { [ "$(_bd_api_status "/images/$BD_IMAGE/json")" = 200 ]; }

_bd_import_image() {
  if _bd_image_exists; then
    _bd_msg "image $BD_IMAGE already present"
    return 0
  fi
  local t0 b="$BD_DIR/image-build" a out
  t0="$(_bd_now)"
  rm -rf "$b"
  mkdir -p "$b/rootfs/bin" "$b/rootfs/etc" "$b/rootfs/tmp" "$b/rootfs/root"
  cp /bin/busybox "$b/rootfs/bin/busybox"
  chmod 755 "$b/rootfs/bin/busybox"
  ldd "$b/rootfs/bin/busybox" >/dev/null 2>&1 && _bd_die "/bin/busybox is not static (install busybox-static)"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$b/rootfs/bin/$a"
  done
  chmod 1777 "$b/rootfs/tmp"
  chmod 700 "$b/rootfs/root"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$b/rootfs/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$b/rootfs/etc/group"
  tar --sort=name --mtime='2000-01-01 00:00:00Z' --numeric-owner --owner=0 --group=0 \
    -C "$b/rootfs" -cf "$b/rootfs.tar" bin etc root tmp
  # CMD ["sh"] like the real busybox image, so containers created without Cmd still run
  out="$(_bd_api -X POST -H 'Content-Type: application/x-tar' --data-binary "@$b/rootfs.tar" \
    "/images/create?fromSrc=-&repo=$BD_IMAGE_REPO&tag=latest&message=berth-test-image&changes=CMD%20%5B%22sh%22%5D")" ||
    _bd_die "image import request failed: $out"
  if printf '%s' "$out" | grep -q '"error'; then _bd_die "image import failed: $out"; fi
  _bd_image_exists || _bd_die "image import returned but $BD_IMAGE is not there: $out"
  rm -rf "$b"
  _bd_msg "imported $BD_IMAGE ($(printf '%s' "$out" | grep -o 'sha256:[0-9a-f]\{12\}' | head -n1)) in $(_bd_since "$t0")s"
}

# _bd_run_container CMD_JSON EXPECTED_OUTPUT : create (no network), start, wait, logs, remove
_bd_run_container() {
  local cmd="$1" expect="$2" out id status logs t0
  t0="$(_bd_now)"
  out="$(_bd_api -X POST -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$BD_IMAGE\",\"Cmd\":$cmd,\"NetworkDisabled\":true,\"HostConfig\":{\"NetworkMode\":\"none\"}}" \
    "/containers/create")" || _bd_die "container create failed: $out"
  id="$(printf '%s' "$out" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4)"
  [ -n "$id" ] || _bd_die "container create failed: $out"
  status="$(_bd_api_status -X POST "/containers/$id/start")"
  if [ "$status" != 204 ]; then
    out="$(_bd_api -X POST "/containers/$id/start")"
    _bd_api -X DELETE "/containers/$id?force=1" >/dev/null 2>&1
    _bd_die "container start failed (HTTP $status): $out"
  fi
  out="$(_bd_api -X POST "/containers/$id/wait")"
  logs="$(_bd_api "/containers/$id/logs?stdout=1&stderr=1" | tr -d '\000-\010')"
  _bd_api -X DELETE "/containers/$id?force=1" >/dev/null 2>&1
  printf '%s' "$out" | grep -q '"StatusCode":0' || _bd_die "container exited badly: $out (logs: $logs)"
  printf '%s' "$logs" | grep -q "$expect" || _bd_die "container logs lack '$expect': $logs"
  [ "$(_bd_api_status "/containers/$id/json")" = 404 ] || _bd_die "container $id was not removed"
  _bd_msg "container ran ($cmd -> $(printf '%s' "$logs" | tr '\n' ' ')) and was removed in $(_bd_since "$t0")s"
}

# ----------------------------------------------------------------------------------------------
# subcommands

_bd_print_env() {
  local k
  for k in \
    "BERTH_TEST_DOCKER_HOST=$BD_HOST" \
    "BERTH_TEST_IMAGE=$BD_IMAGE" \
    "BERTH_TEST_REGISTRY=$BD_REG" \
    "BERTH_TEST_AUTH_REGISTRY=$BD_AUTH_REG" \
    "BERTH_TEST_REGISTRY_USER=$BD_REG_USER" \
    "BERTH_TEST_REGISTRY_PASSWORD=$BD_REG_PASSWORD" \
    "BERTH_DAEMON_DIR=$BD_DIR"; do
    printf 'export %s=%q\n' "${k%%=*}" "${k#*=}"
  done
}

_bd_lock() {
  mkdir -p "$(dirname "$BD_LOCK")"
  exec 9>"$BD_LOCK"
  flock -w 300 9 || _bd_die "could not get the lock $BD_LOCK within 300s"
}

_bd_check_dir() {
  # unix socket paths are limited to 108 bytes; containerd's lives deepest
  local longest="$BD_DIR/exec/containerd/containerd-debug.sock"
  [ "${#longest}" -lt 100 ] || _bd_die "BERTH_DAEMON_DIR is too long for unix socket paths: $BD_DIR"
}

_bd_ensure_dockerd() {
  if _bd_ping "$BD_HOST"; then
    _bd_msg "dockerd already running at $BD_HOST"
    return 0
  fi
  _bd_install_packages
  if ! _bd_start_dockerd; then
    if [ -d "$BD_DIR/root" ] && [ "${BERTH_DAEMON_NO_WIPE:-}" != 1 ]; then
      _bd_msg "retrying once with a fresh data root and exec root (deleting the old ones)"
      _bd_stop_dockerd
      _bd_unmount_all || true
      rm -rf "$BD_DIR/root" "$BD_DIR/exec"
      _bd_start_dockerd || _bd_die "dockerd did not start (see $BD_LOG)"
    else
      _bd_die "dockerd did not start (see $BD_LOG)"
    fi
  fi
}

cmd_start() {
  local t0
  t0="$(_bd_now)"
  _bd_check_dir
  _bd_lock
  mkdir -p "$BD_DIR"
  echo "$BD_REG_PORT $BD_AUTH_REG_PORT" >"$BD_DIR/registry-ports"
  if _bd_ping "$BD_HOST" && _bd_registry_up registry "$BD_REG_PORT" 0 &&
    _bd_registry_up registry-auth "$BD_AUTH_REG_PORT" 1 && _bd_image_exists; then
    _bd_msg "already running: $BD_HOST, registries $BD_REG and $BD_AUTH_REG, image $BD_IMAGE"
    _bd_print_env
    return 0
  fi
  _bd_ensure_dockerd
  _bd_start_registries
  _bd_import_image
  _bd_run_container '["echo","ok"]' 'ok'
  _bd_msg "ready in $(_bd_since "$t0")s: $BD_HOST"
  _bd_print_env
}

cmd_start_daemon_only() {
  _bd_check_dir
  _bd_lock
  _bd_ensure_dockerd
}

cmd_restart_daemon() {
  _bd_lock
  local t0
  t0="$(_bd_now)"
  [ -n "$(_bd_dockerd_pid)" ] || _bd_msg "no dockerd running for $BD_DIR; starting one"
  _bd_stop_dockerd
  _bd_start_dockerd || _bd_die "dockerd did not come back (see $BD_LOG)"
  _bd_msg "dockerd restarted in $(_bd_since "$t0")s"
}

cmd_kill_daemon() {
  local p i
  p="$(_bd_dockerd_pid)"
  [ -n "$p" ] || _bd_die "no dockerd running for $BD_DIR"
  kill -KILL "$p"
  for ((i = 0; i < 100; i++)); do
    _bd_alive "$p" || break
    sleep 0.1
  done
  _bd_alive "$p" && _bd_die "dockerd pid $p survived SIGKILL"
  _bd_msg "dockerd (pid $p) killed with SIGKILL"
}

cmd_stop() {
  _bd_lock
  local t0 rest
  t0="$(_bd_now)"
  _bd_stop_registries
  _bd_stop_dockerd
  # anything else still naming the directory (registries started by hand, ...)
  rest="$(_bd_pids_by_comm dockerd docker-registry "${_BD_CONTAINERD_COMMS[@]}" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  [ -n "${rest// /}" ] && _bd_kill_wait 5 $rest
  _bd_unmount_all || _bd_die "could not unmount everything under $BD_DIR"
  rm -rf "$BD_DIR" || _bd_die "could not remove $BD_DIR"
  rest="$(_bd_pids_by_comm dockerd docker-registry "${_BD_CONTAINERD_COMMS[@]}" | tr '\n' ' ')"
  if [ -n "${rest// /}" ]; then
    # shellcheck disable=SC2086
    _bd_describe_pids $rest
    _bd_die "daemon processes still running after stop"
  fi
  rest="$(_bd_dir_pids | tr '\n' ' ')"
  if [ -n "${rest// /}" ]; then
    _bd_msg "warning: other processes still mention $BD_DIR/ (not ours to kill):"
    # shellcheck disable=SC2086
    _bd_describe_pids $rest
  fi
  rm -f "$BD_LOCK"
  _bd_msg "stopped and removed $BD_DIR in $(_bd_since "$t0")s"
}

cmd_status() {
  local ok=0 p
  p="$(_bd_dockerd_pid)"
  if _bd_ping "$BD_HOST"; then
    echo "dockerd:       up   (pid ${p:-?}, $BD_HOST, API $(curl -s --max-time 3 --unix-socket "$BD_SOCK" http://localhost/version | grep -o '"ApiVersion":"[^"]*"' | head -n1 | cut -d'"' -f4))"
  else
    echo "dockerd:       DOWN (${p:+pid $p exists, }$BD_HOST)"
    ok=1
  fi
  if _bd_registry_up registry "$BD_REG_PORT" 0; then echo "registry:      up   ($BD_REG)"; else echo "registry:      DOWN ($BD_REG)"; ok=1; fi
  if _bd_registry_up registry-auth "$BD_AUTH_REG_PORT" 1; then echo "auth registry: up   ($BD_AUTH_REG, user $BD_REG_USER)"; else echo "auth registry: DOWN ($BD_AUTH_REG)"; ok=1; fi
  if [ "$ok" = 0 ] || _bd_ping "$BD_HOST"; then
    if _bd_image_exists; then echo "image:         $BD_IMAGE present"; else echo "image:         $BD_IMAGE MISSING"; ok=1; fi
  fi
  return "$ok"
}

# base64url of a JSON auth object, as X-Registry-Auth wants it (dockerd decodes with URL encoding)
_bd_registry_auth_header() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_'; }

_bd_push_pull() { # REGISTRY AUTH_JSON
  local reg="$1" auth ref="$1/busybox" out t0
  auth="$(_bd_registry_auth_header "$2")"
  t0="$(_bd_now)"
  [ "$(_bd_api_status -X POST "/images/$BD_IMAGE/tag?repo=$ref&tag=latest")" = 201 ] || _bd_die "tag $ref failed"
  out="$(_bd_api -X POST -H "X-Registry-Auth: $auth" "/images/$ref/push?tag=latest")"
  if printf '%s' "$out" | grep -q '"error'; then _bd_die "push to $reg failed: $out"; fi
  # dockerd: an aux {"Digest":...} line; podman: only the status line "latest: digest: sha256:..."
  printf '%s' "$out" | grep -qE '"Digest"|digest: sha256:' || _bd_die "push to $reg gave no digest: $out"
  _bd_msg "pushed $ref:latest ($(printf '%s' "$out" | grep -o 'sha256:[0-9a-f]\{12\}' | tail -n1)) in $(_bd_since "$t0")s"
  [ "$(_bd_api_status -X DELETE "/images/$ref:latest")" = 200 ] || _bd_die "untag $ref failed"
  [ "$(_bd_api_status "/images/$ref:latest/json")" = 404 ] || _bd_die "$ref still present after delete"
  t0="$(_bd_now)"
  out="$(_bd_api -X POST -H "X-Registry-Auth: $auth" "/images/create?fromImage=$ref&tag=latest")"
  if printf '%s' "$out" | grep -q '"error'; then _bd_die "pull from $reg failed: $out"; fi
  [ "$(_bd_api_status "/images/$ref:latest/json")" = 200 ] || _bd_die "$ref missing after pull: $out"
  _bd_msg "pulled $ref:latest back in $(_bd_since "$t0")s"
  _bd_api -X DELETE "/images/$ref:latest" >/dev/null
}

cmd_verify() {
  _bd_ping "$BD_HOST" || _bd_die "no daemon at $BD_HOST (run: bash scripts/daemon.sh start)"
  _bd_image_exists || _bd_die "$BD_IMAGE missing"
  _bd_run_container '["sh","-c","echo ok; id -u; ls /bin | wc -l"]' 'ok'
  _bd_push_pull "$BD_REG" '{}'
  _bd_push_pull "$BD_AUTH_REG" "{\"username\":\"$BD_REG_USER\",\"password\":\"$BD_REG_PASSWORD\",\"serveraddress\":\"$BD_AUTH_REG\"}"
  # without credentials the auth registry must refuse
  local out
  [ "$(_bd_api_status -X POST "/images/$BD_IMAGE/tag?repo=$BD_AUTH_REG/busybox&tag=noauth")" = 201 ] || _bd_die "tag failed"
  out="$(_bd_api -X POST -H "X-Registry-Auth: e30=" "/images/$BD_AUTH_REG/busybox/push?tag=noauth")"
  _bd_api -X DELETE "/images/$BD_AUTH_REG/busybox:noauth" >/dev/null
  printf '%s' "$out" | grep -q '"error' || _bd_die "push without credentials to $BD_AUTH_REG did not fail: $out"
  _bd_msg "push without credentials to $BD_AUTH_REG refused as expected: $(printf '%s' "$out" | grep -o '"error":"[^"]*"' | head -n1)"
  _bd_msg "verify: all good"
}

# ----------------------------------------------------------------------------------------------
# the TLS daemon (start-tls / stop-tls / env-tls); see _bd_tls_config

# GET /_ping over TLS with the test client certificate
_bd_tls_ping() {
  local out
  out="$(curl -sf --max-time 3 --cacert "$BD_TLS_CERTS/ca.pem" --cert "$BD_TLS_CERTS/cert.pem" \
    --key "$BD_TLS_CERTS/key.pem" "https://127.0.0.1:$BD_TLS_PORT/_ping" 2>/dev/null)"
  [ "$out" = "OK" ]
}

_bd_print_tls_env() {
  local k
  for k in \
    "BERTH_TEST_TLS_DOCKER_HOST=$BD_TLS_HOST" \
    "BERTH_TEST_TLS_MISMATCH_HOST=$BD_TLS_MISMATCH_HOST" \
    "BERTH_TEST_TLS_CERTS=$BD_TLS_CERTS" \
    "BERTH_TEST_TLS_UNIX_HOST=$BD_HOST" \
    "BERTH_TLS_DAEMON_DIR=$BD_DIR"; do
    printf 'export %s=%q\n' "${k%%=*}" "${k#*=}"
  done
}

cmd_start_tls() {
  local t0
  t0="$(_bd_now)"
  _bd_check_dir
  _bd_lock
  mkdir -p "$BD_DIR"
  if _bd_ping "$BD_HOST" && [ -f "$BD_DIR/tls-port" ] && _bd_tls_ping && _bd_image_exists; then
    _bd_msg "TLS daemon already running: $BD_TLS_HOST (unix: $BD_HOST)"
    _bd_print_tls_env
    return 0
  fi
  if [ "$(_bd_http_status "http://127.0.0.1:$BD_TLS_PORT/")" != 000 ] && ! _bd_ping "$BD_HOST"; then
    _bd_die "port 127.0.0.1:$BD_TLS_PORT is already in use by something else (set BERTH_TLS_PORT)"
  fi
  bash "$(dirname "$_BD_SELF")/tls-certs.sh" "$BD_TLS_CERTS" || _bd_die "could not make the TLS material"
  echo "$BD_TLS_PORT" >"$BD_DIR/tls-port"
  _bd_ensure_dockerd
  local deadline=$((SECONDS + 30))
  until _bd_tls_ping; do
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$BD_LOG" >&2; _bd_die "no TLS answer on $BD_TLS_HOST"; }
    sleep 0.1
  done
  _bd_import_image
  _bd_msg "TLS daemon ready in $(_bd_since "$t0")s: $BD_TLS_HOST and $BD_TLS_MISMATCH_HOST (certs: $BD_TLS_CERTS)"
  _bd_print_tls_env
}

# ensure_tls_daemon: like ensure_daemon, for the TLS daemon. Exports the BERTH_TEST_TLS_*
# variables; BERTH_TLS_DAEMON_STARTED=1 only if this call started it (the caller then runs
# `bash scripts/daemon.sh stop-tls` when done).
ensure_tls_daemon() {
  BERTH_TLS_DAEMON_STARTED=0
  local out sock="${BERTH_TLS_DAEMON_DIR:-/tmp/berth-daemon-tls}"
  case "$sock" in /*) ;; *) sock="$PWD/$sock" ;; esac
  _bd_ping "unix://${sock%/}/docker.sock" || BERTH_TLS_DAEMON_STARTED=1
  out="$(bash "$_BD_SELF" start-tls)" || return 1
  eval "$out"
  export BERTH_TLS_DAEMON_STARTED
}

# ----------------------------------------------------------------------------------------------
# ensure_daemon: for scripts that source this file (test.sh, demo.sh).
#
#   . scripts/daemon.sh; ensure_daemon [--docker-host] || exit 1
#
# If BERTH_TEST_DOCKER_HOST is set and answers /_ping, it is used as is (the other BERTH_TEST_*
# variables keep their values, unset ones get the defaults). Otherwise the daemon in
# ${BERTH_DAEMON_DIR:-/tmp/berth-daemon} is used, started first if it is not up. Exports the
# BERTH_TEST_* variables; with `--docker-host` also DOCKER_HOST=$BERTH_TEST_DOCKER_HOST when
# DOCKER_HOST is unset or does not answer (for demo.sh; test.sh leaves DOCKER_HOST alone). Sets BERTH_DAEMON_STARTED=1 only if this call started the daemon, so that the caller
# knows to stop it (`bash scripts/daemon.sh stop`) when done, and 0 otherwise.
ensure_daemon() {
  BERTH_DAEMON_STARTED=0
  local out
  if [ -n "${BERTH_TEST_DOCKER_HOST:-}" ] && _bd_ping "$BERTH_TEST_DOCKER_HOST"; then
    export BERTH_TEST_IMAGE="${BERTH_TEST_IMAGE:-berth-test/busybox:latest}"
    export BERTH_TEST_REGISTRY="${BERTH_TEST_REGISTRY:-127.0.0.1:${BERTH_REGISTRY_PORT:-5055}}"
    export BERTH_TEST_AUTH_REGISTRY="${BERTH_TEST_AUTH_REGISTRY:-127.0.0.1:${BERTH_AUTH_REGISTRY_PORT:-5056}}"
    export BERTH_TEST_REGISTRY_USER="${BERTH_TEST_REGISTRY_USER:-berth}"
    export BERTH_TEST_REGISTRY_PASSWORD="${BERTH_TEST_REGISTRY_PASSWORD:-berth-secret-pw}"
    export BERTH_TEST_DOCKER_HOST
    printf '[daemon.sh] using BERTH_TEST_DOCKER_HOST=%s\n' "$BERTH_TEST_DOCKER_HOST" >&2
  else
    [ -n "${BERTH_TEST_DOCKER_HOST:-}" ] &&
      printf '[daemon.sh] BERTH_TEST_DOCKER_HOST=%s does not answer; using the throwaway daemon\n' "$BERTH_TEST_DOCKER_HOST" >&2
    local sock="${BERTH_DAEMON_DIR:-/tmp/berth-daemon}"
    case "$sock" in /*) ;; *) sock="$PWD/$sock" ;; esac
    sock="${sock%/}/docker.sock"
    # "Started here" (and so stopped at exit) only when no daemon of that directory is alive:
    # one that is restarting (a fault test) fails a single ping but belongs to someone else.
    if ! _bd_ping "unix://$sock"; then
      local pid
      pid="$(cat "${sock%/docker.sock}/docker.pid" 2>/dev/null || true)"
      if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then BERTH_DAEMON_STARTED=1; fi
    fi
    out="$(bash "$_BD_SELF" start)" || return 1
    eval "$out"
  fi
  if [ "${1:-}" = --docker-host ] && { [ -z "${DOCKER_HOST:-}" ] || ! _bd_ping "$DOCKER_HOST"; }; then
    export DOCKER_HOST="$BERTH_TEST_DOCKER_HOST"
  fi
  export BERTH_DAEMON_STARTED
}

# ----------------------------------------------------------------------------------------------

_bd_main() {
  set -euo pipefail
  _bd_config
  case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) _bd_print_env ;;
    restart-daemon) cmd_restart_daemon ;;
    kill-daemon) cmd_kill_daemon ;;
    start-daemon-only) cmd_start_daemon_only ;;
    verify) cmd_verify ;;
    start-tls) _bd_tls_config && cmd_start_tls ;;
    stop-tls) _bd_tls_config && cmd_stop ;;
    env-tls) _bd_tls_config && _bd_print_tls_env ;;
    *)
      sed -n '2,19p' "$_BD_SELF" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _bd_main "$@"
fi
