#!/usr/bin/env bash
# scripts/podman.sh - podman's Docker-compatible service and two local registries for berth's tests,
# the second daemon beside scripts/daemon.sh's dockerd (issue 15).
#
#   bash scripts/podman.sh start     podman service + registries + test image; prints `export ...` lines
#   bash scripts/podman.sh stop      stop everything, unmount, remove the directory
#   bash scripts/podman.sh status    show what is up (exit 0 only if all of it is)
#   bash scripts/podman.sh env       print the `export ...` lines for the tests
#   bash scripts/podman.sh verify    run a container, push/pull through both registries
#   bash scripts/podman.sh restart-daemon   SIGTERM the service only, start it again on the same socket
#
# Everything lives in ${BERTH_PODMAN_DIR:-/tmp/berth-podman}: containers.conf, storage.conf and
# registries.conf of its own (the machine's /etc/containers is not read), storage (vfs) under root/
# and run/, the service socket podman.sock. The registries listen on 127.0.0.1 at
# ${BERTH_PODMAN_REGISTRY_PORT:-5057} (open) and ${BERTH_PODMAN_AUTH_REGISTRY_PORT:-5058} (basic
# auth, the same credentials as daemon.sh's), both marked insecure in registries.conf.
#
# The registry, image and check-container steps are daemon.sh's own (sourced): the compatible API
# takes the same requests. Sourcing this file defines `ensure_podman` (and runs nothing).

_BP_SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/daemon.sh
. "$(dirname "$_BP_SELF")/daemon.sh"

_bp_config() {
  local dir="${BERTH_PODMAN_DIR:-/tmp/berth-podman}"
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  # daemon.sh's helpers read BERTH_DAEMON_DIR and the registry ports; point them at ours
  BERTH_DAEMON_DIR="${dir%/}" BERTH_REGISTRY_PORT="${BERTH_PODMAN_REGISTRY_PORT:-}" \
    BERTH_AUTH_REGISTRY_PORT="${BERTH_PODMAN_AUTH_REGISTRY_PORT:-}" _bd_config
  # _bd_config falls back to dockerd's default ports; podman's are two above
  [ -n "${BERTH_PODMAN_REGISTRY_PORT:-}" ] || [ -f "$BD_DIR/registry-ports" ] || BD_REG_PORT=5057
  [ -n "${BERTH_PODMAN_AUTH_REGISTRY_PORT:-}" ] || [ -f "$BD_DIR/registry-ports" ] || BD_AUTH_REG_PORT=5058
  BD_REG="127.0.0.1:$BD_REG_PORT"
  BD_AUTH_REG="127.0.0.1:$BD_AUTH_REG_PORT"
  BD_SOCK="$BD_DIR/podman.sock"
  BD_HOST="unix://$BD_SOCK"
  BD_PIDFILE="$BD_DIR/podman.pid"
  BD_LOG="$BD_DIR/podman.log"
  BD_LOCK="$BD_DIR.podman-sh.lock"
  BP_CONF="$BD_DIR/containers.conf"
  BP_STORAGE_CONF="$BD_DIR/storage.conf"
  BP_REGISTRIES_CONF="$BD_DIR/registries.conf"
  # podman with this directory's configuration and storage (the flags repeat storage.conf: the
  # command line wins over any other storage.conf podman might find)
  BP_CMD=(
    env CONTAINERS_CONF="$BP_CONF" CONTAINERS_STORAGE_CONF="$BP_STORAGE_CONF"
    CONTAINERS_REGISTRIES_CONF="$BP_REGISTRIES_CONF" REGISTRY_AUTH_FILE="$BD_DIR/auth.json"
    podman --root "$BD_DIR/root" --runroot "$BD_DIR/run" --storage-driver vfs --tmpdir "$BD_DIR/tmp"
    --cgroup-manager cgroupfs --events-backend file
  )
}

_bp_msg() { printf '[podman.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

_bp_install_packages() {
  _bd_install_packages # dockerd's list: the registries, curl, the static busybox
  command -v podman >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || _bd_die "podman missing and not root: install it by hand"
  _bp_msg "installing podman"
  local t0
  t0="$(_bd_now)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    podman crun conmon containernetworking-plugins </dev/null >&2 ||
    { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends podman crun conmon containernetworking-plugins </dev/null >&2; } ||
    _bd_die "apt-get failed installing podman"
  command -v podman >/dev/null 2>&1 || _bd_die "podman still missing after apt-get install"
  _bp_msg "podman installed in $(_bd_since "$t0")s"
}

# the configuration files of this directory; podman reads them through CONTAINERS_* variables
_bp_write_config() {
  mkdir -p "$BD_DIR/root" "$BD_DIR/run" "$BD_DIR/tmp" "$BD_DIR/cni"
  # default_ulimits: podman 4.3 asks the runtime for its own (unlimited) nofile/nproc, which the
  # OCI runtime cannot set here ("error setting rlimit type 7"). events go to a file: no journald.
  cat >"$BP_CONF" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
log_driver = "k8s-file"
netns = "none"

[engine]
events_logger = "file"
events_logfile_path = "$BD_DIR/events.log"
cgroup_manager = "cgroupfs"
# crun 1.8 refuses this machine's hybrid cgroup layout; runc (installed for dockerd) runs them
runtime = "runc"
tmp_dir = "$BD_DIR/tmp"
static_dir = "$BD_DIR/root/libpod"
volume_path = "$BD_DIR/root/volumes"
num_locks = 2048

[network]
network_backend = "cni"
network_config_dir = "$BD_DIR/cni"
EOF
  cat >"$BP_STORAGE_CONF" <<EOF
[storage]
driver = "vfs"
graphroot = "$BD_DIR/root"
runroot = "$BD_DIR/run"
EOF
  cat >"$BP_REGISTRIES_CONF" <<EOF
unqualified-search-registries = []

[[registry]]
location = "$BD_REG"
insecure = true

[[registry]]
location = "$BD_AUTH_REG"
insecure = true
EOF
}

_bp_podman() { "${BP_CMD[@]}" "$@"; }

_bp_service_pid() {
  local p
  p="$(cat "$BD_PIDFILE" 2>/dev/null || true)"
  if [ -n "$p" ] && [ "$(_bd_comm "$p")" = podman ] && _bd_alive "$p"; then echo "$p"; fi
}

_bp_start_service() {
  local p t0 pid
  p="$(_bp_service_pid)"
  [ -n "$p" ] && { _bp_msg "a podman service for $BD_DIR exists (pid $p) but does not answer; stopping it"; _bp_stop_service; }
  _bp_write_config
  rm -f "$BD_SOCK"
  echo "$BD_REG_PORT $BD_AUTH_REG_PORT" >"$BD_DIR/registry-ports"
  printf '\n===== %s podman system service --time=0 %s\n' "$(date -u +%FT%TZ)" "$BD_HOST" >>"$BD_LOG"
  t0="$(_bd_now)"
  _bd_spawn "$BD_LOG" "${BP_CMD[@]}" system service --time=0 "$BD_HOST"
  pid=$!
  echo "$pid" >"$BD_PIDFILE"
  _bp_msg "podman service started (pid $pid), waiting for $BD_HOST/_ping (log: $BD_LOG)"
  local deadline=$((SECONDS + ${BERTH_DAEMON_START_TIMEOUT:-60}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if _bd_ping "$BD_HOST"; then
      _bp_msg "podman answers /_ping after $(_bd_since "$t0")s"
      return 0
    fi
    if ! _bd_alive "$pid"; then
      _bp_msg "podman exited during startup; last lines of $BD_LOG:"
      tail -n 40 "$BD_LOG" >&2
      return 1
    fi
    sleep 0.1
  done
  _bp_msg "podman did not answer /_ping in time; last lines of $BD_LOG:"
  tail -n 40 "$BD_LOG" >&2
  _bd_kill_wait 5 "$pid" || true
  return 1
}

# containers first (conmon keeps them after the service goes), then the service
_bp_stop_service() {
  local p rest
  if [ -d "$BD_DIR/root" ]; then
    _bp_podman rm --all --force --time 1 >/dev/null 2>&1 || true
  fi
  p="$(_bp_service_pid)"
  if [ -n "$p" ]; then
    _bp_msg "stopping the podman service (pid $p)"
    _bd_kill_wait 20 "$p" || _bd_die "could not stop podman pid $p"
  fi
  rest="$(_bd_pids_by_comm podman conmon crun runc catatonit | tr '\n' ' ')"
  # shellcheck disable=SC2086
  [ -n "${rest// /}" ] && _bd_kill_wait 5 $rest
  rm -f "$BD_PIDFILE"
}

_bp_print_env() {
  _bd_print_env | sed "s/^export BERTH_DAEMON_DIR=/export BERTH_PODMAN_DIR=/"
  printf 'export BERTH_TEST_DAEMON_KIND=podman\n'
}

cmd_podman_start() {
  local t0
  t0="$(_bd_now)"
  _bd_check_dir
  _bd_lock
  mkdir -p "$BD_DIR"
  if _bd_ping "$BD_HOST" && _bd_registry_up registry "$BD_REG_PORT" 0 &&
    _bd_registry_up registry-auth "$BD_AUTH_REG_PORT" 1 && _bd_image_exists; then
    _bp_msg "already running: $BD_HOST, registries $BD_REG and $BD_AUTH_REG, image $BD_IMAGE"
    _bp_print_env
    return 0
  fi
  _bp_install_packages
  _bd_ping "$BD_HOST" || _bp_start_service || _bd_die "podman did not start (see $BD_LOG)"
  _bd_start_registries
  _bd_import_image
  _bd_run_container '["echo","ok"]' 'ok'
  _bp_msg "ready in $(_bd_since "$t0")s: $BD_HOST"
  _bp_print_env
}

# The service only, on the same socket and storage; containers and the registries keep running
# (conmon holds the containers). Event streams end when the service goes: the events tests
# use this to prove reconnection.
cmd_podman_restart() {
  _bd_lock
  local t0 p
  t0="$(_bd_now)"
  p="$(_bp_service_pid)"
  if [ -n "$p" ]; then
    _bd_kill_wait 20 "$p" || _bd_die "could not stop podman pid $p"
  else
    _bp_msg "no podman service running for $BD_DIR; starting one"
  fi
  _bp_start_service || _bd_die "podman did not come back (see $BD_LOG)"
  _bp_msg "podman service restarted in $(_bd_since "$t0")s"
}

cmd_podman_stop() {
  _bd_lock
  local t0 rest
  t0="$(_bd_now)"
  _bd_stop_registries
  _bp_stop_service
  _bd_unmount_all || _bd_die "could not unmount everything under $BD_DIR"
  rm -rf "$BD_DIR" || _bd_die "could not remove $BD_DIR"
  rest="$(_bd_dir_pids | tr '\n' ' ')"
  if [ -n "${rest// /}" ]; then
    # shellcheck disable=SC2086
    _bd_describe_pids $rest
    _bd_die "processes still mention $BD_DIR/ after stop"
  fi
  rm -f "$BD_LOCK"
  _bp_msg "stopped and removed $BD_DIR in $(_bd_since "$t0")s"
}

cmd_podman_status() {
  local ok=0
  if _bd_ping "$BD_HOST"; then
    echo "podman:        up   (pid $(_bp_service_pid), $BD_HOST, $(curl -s --max-time 3 --unix-socket "$BD_SOCK" http://localhost/version | grep -o '"Version":"[^"]*"' | head -n1 | cut -d'"' -f4))"
  else
    echo "podman:        DOWN ($BD_HOST)"
    ok=1
  fi
  if _bd_registry_up registry "$BD_REG_PORT" 0; then echo "registry:      up   ($BD_REG)"; else echo "registry:      DOWN ($BD_REG)"; ok=1; fi
  if _bd_registry_up registry-auth "$BD_AUTH_REG_PORT" 1; then echo "auth registry: up   ($BD_AUTH_REG)"; else echo "auth registry: DOWN ($BD_AUTH_REG)"; ok=1; fi
  if _bd_ping "$BD_HOST"; then
    if _bd_image_exists; then echo "image:         $BD_IMAGE present"; else echo "image:         $BD_IMAGE MISSING"; ok=1; fi
  fi
  return "$ok"
}

# ensure_podman: for test.sh. Starts the podman service if it is not up and puts its export lines
# in BERTH_PODMAN_ENV, to `eval` where the BERTH_TEST_* variables may point at podman (they would
# replace dockerd's: test.sh does it in a subshell). BERTH_PODMAN_STARTED=1 only if this call
# started it (the caller then runs `bash scripts/podman.sh stop` when done).
ensure_podman() {
  BERTH_PODMAN_STARTED=0
  local dir="${BERTH_PODMAN_DIR:-/tmp/berth-podman}"
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  _bd_ping "unix://${dir%/}/podman.sock" || BERTH_PODMAN_STARTED=1
  BERTH_PODMAN_ENV="$(bash "$_BP_SELF" start)"
}

_bp_main() {
  set -euo pipefail
  _bp_config
  case "${1:-}" in
    start) cmd_podman_start ;;
    stop) cmd_podman_stop ;;
    status) cmd_podman_status ;;
    env) _bp_print_env ;;
    verify) cmd_verify ;;
    restart-daemon) cmd_podman_restart ;;
    *)
      sed -n '2,19p' "$_BP_SELF" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _bp_main "$@"
fi
