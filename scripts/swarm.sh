#!/usr/bin/env bash
# scripts/swarm.sh - a throwaway three-node Docker Swarm for berth's swarm tests.
#
#   bash scripts/swarm.sh start          3 dockerds, swarm init on node 1, nodes 2 and 3 join; prints `export ...` lines
#   bash scripts/swarm.sh stop           leave, stop every node and the registry, unmount, remove the directory
#   bash scripts/swarm.sh status         one line per node (and the registry); exit 0 only if all are up and Ready
#   bash scripts/swarm.sh env            print the `export ...` lines for the tests
#   bash scripts/swarm.sh kill-node N    SIGKILL node N's dockerd (fault tests)
#   bash scripts/swarm.sh start-node N   start node N again (after kill-node); it rejoins with its old state
#   bash scripts/swarm.sh promote N      make node N a manager (run from node 1)
#   bash scripts/swarm.sh demote N       make node N a worker again
#   bash scripts/swarm.sh reset          stop, then start a fresh swarm
#
# Node N (1..3) is a dockerd of its own in ${BERTH_SWARM_DIR:-/tmp/berth-swarm}/nN, with the same
# flags as scripts/daemon.sh's (it reuses its functions), listening for the swarm on
# 127.0.0.N:${BERTH_SWARM_PORT:-2377} and advertising that address. Node 1 is the manager; 2 and
# 3 join as workers (`promote` makes managers for the quorum test). The nodes share the machine's
# hostname, so each carries the node label `berth.node=nN` (placement constraints and tests tell
# them apart by it, or by node ID).
#
# Images reach the nodes through a registry with credentials, beside the nodes:
# 127.0.0.1:${BERTH_SWARM_REGISTRY_PORT:-5059}, user berth, password berth-secret-pw. The test
# image is imported into node 1 offline, pushed there, and removed from node 1 again, so every
# node pulls it with the X-Registry-Auth the service was created with.
#
# Progress goes to stderr; stdout of `start` and `env` carries only the export lines.

_SW_SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/daemon.sh
. "$(dirname "$_SW_SELF")/daemon.sh"

_sw_config() {
  SW_DIR="${BERTH_SWARM_DIR:-/tmp/berth-swarm}"
  case "$SW_DIR" in /*) ;; *) SW_DIR="$PWD/$SW_DIR" ;; esac
  SW_DIR="${SW_DIR%/}"
  local saved_port="" saved_reg=""
  [ -f "$SW_DIR/ports" ] && read -r saved_port saved_reg <"$SW_DIR/ports" || true
  SW_PORT="${BERTH_SWARM_PORT:-${saved_port:-2377}}"
  SW_REG_PORT="${BERTH_SWARM_REGISTRY_PORT:-${saved_reg:-5059}}"
  SW_REG="127.0.0.1:$SW_REG_PORT"
  SW_IMAGE="$SW_REG/berth-test/busybox:latest"
  SW_LOCK="$SW_DIR.swarm-sh.lock"
  SW_NODES=(1 2 3)
}

_sw_msg() { printf '[swarm.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
_sw_die() { printf '[swarm.sh] ERROR: %s\n' "$*" >&2; exit 1; }

# _sw_node N: point daemon.sh's variables (BD_DIR, BD_SOCK, ...) at node N
_sw_node() {
  BERTH_DAEMON_DIR="$SW_DIR/n$1" BERTH_REGISTRY_PORT="$SW_REG_PORT" BERTH_AUTH_REGISTRY_PORT="$SW_REG_PORT" _bd_config
}

# the registry lives in $SW_DIR itself (daemon.sh's registry functions with BD_DIR=$SW_DIR)
_sw_registry_scope() {
  BERTH_DAEMON_DIR="$SW_DIR" BERTH_REGISTRY_PORT="$SW_REG_PORT" BERTH_AUTH_REGISTRY_PORT="$SW_REG_PORT" _bd_config
}

_sw_sock() { echo "$SW_DIR/n$1/docker.sock"; }

# _sw_api N [curl args...] PATH
_sw_api() {
  local n="$1" path="${*: -1}"
  shift
  curl -sS --max-time 60 --unix-socket "$(_sw_sock "$n")" "${@:1:$#-1}" "http://localhost/v1.41$path"
}

_sw_json_field() { grep -o "\"$1\":\"[^\"]*\"" | head -n1 | cut -d'"' -f4; }

_sw_info() { _sw_api "$1" /info 2>/dev/null; }
_sw_node_id() { _sw_info "$1" | grep -o '"NodeID":"[^"]*"' | head -n1 | cut -d'"' -f4; }
_sw_local_state() { _sw_info "$1" | grep -o '"LocalNodeState":"[^"]*"' | head -n1 | cut -d'"' -f4; }

_sw_ping() { _bd_ping "unix://$(_sw_sock "$1")"; }

# _sw_wait_state N STATE SECONDS
_sw_wait_state() {
  local n="$1" want="$2" deadline=$((SECONDS + $3))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(_sw_local_state "$n")" = "$want" ] && return 0
    sleep 0.2
  done
  return 1
}

# _sw_wait_ready N SECONDS: node N is Ready in the manager's node list (node 1 or any manager up)
_sw_wait_ready() {
  local n="$1" id deadline=$((SECONDS + $2)) m out
  id="$(_sw_node_id "$n")"
  [ -n "$id" ] || return 1
  while [ "$SECONDS" -lt "$deadline" ]; do
    for m in "${SW_NODES[@]}"; do
      out="$(_sw_api "$m" "/nodes/$id" 2>/dev/null)" || continue
      if printf '%s' "$out" | grep -q '"State":"ready"'; then return 0; fi
    done
    sleep 0.3
  done
  return 1
}

_sw_start_node() {
  local n="$1"
  _sw_node "$n"
  if _bd_ping "$BD_HOST"; then return 0; fi
  mkdir -p "$BD_DIR"
  # a node killed with SIGKILL leaves shims and container mounts: _bd_start_dockerd stops the
  # processes by pid; the mounts (secrets tmpfs, shm) go here, before dockerd looks at them
  local stale
  stale="$(_bd_pids_by_comm dockerd "${_BD_CONTAINERD_COMMS[@]}" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  [ -n "${stale// /}" ] && _bd_kill_wait 5 $stale
  _bd_kill_orphan_containers
  _bd_unmount_all || true
  _bd_start_dockerd || _sw_die "node $n: dockerd did not start (see $BD_LOG)"
}

_sw_stop_node() {
  _sw_node "$1"
  _bd_stop_dockerd
  local rest
  rest="$(_bd_pids_by_comm dockerd "${_BD_CONTAINERD_COMMS[@]}" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  [ -n "${rest// /}" ] && _bd_kill_wait 5 $rest
  _bd_unmount_all || _sw_die "could not unmount everything under $BD_DIR"
}

_sw_label_node() { # N
  local n="$1" id spec version out
  id="$(_sw_node_id "$n")"
  out="$(_sw_api 1 "/nodes/$id")" || _sw_die "node inspect failed: $out"
  version="$(printf '%s' "$out" | grep -o '"Version":{"Index":[0-9]*' | head -n1 | grep -o '[0-9]*$')"
  spec="{\"Labels\":{\"berth.node\":\"n$n\"},\"Role\":\"$2\",\"Availability\":\"active\"}"
  out="$(_sw_api 1 -X POST -H 'Content-Type: application/json' -d "$spec" "/nodes/$id/update?version=$version")" ||
    _sw_die "node update failed: $out"
  printf '%s' "$out" | grep -q '"message"' && _sw_die "node $n update failed: $out"
  return 0
}

_sw_init_or_join() {
  local state token addr
  state="$(_sw_local_state 1)"
  if [ "$state" != active ]; then
    _sw_msg "swarm init on node 1 (127.0.0.1:$SW_PORT)"
    local out
    out="$(_sw_api 1 -X POST -H 'Content-Type: application/json' \
      -d "{\"ListenAddr\":\"127.0.0.1:$SW_PORT\",\"AdvertiseAddr\":\"127.0.0.1:$SW_PORT\",\"ForceNewCluster\":false,\"Spec\":{\"Orchestration\":{\"TaskHistoryRetentionLimit\":2},\"Dispatcher\":{\"HeartbeatPeriod\":2000000000}}}" \
      /swarm/init)" || _sw_die "swarm init failed: $out"
    printf '%s' "$out" | grep -q '"message"' && _sw_die "swarm init failed: $out"
    _sw_wait_state 1 active 30 || _sw_die "node 1 did not become an active swarm manager"
  fi
  token="$(_sw_api 1 /swarm | _sw_json_field Worker)"
  [ -n "$token" ] || _sw_die "no worker join token"
  local n
  for n in 2 3; do
    [ "$(_sw_local_state "$n")" = active ] && continue
    addr="127.0.0.$n:$SW_PORT"
    _sw_msg "node $n joins ($addr)"
    out="$(_sw_api "$n" -X POST -H 'Content-Type: application/json' \
      -d "{\"ListenAddr\":\"$addr\",\"AdvertiseAddr\":\"$addr\",\"RemoteAddrs\":[\"127.0.0.1:$SW_PORT\"],\"JoinToken\":\"$token\"}" \
      /swarm/join)" || _sw_die "node $n join failed: $out"
    printf '%s' "$out" | grep -q '"message"' && _sw_die "node $n join failed: $out"
  done
  for n in "${SW_NODES[@]}"; do
    _sw_wait_state "$n" active 30 || _sw_die "node $n is not an active swarm member"
    _sw_wait_ready "$n" 30 || _sw_die "node $n is not Ready"
  done
  _sw_label_node 1 manager
  _sw_label_node 2 worker
  _sw_label_node 3 worker
}

# the test image: imported into node 1 offline (daemon.sh's import), pushed to the registry with
# credentials, then removed from node 1 so every node pulls it
_sw_push_image() {
  local auth out
  _sw_registry_scope
  _sw_node 1
  auth="$(_bd_registry_auth_header "{\"username\":\"$BD_REG_USER\",\"password\":\"$BD_REG_PASSWORD\",\"serveraddress\":\"$SW_REG\"}")"
  if [ "$(_bd_http_status -u "$BD_REG_USER:$BD_REG_PASSWORD" "http://$SW_REG/v2/berth-test/busybox/manifests/latest" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json')" = 200 ]; then
    _sw_msg "image $SW_IMAGE already in the registry"
    return 0
  fi
  _bd_import_image
  [ "$(_bd_api_status -X POST "/images/$BD_IMAGE/tag?repo=$SW_REG/berth-test/busybox&tag=latest")" = 201 ] ||
    _sw_die "tag $SW_IMAGE failed"
  out="$(_bd_api -X POST -H "X-Registry-Auth: $auth" "/images/$SW_REG/berth-test/busybox/push?tag=latest")"
  printf '%s' "$out" | grep -q '"error' && _sw_die "push of $SW_IMAGE failed: $out"
  _bd_api -X DELETE "/images/$SW_IMAGE" >/dev/null
  _bd_api -X DELETE "/images/$BD_IMAGE" >/dev/null
  _sw_msg "pushed $SW_IMAGE (removed from node 1 again: nodes pull it with credentials)"
}

_sw_print_env() {
  local k
  for k in \
    "BERTH_SWARM_DIR=$SW_DIR" \
    "BERTH_SWARM_MANAGER=unix://$(_sw_sock 1)" \
    "BERTH_SWARM_NODES=unix://$(_sw_sock 1),unix://$(_sw_sock 2),unix://$(_sw_sock 3)" \
    "BERTH_SWARM_IMAGE=$SW_IMAGE" \
    "BERTH_SWARM_REGISTRY=$SW_REG" \
    "BERTH_SWARM_REGISTRY_USER=berth" \
    "BERTH_SWARM_REGISTRY_PASSWORD=berth-secret-pw"; do
    printf 'export %s=%q\n' "${k%%=*}" "${k#*=}"
  done
}

_sw_lock() {
  mkdir -p "$(dirname "$SW_LOCK")"
  exec 8>"$SW_LOCK"
  flock -w 300 8 || _sw_die "could not get the lock $SW_LOCK within 300s"
}

_sw_all_up() {
  local n
  _sw_registry_scope
  _bd_registry_up registry-auth "$SW_REG_PORT" 1 || return 1
  for n in "${SW_NODES[@]}"; do
    _sw_ping "$n" && [ "$(_sw_local_state "$n")" = active ] || return 1
  done
}

cmd_sw_start() {
  local t0 n
  t0="$(_bd_now)"
  _sw_lock
  mkdir -p "$SW_DIR"
  echo "$SW_PORT $SW_REG_PORT" >"$SW_DIR/ports"
  if _sw_all_up; then
    _sw_msg "already running: $SW_DIR"
    _sw_print_env
    return 0
  fi
  _bd_install_packages
  _sw_registry_scope
  _bd_start_registry registry-auth "$SW_REG_PORT" 1 || _sw_die "the registry did not start"
  for n in "${SW_NODES[@]}"; do _sw_start_node "$n"; done
  _sw_init_or_join
  _sw_push_image
  _sw_msg "swarm ready in $(_bd_since "$t0")s: manager unix://$(_sw_sock 1)"
  _sw_print_env
}

cmd_sw_stop() {
  _sw_lock
  local t0 n rest
  t0="$(_bd_now)"
  # leaving first removes the services' tasks cleanly; a dead node is simply stopped
  for n in 3 2 1; do
    _sw_ping "$n" && _sw_api "$n" -X POST "/swarm/leave?force=1" >/dev/null 2>&1 || true
  done
  for n in "${SW_NODES[@]}"; do _sw_stop_node "$n"; done
  _sw_registry_scope
  _bd_stop_registries
  BD_DIR="$SW_DIR"
  _bd_unmount_all || _sw_die "could not unmount everything under $SW_DIR"
  rm -rf "$SW_DIR" || _sw_die "could not remove $SW_DIR"
  rest="$(_bd_pids_by_comm dockerd docker-registry "${_BD_CONTAINERD_COMMS[@]}" | tr '\n' ' ')"
  if [ -n "${rest// /}" ]; then
    # shellcheck disable=SC2086
    _bd_describe_pids $rest
    _sw_die "swarm processes still running after stop"
  fi
  rm -f "$SW_LOCK"
  _sw_msg "stopped and removed $SW_DIR in $(_bd_since "$t0")s"
}

cmd_sw_status() {
  local ok=0 n id state role
  for n in "${SW_NODES[@]}"; do
    if _sw_ping "$n"; then
      state="$(_sw_local_state "$n")"
      id="$(_sw_node_id "$n")"
      role="$(_sw_info "$n" | grep -q '"ControlAvailable":true' && echo manager || echo worker)"
      echo "node $n: up   (127.0.0.$n:$SW_PORT, swarm $state, $role, id ${id:0:12}, unix://$(_sw_sock "$n"))"
      [ "$state" = active ] || ok=1
    else
      echo "node $n: DOWN (unix://$(_sw_sock "$n"))"
      ok=1
    fi
  done
  _sw_registry_scope
  if _bd_registry_up registry-auth "$SW_REG_PORT" 1; then echo "registry: up   ($SW_REG)"; else echo "registry: DOWN ($SW_REG)"; ok=1; fi
  return "$ok"
}

_sw_check_n() { case "${1:-}" in 1 | 2 | 3) ;; *) _sw_die "node number 1, 2 or 3 expected, got '${1:-}'" ;; esac; }

cmd_sw_kill_node() {
  _sw_check_n "$1"
  _sw_node "$1"
  local p i
  p="$(_bd_dockerd_pid)"
  [ -n "$p" ] || _sw_die "node $1: no dockerd running"
  kill -KILL "$p"
  for ((i = 0; i < 100; i++)); do
    _bd_alive "$p" || break
    sleep 0.1
  done
  _bd_alive "$p" && _sw_die "node $1: dockerd pid $p survived SIGKILL"
  _sw_msg "node $1: dockerd (pid $p) killed with SIGKILL"
}

cmd_sw_start_node() {
  _sw_check_n "$1"
  _sw_lock
  _sw_start_node "$1"
  _sw_wait_state "$1" active 60 || _sw_die "node $1 did not rejoin the swarm"
  _sw_wait_ready "$1" 60 || _sw_die "node $1 is not Ready again"
  _sw_msg "node $1 is back and Ready"
}

cmd_sw_role() { # N ROLE
  _sw_check_n "$1"
  local n="$1" role="$2" id out version spec m
  id="$(_sw_node_id "$n")"
  [ -n "$id" ] || _sw_die "node $n: no node ID (is it up?)"
  # the node's version moves whenever the managers record a status change (a node that just
  # (re)joined, a leader change): an update with a stale version is refused, so read and retry
  local attempt done=0
  for ((attempt = 0; attempt < 30 && done == 0; attempt++)); do
    for m in "${SW_NODES[@]}"; do
      out="$(_sw_api "$m" "/nodes/$id" 2>/dev/null)" || continue
      printf '%s' "$out" | grep -q '"message"' && continue
      version="$(printf '%s' "$out" | grep -o '"Version":{"Index":[0-9]*' | head -n1 | grep -o '[0-9]*$')"
      spec="{\"Labels\":{\"berth.node\":\"n$n\"},\"Role\":\"$role\",\"Availability\":\"active\"}"
      out="$(_sw_api "$m" -X POST -H 'Content-Type: application/json' -d "$spec" "/nodes/$id/update?version=$version" 2>&1)" || continue
      if printf '%s' "$out" | grep -q '"message"'; then
        _sw_msg "node $n: role update refused ($out); retrying"
        continue
      fi
      done=1
      break
    done
    [ "$done" = 1 ] || sleep 1
  done
  [ "$done" = 1 ] || _sw_die "node $n: role update failed: $out"
  local deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ "$role" = manager ]; then
      _sw_info "$n" | grep -q '"ControlAvailable":true' && break
    else
      _sw_info "$n" | grep -q '"ControlAvailable":false' && break
    fi
    sleep 0.3
  done
  [ "$SECONDS" -lt "$deadline" ] || _sw_die "node $n did not become a $role"
  _sw_msg "node $n is a $role"
}

_sw_main() {
  set -euo pipefail
  _sw_config
  case "${1:-}" in
    start) cmd_sw_start ;;
    stop) cmd_sw_stop ;;
    status) cmd_sw_status ;;
    env) _sw_print_env ;;
    kill-node) cmd_sw_kill_node "${2:-}" ;;
    start-node) cmd_sw_start_node "${2:-}" ;;
    promote) cmd_sw_role "${2:-}" manager ;;
    demote) cmd_sw_role "${2:-}" worker ;;
    reset) cmd_sw_stop && cmd_sw_start ;;
    *)
      sed -n '2,13p' "$_SW_SELF" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _sw_main "$@"
fi
