#!/usr/bin/env bash
# Debian packages the test suite drives, installed when missing: chromium for the browser
# e2e, the shellcheck linter for scripts and workflows, openssh-server and -client for the
# deploy e2e's server, skopeo for the publish e2e (it copies the attesting builder's OCI
# archives, attestations included, to the registry), age and rclone for the backup guide's
# commands (the guides e2e). Run by `make test`; needs root or password-less sudo to install.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v age >/dev/null 2>&1 || missing+=(age)
command -v rclone >/dev/null 2>&1 || missing+=(rclone)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "test tools missing: ${missing[*]}; install them with your package manager" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "test tools missing: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "installing test tools: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
