# Needs (derived): STACK_NAME, DEFAULT_DEPLOY_USER, DEPLOY_DIR_NAME, ENV_FILE_NAME,
# PUBLIC_TCP_PORTS, FIREWALL_TABLE, FIREWALL_FILE, FIREWALL_UNIT, and the EXIT_* codes.

usage() {
  cat <<USAGE
Usage: $0 [options]

Makes a fresh Debian or Ubuntu server a deploy target for $STACK_NAME, as root, once or again
(every step checks first and changes only what differs; it prints what it changed):

  packages     ca-certificates, curl, util-linux (flock), openssh-server, nftables,
               unattended-upgrades
  docker       Docker Engine and the compose v2 plugin: from the distribution when it has
               compose v2 (Debian 13+, Ubuntu 22.04+), else from Docker's apt repository
  user         the deploy user (default $DEFAULT_DEPLOY_USER) in the docker group, with the given keys
               in ~/.ssh/authorized_keys: --ssh-key for people (restrict,pty plus tunnels to
               the server's loopback: a shell, an editor and an SSH tunnel to Prometheus work,
               agent forwarding does not), --ci-key for the Deploy workflow (restrict:
               commands only)
  directory    ~/$DEPLOY_DIR_NAME owned by that user, mode 750; an existing $ENV_FILE_NAME there
               is made the user's, mode 600
  firewall     nftables table $FIREWALL_TABLE: incoming SSH and the stack's public ports
               (${PUBLIC_TCP_PORTS[*]}) only, also for Docker's published ports; loaded by $FIREWALL_UNIT
  upgrades     unattended security upgrades (daily)

Options:
      --ssh-key KEY|FILE     a person's public key (repeatable)
      --ci-key KEY|FILE      the Deploy workflow's public key (repeatable)
      --user NAME            deploy user (default: $DEFAULT_DEPLOY_USER)
      --ssh-port PORT        SSH port(s) the firewall keeps open (repeatable; default: the
                             ports sshd listens on, else 22)
      --allow-port PORT      another public TCP port (repeatable), e.g. when API_PORT differs
      --docker-source SOURCE auto (default), distro or docker
      --no-firewall          leave the firewall alone
      --dry-run-system       install packages and write every file, but only print the
                             commands that need a running systemd or a kernel firewall
                             (systemctl, nft): for containers and tests
  -h, --help                 show this help

Exit codes:
$(exit_codes_help)
USAGE
}

usage_error() {
  printf 'server-bootstrap: %s (see --help)\n' "$1" >&2
  exit "$EXIT_USAGE"
}
need_value() { if [ $# -lt 2 ]; then usage_error "$1 needs a value"; fi; }

user=$DEFAULT_DEPLOY_USER
people_keys=()
ci_keys=()
ssh_ports=()
extra_ports=()
docker_source=auto
firewall=true
dry_run=false
while [ $# -gt 0 ]; do
  case $1 in
    --ssh-key) need_value "$@"; people_keys+=("$2"); shift 2 ;;
    --ci-key) need_value "$@"; ci_keys+=("$2"); shift 2 ;;
    --user) need_value "$@"; user=$2; shift 2 ;;
    --ssh-port) need_value "$@"; ssh_ports+=("$2"); shift 2 ;;
    --allow-port) need_value "$@"; extra_ports+=("$2"); shift 2 ;;
    --docker-source) need_value "$@"; docker_source=$2; shift 2 ;;
    --no-firewall) firewall=false; shift ;;
    --dry-run-system) dry_run=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown option: $1" ;;
  esac
done
[[ $user =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || usage_error "--user: '$user' is not a user name"
for port in "${ssh_ports[@]}" "${extra_ports[@]}"; do
  if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || [ "$port" -gt 65535 ]; then usage_error "'$port' is not a TCP port"; fi
done
case $docker_source in auto | distro | docker) ;; *) usage_error "--docker-source must be auto, distro or docker" ;; esac

# ---------------------------------------------------------------- reporting

changes=0
changed() { changes=$((changes + 1)); printf '  changed  %s\n' "$1"; }
ok() { printf '  ok       %s\n' "$1"; }
section() { printf '%s\n' "$1"; }
fail() { # CODE MESSAGE
  printf 'server-bootstrap: FAILED: %s\n' "$2" >&2
  exit "$1"
}
# system CMD...: runs a command that needs systemd or the kernel firewall, or prints it.
system() {
  if [ "$dry_run" = true ]; then printf '  would    %s\n' "$*"; else "$@"; fi
}

# write_file PATH MODE OWNER:GROUP < CONTENT: the file with exactly that content, mode and
# owner. Returns 0 when it changed anything (so callers can reload), 1 when all was in place.
write_file() {
  local path=$1 mode=$2 owner=$3 content changed_any=1
  content=$(cat)
  mkdir -p "$(dirname "$path")"
  if [ ! -f "$path" ] || [ "$(cat "$path")" != "$content" ]; then
    printf '%s\n' "$content" >"$path.new"
    mv "$path.new" "$path"
    changed "$path"
    changed_any=0
  fi
  if [ "$(stat -c '%a %U:%G' "$path")" != "$mode $owner" ]; then
    chmod "$mode" "$path"
    chown "$owner" "$path"
    if [ "$changed_any" = 1 ]; then changed "$path: mode $mode, owner $owner"; fi
    changed_any=0
  fi
  if [ "$changed_any" = 1 ]; then ok "$path"; fi
  return "$changed_any"
}

# ---------------------------------------------------------------- preflight

[ "$(id -u)" = 0 ] || fail "$EXIT_PREFLIGHT" "run as root (sudo $0 ...)"
[ -r /etc/os-release ] || fail "$EXIT_PREFLIGHT" "/etc/os-release is missing: not a Debian or Ubuntu system"
# shellcheck source=/dev/null
. /etc/os-release
case ${ID:-} in
  debian | ubuntu) ;;
  *) fail "$EXIT_PREFLIGHT" "${PRETTY_NAME:-this system} is not Debian or Ubuntu" ;;
esac
codename=${VERSION_CODENAME:-}
[ -n "$codename" ] || fail "$EXIT_PREFLIGHT" "VERSION_CODENAME is missing in /etc/os-release"
if [ "$dry_run" = false ] && [ ! -d /run/systemd/system ]; then
  fail "$EXIT_PREFLIGHT" "systemd is not running here (a container?); --dry-run-system does everything else"
fi
export DEBIAN_FRONTEND=noninteractive

# Public keys, read now: a wrong one stops the run before anything changes.
read_key() { # KEY|FILE
  local text=$1 line
  if [ -f "$text" ]; then text=$(grep -v '^[[:space:]]*\(#\|$\)' "$text" | head -n 1); fi
  line=$(printf '%s' "$text" | tr -d '\r')
  [[ $line =~ ^(ssh-|ecdsa-|sk-)[a-z0-9@.-]+\ [A-Za-z0-9+/=]+ ]] ||
    fail "$EXIT_USAGE" "not an OpenSSH public key: ${1:0:60} (give the .pub file or its one line)"
  if command -v ssh-keygen >/dev/null && ! ssh-keygen -l -f - <<<"$line" >/dev/null 2>&1; then
    fail "$EXIT_USAGE" "not a valid public key: ${1:0:60}"
  fi
  printf '%s' "$line"
}
people=()
for key in "${people_keys[@]}"; do people+=("$(read_key "$key")"); done
cis=()
for key in "${ci_keys[@]}"; do cis+=("$(read_key "$key")"); done

printf 'server-bootstrap: %s %s, deploy user %s%s\n' "${PRETTY_NAME:-$ID}" "$codename" "$user" "$([ "$dry_run" = true ] && echo ', dry run for systemd and the firewall')"

# ---------------------------------------------------------------- packages

apt_updated=false
apt_update() {
  if [ "$apt_updated" = false ]; then
    apt-get update -qq || fail "$EXIT_PACKAGES" "apt-get update failed"
    apt_updated=true
  fi
}
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]; }
install_packages() { # PACKAGE...
  local missing=() p
  for p in "$@"; do installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then
    ok "packages: $*"
    return 0
  fi
  apt_update
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "$EXIT_PACKAGES" "apt-get install ${missing[*]} failed"
  changed "installed ${missing[*]}"
}

section packages
install_packages ca-certificates curl util-linux openssh-server nftables unattended-upgrades

# ---------------------------------------------------------------- docker

candidate_major() { # PACKAGE: the major version apt would install, empty when none
  apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") { sub(/^[0-9]+:/, "", $2); split($2, v, "."); print v[1] } }'
}

docker_from_docker_repository() {
  local arch keyring=/etc/apt/keyrings/docker.asc list=/etc/apt/sources.list.d/docker.list
  arch=$(dpkg --print-architecture)
  install -d -m 0755 /etc/apt/keyrings
  if [ ! -s "$keyring" ]; then
    curl -fsSL "https://download.docker.com/linux/$ID/gpg" -o "$keyring" || fail "$EXIT_PACKAGES" "cannot download Docker's signing key"
    chmod a+r "$keyring"
    changed "$keyring (Docker's signing key)"
  fi
  if write_file "$list" 644 root:root <<<"deb [arch=$arch signed-by=$keyring] https://download.docker.com/linux/$ID $codename stable"; then
    apt_updated=false
  fi
  install_packages docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
}

section docker
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  ok "docker $(docker version --format '{{.Client.Version}}' 2>/dev/null), $(docker compose version --short 2>/dev/null | sed 's/^/compose /')"
else
  apt_update
  source=$docker_source
  if [ "$source" = auto ]; then
    if [ -n "$(candidate_major docker-compose-v2)" ] || [ "$(candidate_major docker-compose)" = 2 ]; then source=distro; else source=docker; fi
  fi
  if [ "$source" = distro ]; then
    if [ -n "$(candidate_major docker-compose-v2)" ]; then compose_package=docker-compose-v2; else compose_package=docker-compose; fi
    [ "$(candidate_major docker.io)" != "" ] || fail "$EXIT_PACKAGES" "$ID $codename has no docker.io package; use --docker-source docker"
    # Debian 13 ships the client separately (docker-cli); older releases have it in docker.io.
    cli_package=()
    if [ -n "$(candidate_major docker-cli)" ]; then cli_package=(docker-cli); fi
    install_packages docker.io "${cli_package[@]}" "$compose_package"
  else
    docker_from_docker_repository
  fi
  docker compose version >/dev/null 2>&1 || fail "$EXIT_PACKAGES" "docker compose (v2) still does not work after installing"
fi
if [ "$dry_run" = true ] || ! systemctl is-enabled --quiet docker 2>/dev/null || ! systemctl is-active --quiet docker 2>/dev/null; then
  system systemctl enable --now docker
  if [ "$dry_run" = false ]; then changed "docker service enabled and started"; fi
else
  ok "docker service enabled and running"
fi

# ---------------------------------------------------------------- deploy user and keys

section user
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --create-home --user-group --shell /bin/bash "$user"
  changed "user $user"
else
  ok "user $user"
fi
if [[ " $(id -nG "$user") " != *" docker "* ]]; then
  usermod -aG docker "$user"
  changed "$user in group docker (root-equivalent: this server is for the stack)"
else
  ok "$user in group docker"
fi
home=$(getent passwd "$user" | cut -d: -f6)
group=$(id -gn "$user")
[ -d "$home" ] || fail "$EXIT_PREFLIGHT" "$user has no home directory ($home)"

# authorized_keys: each key once, with its options; keys given before keep their line.
authorized=$home/.ssh/authorized_keys
current=""
if [ -f "$authorized" ]; then current=$(cat "$authorized"); fi
wanted=$current
ensure_key() { # OPTIONS KEY
  local material others
  material=$(awk '{ print $1 " " $2 }' <<<"$2")
  others=$(grep -vF "$material" <<<"$wanted" || true)
  if grep -qxF "$1 $2" <<<"$wanted"; then return 0; fi
  wanted=$(printf '%s\n%s %s' "$others" "$1" "$2" | sed '/^$/d')
}
# People: a terminal (an editor, a shell) and tunnels to the server's loopback (Prometheus);
# no agent or X11 forwarding, no tunnel elsewhere. The workflow: commands only.
for key in "${people[@]}"; do ensure_key 'restrict,pty,port-forwarding,permitopen="127.0.0.1:*"' "$key"; done
for key in "${cis[@]}"; do ensure_key restrict "$key"; done
if [ ! -d "$home/.ssh" ]; then
  install -d -m 700 -o "$user" -g "$group" "$home/.ssh"
  changed "$home/.ssh"
fi
if [ "$(stat -c '%a %U' "$home/.ssh")" != "700 $user" ]; then
  chmod 700 "$home/.ssh"
  chown "$user:$group" "$home/.ssh"
  changed "$home/.ssh: mode 700, owner $user"
fi
if [ -n "$wanted" ] || [ -f "$authorized" ]; then
  write_file "$authorized" 600 "$user:$group" <<<"$wanted" || true
else
  printf '  note     no --ssh-key or --ci-key given: nobody can log in as %s yet\n' "$user"
fi

# ---------------------------------------------------------------- deploy directory

section directory
deploy_dir=$home/$DEPLOY_DIR_NAME
if [ ! -d "$deploy_dir" ]; then
  install -d -m 750 -o "$user" -g "$group" "$deploy_dir"
  changed "$deploy_dir"
elif [ "$(stat -c '%a %U:%G' "$deploy_dir")" != "750 $user:$group" ]; then
  chmod 750 "$deploy_dir"
  chown "$user:$group" "$deploy_dir"
  changed "$deploy_dir: mode 750, owner $user"
else
  ok "$deploy_dir"
fi
env_file=$deploy_dir/$ENV_FILE_NAME
if [ -f "$env_file" ]; then
  if [ "$(stat -c '%a %U:%G' "$env_file")" != "600 $user:$group" ]; then
    chmod 600 "$env_file"
    chown "$user:$group" "$env_file"
    changed "$env_file: mode 600, owner $user (readable by $user only)"
  else
    ok "$env_file: mode 600, owner $user"
  fi
fi

# ---------------------------------------------------------------- firewall

section firewall
if [ "$firewall" = true ]; then
  if [ ${#ssh_ports[@]} -eq 0 ]; then
    mapfile -t ssh_ports < <(sshd -T 2>/dev/null | awk '$1 == "port" { print $2 }')
    if [ ${#ssh_ports[@]} -eq 0 ]; then ssh_ports=(22); fi
  fi
  mapfile -t open_ports < <(printf '%s\n' "${ssh_ports[@]}" "${PUBLIC_TCP_PORTS[@]}" "${extra_ports[@]}" | sort -nu)
  ports=$(printf '%s, ' "${open_ports[@]}")
  ports=${ports%, }
  udp_ports=$(printf '%s, ' "${PUBLIC_UDP_PORTS[@]}")
  udp_ports=${udp_ports%, }
  rules_changed=false
  if write_file "$FIREWALL_FILE" 644 root:root <<NFT; then rules_changed=true; fi
#!/usr/sbin/nft -f
# Written by $STACK_NAME's server-bootstrap.sh: incoming connections only to SSH and the
# stack's public ports. Run it again to change the ports; do not edit by hand.
table inet $FIREWALL_TABLE
delete table inet $FIREWALL_TABLE
table inet $FIREWALL_TABLE {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iifname "lo" accept
    meta l4proto { icmp, ipv6-icmp } accept
    udp sport 67 udp dport 68 accept
    udp dport 546 accept
    tcp dport { $ports } accept
    udp dport { $udp_ports } accept
    # Containers may reach the host (DNS, and each other through published ports).
    iifname "docker0" accept
    iifname "br-*" accept
  }
  chain forward {
    type filter hook forward priority filter - 1; policy accept;
    # Docker publishes a port by rewriting the destination (DNAT) and forwarding the packet,
    # which bypasses the input chain: only the public ports may reach a container from outside.
    ct state established,related accept
    iifname "docker0" accept
    iifname "br-*" accept
    ct status dnat meta l4proto tcp ct original proto-dst { $ports } accept
    ct status dnat drop
  }
}
NFT
  if write_file "/etc/systemd/system/$FIREWALL_UNIT" 644 root:root <<UNIT; then rules_changed=true; fi
[Unit]
Description=$STACK_NAME firewall: SSH and the stack's public ports only (server-bootstrap.sh)
Wants=network-pre.target
Before=network-pre.target docker.service shutdown.target
Conflicts=shutdown.target
DefaultDependencies=no

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f $FIREWALL_FILE
ExecReload=/usr/sbin/nft -f $FIREWALL_FILE
ExecStop=/usr/sbin/nft delete table inet $FIREWALL_TABLE

[Install]
WantedBy=sysinit.target
UNIT
  check=$(nft -c -f "$FIREWALL_FILE" 2>&1) || {
    if grep -q 'Operation not permitted' <<<"$check" && ! grep -q 'Error: syntax' <<<"$check"; then
      printf '  note     %s: syntax checked; checking it against the kernel needs CAP_NET_ADMIN\n' "$FIREWALL_FILE"
    else
      fail "$EXIT_FIREWALL" "the firewall rules do not load: $check"
    fi
  }
  if [ "$dry_run" = true ]; then
    system systemctl daemon-reload
    system systemctl enable "$FIREWALL_UNIT"
    system systemctl restart "$FIREWALL_UNIT"
  elif [ "$rules_changed" = true ] || ! systemctl is-active --quiet "$FIREWALL_UNIT"; then
    systemctl daemon-reload
    systemctl enable --quiet "$FIREWALL_UNIT"
    systemctl restart "$FIREWALL_UNIT" || fail "$EXIT_FIREWALL" "$FIREWALL_UNIT did not start: journalctl -u $FIREWALL_UNIT"
    changed "firewall loaded: incoming TCP $ports only"
  else
    ok "firewall active: incoming TCP $ports only"
  fi
else
  ok "left alone (--no-firewall)"
fi

# ---------------------------------------------------------------- unattended upgrades

section upgrades
write_file /etc/apt/apt.conf.d/20auto-upgrades 644 root:root <<'APT' || true
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
APT
# ${distro_id} and ${distro_codename} are for unattended-upgrades, not for this shell.
# shellcheck disable=SC2016
if [ "$ID" = ubuntu ]; then
  origins='Unattended-Upgrade::Allowed-Origins {
  "${distro_id}:${distro_codename}-security";
  "${distro_id}ESMApps:${distro_codename}-apps-security";
  "${distro_id}ESM:${distro_codename}-infra-security";
};'
else
  origins='Unattended-Upgrade::Origins-Pattern {
  "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
  "origin=Debian,codename=${distro_codename},label=Debian-Security";
};'
fi
write_file /etc/apt/apt.conf.d/52"$STACK_NAME"-security-only 644 root:root <<APT || true
// Written by $STACK_NAME's server-bootstrap.sh: unattended upgrades install security updates only.
#clear Unattended-Upgrade::Allowed-Origins;
#clear Unattended-Upgrade::Origins-Pattern;
$origins
APT
if [ "$dry_run" = true ] || ! systemctl is-enabled --quiet apt-daily-upgrade.timer 2>/dev/null; then
  system systemctl enable --now apt-daily.timer apt-daily-upgrade.timer
  if [ "$dry_run" = false ]; then changed "apt-daily timers enabled"; fi
else
  ok "apt-daily timers enabled"
fi

# ---------------------------------------------------------------- summary

if [ "$changes" -eq 0 ]; then
  printf 'server-bootstrap: no changes: the server was already bootstrapped\n'
else
  printf 'server-bootstrap: %d change(s)\n' "$changes"
fi
printf 'Next: copy the stack as %s (devops/doc/guides/manual-deploy.md, section 2) into %s\n' "$user" "$deploy_dir"
exit "$EXIT_OK"
