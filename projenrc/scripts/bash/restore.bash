usage() {
  cat <<USAGE
Usage: $0 [options] BACKUP

Replaces the database of the stack in this directory with BACKUP: a backup name in the
backup volume (scripts/backup.sh list) or a pg_dump -Fc file on this machine (for example one
of $DEFAULT_BACKUP_DIR/, or an off-site copy decrypted with age). Everything written since that
backup is lost; the current database is backed up first (label pre-restore).

Steps: lock, preflight, database up, verify the archive, pre-restore backup, stop the writers (${WRITERS[*]}) and
the scheduled backups, restore (the archive is read completely before the database is
dropped), migrate, start every service, check. The stack keeps the tag it runs
($DEPLOYED_TAG_FILE, else $IMAGE_TAG_VARIABLE).

Options:
  -y, --yes                replace the database without asking (needed when stdin is not a terminal)
      --wait-timeout SECONDS  how long the services may take to become healthy (default: $DEFAULT_WAIT_TIMEOUT)
  -f, --file FILE          compose file; repeat to add overrides
                           (default: \$COMPOSE_FILE, else $DEFAULT_COMPOSE_FILE)
  -p, --project-name NAME  compose project (default: COMPOSE_PROJECT_NAME from the
                           environment or the env file, else the compose file's name)
      --env-file FILE      production settings (default: $DEFAULT_ENV_FILE)
  -h, --help               show this help

Exit codes:
$(exit_codes_help)
USAGE
}

source_name=""
yes=false
wait_timeout=$DEFAULT_WAIT_TIMEOUT
script_option() {
  case $1 in
    -y | --yes) yes=true; consumed=1 ;;
    --wait-timeout) need_value "$@"; wait_timeout=$2; consumed=2 ;;
    -*) ;;
    *)
      if [ -n "$source_name" ]; then usage_error "one BACKUP only (got $source_name and $1)"; fi
      source_name=$1
      consumed=1
      ;;
  esac
}
parse_options "$@"
if [ -z "$source_name" ]; then usage_error "which BACKUP? a name from scripts/backup.sh list, or a .dump file"; fi
if ! [[ $wait_timeout =~ ^[1-9][0-9]*$ ]]; then usage_error "--wait-timeout needs a number of seconds"; fi

# Command output, indented under the step that runs it.
indent() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do printf '            | %s\n' "$line" >&2; done
}

started=$(date +%s)
current_step=start
step() {
  current_step=$1
  log "$1" "$2"
}
# fail_at CODE MESSAGE: a failure, with what state the stack is in.
fail_at() {
  log "$current_step" "FAILED: $2"
  exit "$1"
}

# Containers that are not well (starting, unhealthy, restarting, exited with an error).
not_ready() {
  compose_at "$tag" ps --all --format '{{.Service}}|{{.State}}|{{.Health}}|{{.ExitCode}}' "$@" |
    awk -F'|' '($2 == "running" && ($3 == "starting" || $3 == "unhealthy")) || ($2 != "running" && $2 != "exited") || ($2 == "exited" && $4 != 0) {
      print $1 " is " $2 ($3 == "" ? "" : " (" $3 ")") }'
}
converge() { # [SERVICE...]
  local waiting
  compose_at "$tag" up --detach --wait --wait-timeout "$wait_timeout" "$@" 2>&1 | indent || return 1
  waiting=$(not_ready "$@") || return 1
  if [ -n "$waiting" ]; then
    printf '%s\n' "$waiting" | indent
    return 1
  fi
}

# ---------------------------------------------------------------- the restore

preflight
tag=$(running_tag)
source_file=""
if [ -f "$source_name" ]; then
  source_file=$source_name
  [ -s "$source_file" ] || usage_error "$source_file is empty"
fi

if [ "$yes" != true ]; then
  [ -t 0 ] || usage_error "this replaces the database; add --yes to confirm"
  database=$(setting "$DATABASE_NAME_VARIABLE" "$DEFAULT_DATABASE_NAME")
  printf 'Replace database %s with %s? Everything written since that backup is lost.\nType the database name to confirm: ' "$database" "$source_name" >&2
  IFS= read -r answer
  [ "$answer" = "$database" ] || { log restore "not confirmed; nothing changed"; exit "$EXIT_USAGE"; }
fi
# From here on nothing reads the operator's stdin (their next pasted commands, or the rest of a script
# piped into a remote shell): compose run/exec would swallow it. Only the archive is streamed.
exec </dev/null

take_lock "restore $source_name"
log restore "$source_name into the stack in $PWD (tag $tag)"

step database "$DATABASE_SERVICE up and healthy"
converge "$DATABASE_SERVICE" || fail_at "$EXIT_PREFLIGHT" "$DATABASE_SERVICE is not healthy; nothing changed"
if [ -z "$source_file" ]; then
  runner "$tag" list | cut -f1 | grep -xF "$source_name" >/dev/null ||
    fail_at "$EXIT_USAGE" "no file $source_name here and no backup of that name in the volume (scripts/backup.sh list); nothing changed"
fi

step verify "$source_name is a readable pg_dump archive"
if [ -n "$source_file" ]; then
  compose_at "$tag" run --rm --no-deps -T "$BACKUP_SERVICE" "$BACKUP_COMMAND" verify - <"$source_file" 2>&1 | indent
else
  compose_at "$tag" run --rm --no-deps -T "$BACKUP_SERVICE" "$BACKUP_COMMAND" verify "$source_name" 2>&1 | indent
fi || fail_at "$EXIT_USAGE" "$source_name cannot be restored (see above); nothing changed"

step backup "the current database first (label pre-restore)"
safety=$(runner "$tag" now --label pre-restore --if-not-empty 2> >(indent)) ||
  fail_at "$EXIT_SAFETY_BACKUP" "could not back up the current database; nothing changed"
log backup "${safety:-skipped: the database has no tables}"

step stop "${WRITERS[*]} and $BACKUP_SERVICE (the data must not change underneath)"
compose_at "$tag" stop "${WRITERS[@]}" "$BACKUP_SERVICE" 2>&1 | indent ||
  fail_at "$EXIT_RESTORE" "could not stop ${WRITERS[*]}; the database was not touched; start them: docker compose ${compose_args[*]} up -d"

step restore "$source_name"
if [ -n "$source_file" ]; then
  compose_at "$tag" run --rm --no-deps -T "$BACKUP_SERVICE" "$BACKUP_COMMAND" restore - <"$source_file" 2>&1 | indent
else
  compose_at "$tag" run --rm --no-deps -T "$BACKUP_SERVICE" "$BACKUP_COMMAND" restore "$source_name" 2>&1 | indent
fi || fail_at "$EXIT_RESTORE" "the database was not restored; ${WRITERS[*]} are stopped.${safety:+ The database before: $safety (scripts/restore.sh $safety).} Fix the cause and run the restore again."

step migrate "the one-shot $MIGRATE_SERVICE (the backup may predate the running release)"
compose_at "$tag" run --rm --no-deps --no-TTY "$MIGRATE_SERVICE" 2>&1 | indent ||
  fail_at "$EXIT_MIGRATE" "migrations failed on the restored database; ${WRITERS[*]} are stopped"

step start "every service at $tag"
converge || fail_at "$EXIT_START" "not every service became healthy after the restore"

step check "$DEPLOY_CHECK_SCRIPT --expect-tag $tag"
"./$DEPLOY_CHECK_SCRIPT" "${compose_args[@]}" --expect-tag "$tag" 2>&1 | indent ||
  fail_at "$EXIT_START" "the stack runs, but a check failed after the restore (see above)"

log restored "$source_name in $(($(date +%s) - started)) s${safety:+ (the database before it: $safety)}"
exit "$EXIT_OK"
