# Shared by the operations scripts (backup.sh, restore.sh), after compose-options.bash and
# settings.bash. Needs: SCRIPT_NAME, IMAGE_TAG_VARIABLE, DEPLOYED_TAG_FILE, STATE_DIR,
# LOCK_FILE, LOCK_OWNER_FILE, BACKUP_SERVICE, BACKUP_COMMAND, EXIT_PREFLIGHT, EXIT_LOCKED.

log() { printf '%s %-9s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >&2; }

preflight() {
  command -v docker >/dev/null 2>&1 || { log preflight "FAILED: docker is not installed"; exit "$EXIT_PREFLIGHT"; }
  docker compose version >/dev/null 2>&1 || { log preflight "FAILED: the docker compose v2 plugin is not installed"; exit "$EXIT_PREFLIGHT"; }
  local file
  for file in "${files[@]}"; do
    [ -f "$file" ] || { log preflight "FAILED: compose file $file not found in $PWD"; exit "$EXIT_PREFLIGHT"; }
  done
  [ -f "$env_file" ] || { log preflight "FAILED: $env_file not found in $PWD"; exit "$EXIT_PREFLIGHT"; }
}

# The tag the stack runs: the last good deploy's, else IMAGE_TAG as compose resolves it. A
# restore or a one-off backup container never switches the stack to another version.
running_tag() {
  if [ -f "$DEPLOYED_TAG_FILE" ]; then cat "$DEPLOYED_TAG_FILE"; else setting "$IMAGE_TAG_VARIABLE" latest; fi
}

# compose_at TAG ARGS...: docker compose with the image tag set (the shell beats the env file).
compose_at() {
  local at=$1
  shift
  env "$IMAGE_TAG_VARIABLE=$at" docker compose "${compose_args[@]}" "$@"
}

# The deploy's lock: a restore, a deploy and a manual backup never overlap.
take_lock() { # WHAT
  mkdir -p "$STATE_DIR"
  exec 9>>"$LOCK_FILE"
  if ! flock --nonblock 9; then
    log lock "refused: a deploy or restore is running ($(cat "$LOCK_OWNER_FILE" 2>/dev/null || echo 'owner unknown')); try again when it has finished"
    exit "$EXIT_LOCKED"
  fi
  printf '%s, pid %s, since %s\n' "$1" "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$LOCK_OWNER_FILE"
  trap 'rm -f "$LOCK_OWNER_FILE"' EXIT
}

# runner TAG ARGS...: the backup runner in the running backup container, else in a one-off one.
# Its stdin is /dev/null: `exec -T`/`run -T` would otherwise read the script's stdin, which is
# the operator's next pasted commands (or the rest of a script piped into a remote shell).
runner() {
  local at=$1
  shift
  if [ -n "$(compose_at "$at" ps --status running --quiet "$BACKUP_SERVICE" 2>/dev/null)" ]; then
    compose_at "$at" exec -T "$BACKUP_SERVICE" "$BACKUP_COMMAND" "$@" </dev/null
  else
    compose_at "$at" run --rm --no-deps -T "$BACKUP_SERVICE" "$BACKUP_COMMAND" "$@" </dev/null
  fi
}
