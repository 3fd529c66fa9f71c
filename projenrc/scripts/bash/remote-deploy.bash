usage() {
  cat <<USAGE
Usage: $0 [deploy|check]

Deploys over SSH exactly as the deploy workflow does: copies the compose file(s) and the
server scripts to DEPLOY_PATH on the server and runs $DEPLOY_SCRIPT there, which puts
them in place once it holds the deploy lock. "check" copies nothing and runs the deployed
$DEPLOY_CHECK_SCRIPT. The server's .env.production is never copied: it lives there only.

Environment:
  SSH_HOST, SSH_USER       the server and the account that runs Docker there (required)
  SSH_PORT                 default 22
  SSH_KEY | SSH_KEY_FILE   the private key: its contents, or a path (one is required)
  SSH_KNOWN_HOSTS | SSH_KNOWN_HOSTS_FILE
                           the server's pinned host key line(s) as in known_hosts (one is
                           required: the host key is never learned on first use)
  DEPLOY_PATH              directory on the server, absolute or relative to the user's home
                           (default: $DEFAULT_DEPLOY_PATH)
  IMAGE_TAG                tag to deploy (default: ${SHA_TAG_PREFIX}<first $SHA_TAG_LENGTH characters of GITHUB_SHA or HEAD>)
  COMPOSE_FILES            colon-separated local compose files to copy and use
                           (default: $DEFAULT_COMPOSE_FILE); overrides go after the base file
  COMPOSE_PROJECT_NAME     compose project on the server (default: the server's env file,
                           else the compose file's name)
  REGISTRY_USER, REGISTRY_PASSWORD
                           registry login for this deploy only; the password travels on stdin
  DEPLOY_WAIT_TIMEOUT      seconds the services may take to become healthy
  DEPLOY_ENVIRONMENT       name of the target for the summary (default: server)
  GITHUB_STEP_SUMMARY, GITHUB_OUTPUT
                           written when set (GitHub Actions): a Markdown summary; outputs
                           tag, result, exit-code and message

Exit codes: those of $DEPLOY_SCRIPT (or $DEPLOY_CHECK_SCRIPT), and
$(exit_codes_help)
USAGE
}

mode=${1:-deploy}
case $mode in
  -h | --help) usage; exit 0 ;;
  deploy | check) ;;
  *) printf 'remote-deploy: unknown command %s (deploy or check)\n' "$mode" >&2; exit "$EXIT_USAGE" ;;
esac

missing=()
[ -n "${SSH_HOST:-}" ] || missing+=(SSH_HOST)
[ -n "${SSH_USER:-}" ] || missing+=(SSH_USER)
[ -n "${SSH_KEY:-}${SSH_KEY_FILE:-}" ] || missing+=("SSH_KEY (or SSH_KEY_FILE)")
[ -n "${SSH_KNOWN_HOSTS:-}${SSH_KNOWN_HOSTS_FILE:-}" ] || missing+=("SSH_KNOWN_HOSTS (or SSH_KNOWN_HOSTS_FILE)")
if [ ${#missing[@]} -gt 0 ]; then
  joined=$(printf '%s, ' "${missing[@]}")
  printf 'remote-deploy: missing %s (see --help)\n' "${joined%, }" >&2
  exit "$EXIT_USAGE"
fi
port=${SSH_PORT:-22}
deploy_path=${DEPLOY_PATH:-$DEFAULT_DEPLOY_PATH}
environment=${DEPLOY_ENVIRONMENT:-server}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

tag=${IMAGE_TAG:-}
if [ "$mode" = deploy ] && [ -z "$tag" ]; then
  sha=${GITHUB_SHA:-$(git -C "$repo" rev-parse HEAD)}
  tag=$SHA_TAG_PREFIX${sha:0:$SHA_TAG_LENGTH}
fi

compose_files=()
if [ -n "${COMPOSE_FILES:-}" ]; then
  IFS=: read -r -a compose_files <<<"$COMPOSE_FILES"
else
  compose_files=("$repo/$DEFAULT_COMPOSE_FILE")
fi

started=$SECONDS
work=$(mktemp -d)
status=1
log_file=$work/server.log
: >"$log_file"

# q WORD: WORD for the remote POSIX shell: bare when safe, else single-quoted.
q() {
  case $1 in
    '' | *[!A-Za-z0-9_./:=@%+,-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# The GitHub step summary and outputs, written however the run ends.
# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
  local result message seconds=$((SECONDS - started))
  result=$(describe_exit "$mode" "$status")
  if [ "$mode" = deploy ]; then
    message="$(exit_emoji "$mode" "$status") $STACK_NAME $tag -> $environment: $result ($seconds s)"
  else
    message="$(exit_emoji "$mode" "$status") $STACK_NAME checks on $environment: $result"
  fi
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
      printf 'tag=%s\n' "$tag"
      printf 'result=%s\n' "$result"
      printf 'exit-code=%s\n' "$status"
      printf 'message=%s\n' "$message"
    } >>"$GITHUB_OUTPUT"
  fi
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
      printf '### %s\n\n' "$message"
      printf '| | |\n|---|---|\n'
      printf '| environment | %s |\n' "$environment"
      if [ "$mode" = deploy ]; then printf '| image tag | <code>%s</code> |\n' "$tag"; fi
      printf '| result | %s (exit %s) |\n' "$result" "$status"
      printf '| duration | %s s |\n\n' "$seconds"
      printf '<details><summary>Server log</summary>\n\n```text\n'
      tail -n 400 "$log_file"
      printf '```\n\n</details>\n'
    } >>"$GITHUB_STEP_SUMMARY"
  fi
  rm -rf "$work"
}
trap finish EXIT

umask 077
if [ -n "${SSH_KEY:-}" ]; then
  # OpenSSH rejects a key file without its final newline or with CRs; pasted secrets have either.
  printf '%s\n' "${SSH_KEY//$'\r'/}" >"$work/key"
  key_file=$work/key
else
  key_file=$SSH_KEY_FILE
fi
if [ -n "${SSH_KNOWN_HOSTS:-}" ]; then
  printf '%s\n' "${SSH_KNOWN_HOSTS//$'\r'/}" >"$work/known_hosts"
  known_hosts=$work/known_hosts
else
  known_hosts=$SSH_KNOWN_HOSTS_FILE
fi
# Only the pinned host key is trusted: no ~/.ssh/config, no global known_hosts, no prompt.
ssh_options=(-F none -p "$port" -i "$key_file" -o IdentitiesOnly=yes -o BatchMode=yes
  -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$known_hosts" -o GlobalKnownHostsFile=/dev/null
  -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o LogLevel=ERROR)
# shellcheck disable=SC2029 # the command is built and quoted here, for the server's shell
remote() { ssh "${ssh_options[@]}" "$SSH_USER@$SSH_HOST" "$1"; }

# ---------------------------------------------------------------- copy

# deploy: the compose file(s) and server scripts go to a staging directory next to the
# deploy state; deploy.sh moves them into place once it holds the lock. check: nothing is
# copied, the checks run against what is deployed.
remote_files=()
for file in "${compose_files[@]}"; do remote_files+=(--file "$(basename "$file")"); done
staging=$STATE_DIR/incoming.$(date -u +%Y%m%dT%H%M%SZ).$$
if [ "$mode" = deploy ]; then
  bundle=$work/bundle
  mkdir -p "$bundle/$(dirname "$DEPLOY_SCRIPT")"
  for file in "${compose_files[@]}"; do
    name=$(basename "$file")
    if [ ! -f "$file" ]; then
      echo "remote-deploy: compose file $file not found" >&2
      status=$EXIT_USAGE
      exit "$status"
    fi
    if [ -e "$bundle/$name" ]; then
      echo "remote-deploy: two compose files are named $name" >&2
      status=$EXIT_USAGE
      exit "$status"
    fi
    cp "$file" "$bundle/$name"
  done
  for script in "${SERVER_SCRIPTS[@]}"; do cp "$repo/$script" "$bundle/$script"; done
  chmod -R go+rX "$bundle"

  echo "remote-deploy: copy ${compose_files[*]##*/} and ${SERVER_SCRIPTS[*]} to $SSH_USER@$SSH_HOST:$deploy_path/$staging"
  if tar -C "$bundle" -cf - . | remote "mkdir -p $(q "$deploy_path/$staging") && tar --no-same-owner -xf - -C $(q "$deploy_path/$staging")"; then
    :
  else
    status=$?
    if [ "$status" -ne "$EXIT_SSH" ]; then status=$EXIT_COPY; fi
    echo "remote-deploy: $(describe_exit "$mode" "$status")" >&2
    exit "$status"
  fi
fi

# ---------------------------------------------------------------- run

command="cd $(q "$deploy_path") &&"
if [ "$mode" = deploy ]; then
  command+=" ./$staging/$DEPLOY_SCRIPT --install-from $(q "$staging")"
  if [ -n "${DEPLOY_WAIT_TIMEOUT:-}" ]; then command+=" --wait-timeout $(q "$DEPLOY_WAIT_TIMEOUT")"; fi
  if [ -n "${REGISTRY_USER:-}" ]; then command+=" --registry-user $(q "$REGISTRY_USER") --registry-password-stdin"; fi
else
  command+=" ./$DEPLOY_CHECK_SCRIPT"
fi
for arg in "${remote_files[@]}"; do command+=" $(q "$arg")"; done
if [ -n "${COMPOSE_PROJECT_NAME:-}" ]; then command+=" --project-name $(q "$COMPOSE_PROJECT_NAME")"; fi
if [ "$mode" = deploy ]; then command+=" $(q "$tag")"; fi

echo "remote-deploy: run $command"
run_remote() {
  if [ "$mode" = deploy ] && [ -n "${REGISTRY_USER:-}" ]; then
    # The password goes on stdin: never on a command line, never into the server's environment.
    printf '%s\n' "${REGISTRY_PASSWORD:-}" | remote "$command"
  else
    remote "$command" </dev/null
  fi
}
if run_remote 2>&1 | tee -a "$log_file"; then status=0; else status=$?; fi
echo "remote-deploy: $(exit_emoji "$mode" "$status") $(describe_exit "$mode" "$status") (exit $status)"
exit "$status"
