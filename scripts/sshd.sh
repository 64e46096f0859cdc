#!/usr/bin/env bash
# scripts/sshd.sh - an OpenSSH server of the tests' own on 127.0.0.1, for the ssh:// transport.
#
#   bash scripts/sshd.sh start | stop | status | env
#
# Everything lives in ${BERTH_SSHD_DIR:-${BERTH_DAEMON_DIR:-/tmp/berth-daemon}-sshd}: a host key,
# a client key and the authorized_keys holding it, an sshd_config, the client's ssh_config and
# known_hosts. Nothing of the machine's own ssh setup is used or changed (no /etc/ssh, no
# ~/.ssh); the client config is passed with `-F`. Listens on three ports of 127.0.0.1
# (${BERTH_SSHD_PORT:-2222} and the two after it), each with its own remote command
# (ForceCommand, the client's command in $SSH_ORIGINAL_COMMAND):
#
#   PORT     the remote `docker` is the test daemon's (DOCKER_HOST set to it); sshd also shows a
#            pre-authentication Banner, which ssh prints on stderr and must not disturb anything
#   PORT+1   a remote without the docker CLI (PATH without it): `docker: not found`, status 127
#   PORT+2   a remote that prints a line on stdout before running the command (a chatty shell rc)
#
# The test daemon is ${BERTH_TEST_DOCKER_HOST:-unix://${BERTH_DAEMON_DIR:-/tmp/berth-daemon}/docker.sock},
# read at each connection from the directory's docker-host file. Installs openssh-server
# (Debian's) with apt-get when /usr/sbin/sshd is missing. The login user is the one running
# this script (root on CI), which sshd allows by key only.
#
# Sourcing this file defines `ensure_sshd` (start if not up; BERTH_SSHD_STARTED=1 when this call
# started it) and runs nothing else.
set -euo pipefail

_SD_SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

_sd_config() {
  SD_DIR="${BERTH_SSHD_DIR:-${BERTH_DAEMON_DIR:-/tmp/berth-daemon}-sshd}"
  case "$SD_DIR" in /*) ;; *) SD_DIR="$PWD/$SD_DIR" ;; esac
  SD_DIR="${SD_DIR%/}"
  SD_PORT="${BERTH_SSHD_PORT:-2222}"
  SD_PORT_NO_DOCKER=$((SD_PORT + 1))
  SD_PORT_STDOUT=$((SD_PORT + 2))
  SD_PID="$SD_DIR/sshd.pid"
  SD_USER="$(id -un)"
  SD_DOCKER_HOST="${BERTH_TEST_DOCKER_HOST:-unix://${BERTH_DAEMON_DIR:-/tmp/berth-daemon}/docker.sock}"
}

_sd_msg() { printf '[sshd.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
_sd_die() {
  printf '[sshd.sh] ERROR: %s\n' "$*" >&2
  exit 1
}

_sd_alive() {
  local pid
  pid="$(cat "$SD_PID" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ]
}

# True when sshd answers on PORT with an SSH banner.
_sd_answers() {
  local port="$1" line
  line="$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 8 <&3" 2>/dev/null || true)"
  [ "$line" = "SSH-2.0-" ]
}

_sd_install() {
  [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null && return 0
  _sd_msg "installing openssh-server openssh-client"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server openssh-client >/dev/null 2>&1 || {
    apt-get update >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server openssh-client >/dev/null
  } || _sd_die "cannot install openssh-server"
}

_sd_write_files() {
  mkdir -p "$SD_DIR/nodocker-bin"
  chmod 700 "$SD_DIR"
  local key
  for key in host_ed25519 id_ed25519 wrong_id_ed25519 other_host_ed25519; do
    [ -f "$SD_DIR/$key" ] || ssh-keygen -q -t ed25519 -N '' -C "berth-test-$key" -f "$SD_DIR/$key"
  done
  cp "$SD_DIR/id_ed25519.pub" "$SD_DIR/authorized_keys"
  printf '%s\n' "$SD_DOCKER_HOST" >"$SD_DIR/docker-host"
  printf 'berth test sshd: a pre-authentication banner (ssh prints it on stderr)\n' >"$SD_DIR/banner.txt"
  # the remote side: run the client's command against the test daemon
  cat >"$SD_DIR/remote.sh" <<EOF
#!/bin/sh
DOCKER_HOST="\$(cat '$SD_DIR/docker-host')"
DOCKER_CONFIG='$SD_DIR/docker-config'
export DOCKER_HOST DOCKER_CONFIG
case "\$1" in
  no-docker) PATH='$SD_DIR/nodocker-bin'; export PATH ;;
  stdout) echo "Welcome to the berth test host" ;;
esac
exec /bin/sh -c "\$SSH_ORIGINAL_COMMAND"
EOF
  chmod 755 "$SD_DIR/remote.sh"
  cat >"$SD_DIR/sshd_config" <<EOF
Port $SD_PORT
Port $SD_PORT_NO_DOCKER
Port $SD_PORT_STDOUT
ListenAddress 127.0.0.1
HostKey $SD_DIR/host_ed25519
PidFile $SD_PID
AuthorizedKeysFile $SD_DIR/authorized_keys
AllowUsers $SD_USER
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
PermitTTY no
LogLevel VERBOSE
ForceCommand $SD_DIR/remote.sh docker
Match LocalPort $SD_PORT
  Banner $SD_DIR/banner.txt
Match LocalPort $SD_PORT_NO_DOCKER
  ForceCommand $SD_DIR/remote.sh no-docker
Match LocalPort $SD_PORT_STDOUT
  ForceCommand $SD_DIR/remote.sh stdout
EOF
  local hostkey otherkey port
  hostkey="$(cut -d' ' -f1-2 "$SD_DIR/host_ed25519.pub")"
  otherkey="$(cut -d' ' -f1-2 "$SD_DIR/other_host_ed25519.pub")"
  : >"$SD_DIR/known_hosts"
  : >"$SD_DIR/known_hosts_wrong"
  for port in "$SD_PORT" "$SD_PORT_NO_DOCKER" "$SD_PORT_STDOUT"; do
    printf '[127.0.0.1]:%s %s\n' "$port" "$hostkey" >>"$SD_DIR/known_hosts"
    printf '[127.0.0.1]:%s %s\n' "$port" "$otherkey" >>"$SD_DIR/known_hosts_wrong"
  done
  # the client side: everything from this file, nothing from ~/.ssh
  cat >"$SD_DIR/ssh_config" <<EOF
Host berth-test
  HostName 127.0.0.1
  Port $SD_PORT
Host *
  User $SD_USER
  IdentityFile $SD_DIR/id_ed25519
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile $SD_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
EOF
  chmod 600 "$SD_DIR"/*_ed25519 "$SD_DIR/ssh_config"
}

_sd_print_env() {
  cat <<EOF
export BERTH_TEST_SSH_HOST=ssh://$SD_USER@127.0.0.1:$SD_PORT
export BERTH_TEST_SSH_NO_DOCKER_HOST=ssh://$SD_USER@127.0.0.1:$SD_PORT_NO_DOCKER
export BERTH_TEST_SSH_STDOUT_HOST=ssh://$SD_USER@127.0.0.1:$SD_PORT_STDOUT
export BERTH_TEST_SSH_CONFIG=$SD_DIR/ssh_config
export BERTH_TEST_SSH_DIR=$SD_DIR
EOF
}

cmd_start() {
  _sd_config
  if _sd_alive && _sd_answers "$SD_PORT"; then
    printf '%s\n' "$SD_DOCKER_HOST" >"$SD_DIR/docker-host"
    _sd_print_env
    return 0
  fi
  _sd_install
  _sd_write_files
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  /usr/sbin/sshd -t -f "$SD_DIR/sshd_config" || _sd_die "sshd refuses its configuration $SD_DIR/sshd_config"
  /usr/sbin/sshd -f "$SD_DIR/sshd_config" -E "$SD_DIR/sshd.log" || _sd_die "sshd did not start (see $SD_DIR/sshd.log)"
  local i
  for i in $(seq 1 50); do
    if _sd_answers "$SD_PORT" && _sd_answers "$SD_PORT_NO_DOCKER" && _sd_answers "$SD_PORT_STDOUT"; then
      _sd_msg "sshd up on 127.0.0.1:$SD_PORT-$SD_PORT_STDOUT ($SD_DIR)"
      _sd_print_env
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$SD_DIR/sshd.log" >&2 || true
  _sd_die "sshd does not answer on 127.0.0.1:$SD_PORT"
}

cmd_stop() {
  _sd_config
  local pid
  pid="$(cat "$SD_PID" 2>/dev/null || true)"
  if _sd_alive; then
    kill "$pid"
    local i
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  # sessions still open (their sshd processes name the config file) end with the listener
  local session
  for session in $(pgrep -f -- "-f $SD_DIR/sshd_config" 2>/dev/null || true); do
    kill "$session" 2>/dev/null || true
  done
  rm -rf "$SD_DIR"
  _sd_msg "sshd stopped"
}

cmd_status() {
  _sd_config
  if _sd_alive && _sd_answers "$SD_PORT"; then
    echo "sshd: up (pid $(cat "$SD_PID"), 127.0.0.1:$SD_PORT-$SD_PORT_STDOUT, $SD_DIR)"
  else
    echo "sshd: down"
    return 1
  fi
}

cmd_env() {
  _sd_config
  _sd_print_env
}

# ensure_sshd: for scripts that source this file (test.sh). Exports the BERTH_TEST_SSH_*
# variables; BERTH_SSHD_STARTED=1 only if this call started sshd.
ensure_sshd() {
  BERTH_SSHD_STARTED=0
  local out
  bash "$_SD_SELF" status >/dev/null 2>&1 || BERTH_SSHD_STARTED=1
  out="$(bash "$_SD_SELF" start)" || return 1
  eval "$out"
  export BERTH_SSHD_STARTED
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *)
      echo "usage: $0 start|stop|status|env" >&2
      exit 2
      ;;
  esac
fi
