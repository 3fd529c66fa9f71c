# Runs inside the backup container (its CMD is `schedule`). Needs, from the derived block:
# STACK_NAME, BACKUP_DIR, STATE_DIR, RUN_DIR, ENV_FILE_NAME, ENV_COPY_VARIABLES, the
# SUPERUSER/PASSWORD/DATABASE_VARIABLE names, DEFAULT_TIME, DEFAULT_KEEP_DAILY,
# DEFAULT_KEEP_WEEKLY and the EXIT_* codes. The environment gives PGHOST, PGPORT, the
# database variables, METRICS_PORT and the BACKUP_* settings.
umask 077

usage() {
  cat <<USAGE
Usage: dialogstack-backup COMMAND

Commands:
  schedule              every day at BACKUP_TIME (UTC): a backup, then the old ones pruned;
                        serves the backup metrics on METRICS_PORT (the container's command)
  now [--label WORD] [--if-not-empty]
                        one backup now; prints its name. A labelled backup is never pruned.
                        --if-not-empty: skip when the database has no tables
  list                  the backups in $BACKUP_DIR, newest first
  restore NAME|-        replace the database with backup NAME (or a dump on stdin); the
                        archive is read completely before the database is touched
  verify NAME|-         exit 0 when backup NAME (or stdin) is a readable pg_dump archive
  cat NAME              write backup NAME to stdout
  health                exit 0 while the scheduler is alive (the container's health check)

A backup is $BACKUP_DIR/$STACK_NAME-<UTC time>[-label].dump (pg_dump -Fc) and, when
BACKUP_AGE_RECIPIENT is set (age recipients, comma-separated), $ENV_FILE_NAME encrypted with
age beside it (.env.age).
With BACKUP_OFFSITE (an rclone remote, e.g. :sftp,host=backup.example.com,user=me:dialogstack)
both are copied there encrypted, and pruned there by the same rules.

Settings: BACKUP_TIME (HH:MM UTC, default $DEFAULT_TIME), BACKUP_KEEP_DAILY (newest backup of
each of that many days, default $DEFAULT_KEEP_DAILY), BACKUP_KEEP_WEEKLY (and of that many ISO
weeks, default $DEFAULT_KEEP_WEEKLY), BACKUP_OFFSITE, BACKUP_AGE_RECIPIENT.

Exit codes:
$(exit_codes_help)
USAGE
}

log() { printf '%s backup %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() { # CODE MESSAGE
  log "FAILED: $2"
  exit "$1"
}

# ---------------------------------------------------------------- settings

backup_time=${BACKUP_TIME:-$DEFAULT_TIME}
keep_daily=${BACKUP_KEEP_DAILY:-$DEFAULT_KEEP_DAILY}
keep_weekly=${BACKUP_KEEP_WEEKLY:-$DEFAULT_KEEP_WEEKLY}
offsite=${BACKUP_OFFSITE:-}
# Comma-separated (an ssh public key has spaces in it).
recipients=()
IFS=, read -r -a listed <<<"${BACKUP_AGE_RECIPIENT:-}"
for r in "${listed[@]}"; do
  r=$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$r")
  if [ -n "$r" ]; then recipients+=("$r"); fi
done

# Every problem at once, each naming its variable; never a secret's value.
check_settings() {
  local problems=() r
  [[ $backup_time =~ ^([01][0-9]|2[0-3]):[0-5][0-9]$ ]] || problems+=("BACKUP_TIME must be HH:MM (UTC), e.g. 03:30")
  [[ $keep_daily =~ ^[1-9][0-9]*$ ]] || problems+=("BACKUP_KEEP_DAILY must be a whole number, at least 1")
  [[ $keep_weekly =~ ^[0-9]+$ ]] || problems+=("BACKUP_KEEP_WEEKLY must be a whole number")
  for r in "${recipients[@]}"; do
    age --encrypt --recipient "$r" --output /dev/null </dev/null 2>/dev/null ||
      problems+=("BACKUP_AGE_RECIPIENT: '$r' is not an age recipient (age1..., or an ssh-ed25519/ssh-rsa public key)")
  done
  if [ -n "$offsite" ] && [ ${#recipients[@]} -eq 0 ]; then
    problems+=("BACKUP_OFFSITE is set but BACKUP_AGE_RECIPIENT is not: copies that leave the server are always encrypted")
  fi
  if [ ${#problems[@]} -gt 0 ]; then
    printf 'invalid backup settings:\n' >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit "$EXIT_SETTINGS"
  fi
}

export PGUSER=${!SUPERUSER_VARIABLE:-} PGPASSWORD=${!PASSWORD_VARIABLE:-} PGDATABASE=${!DATABASE_VARIABLE:-}
export PGCONNECT_TIMEOUT=10 PGAPPNAME=dialogstack-backup

# ---------------------------------------------------------------- state and metrics

mkdir -p "$STATE_DIR" "$RUN_DIR/www"

# state NAME [VALUE]: read (default 0) or write one number kept in the volume.
state() {
  if [ $# -eq 2 ]; then
    # A temporary name of this process's own: `backup.sh now` (docker compose exec) runs beside
    # the schedule's loop in the same container, and both write here.
    printf '%s\n' "$2" >"$STATE_DIR/$1.$BASHPID" && mv "$STATE_DIR/$1.$BASHPID" "$STATE_DIR/$1"
  else
    cat "$STATE_DIR/$1" 2>/dev/null || echo 0
  fi
}

backups_newest_first() {
  find "$BACKUP_DIR" -maxdepth 1 -name "$STACK_NAME-*.dump" -printf '%f\n' | sort -r
}

# Prometheus text format, written whole then renamed: a scrape never sees half a file. The
# temporary name is this process's own (see state): two writers must not rename each other's file.
write_metrics() {
  local file=$RUN_DIR/www/metrics count last_success
  count=$(backups_newest_first | wc -l)
  last_success=$(state last_success)
  # Before the first backup, the schedule's start: an alert on the age waits a full day.
  if [ "$last_success" = 0 ]; then last_success=$(state first_started); fi
  {
    echo '# HELP backup_last_success_timestamp_seconds End of the last successful backup (before the first one: when the schedule started).'
    echo '# TYPE backup_last_success_timestamp_seconds gauge'
    echo "backup_last_success_timestamp_seconds $last_success"
    echo '# HELP backup_last_failure_timestamp_seconds End of the last failed backup (0: none).'
    echo '# TYPE backup_last_failure_timestamp_seconds gauge'
    echo "backup_last_failure_timestamp_seconds $(state last_failure)"
    echo '# HELP backup_failures_total Failed backups.'
    echo '# TYPE backup_failures_total counter'
    echo "backup_failures_total $(state failures)"
    echo '# HELP backup_last_duration_seconds How long the last successful backup took.'
    echo '# TYPE backup_last_duration_seconds gauge'
    echo "backup_last_duration_seconds $(state last_duration)"
    echo '# HELP backup_last_size_bytes Size of the last successful database dump.'
    echo '# TYPE backup_last_size_bytes gauge'
    echo "backup_last_size_bytes $(state last_size)"
    echo '# HELP backup_local_files Backups kept in the backup volume.'
    echo '# TYPE backup_local_files gauge'
    echo "backup_local_files $count"
    if [ -n "$offsite" ]; then
      echo '# HELP backup_offsite_last_success_timestamp_seconds End of the last successful off-site copy.'
      echo '# TYPE backup_offsite_last_success_timestamp_seconds gauge'
      echo "backup_offsite_last_success_timestamp_seconds $(state offsite_last_success)"
    fi
    echo '# HELP backup_next_run_timestamp_seconds When the next scheduled backup starts.'
    echo '# TYPE backup_next_run_timestamp_seconds gauge'
    echo "backup_next_run_timestamp_seconds $(state next_run)"
  } >"$file.$BASHPID"
  mv "$file.$BASHPID" "$file"
}

# ---------------------------------------------------------------- backup

# The env file as the stack sees it: every variable the stack declares, with its value in
# this container (compose passes each from the server's env file, defaults applied).
env_copy() {
  local name value
  printf '# %s of %s, rebuilt by the backup service at %s\n' "$ENV_FILE_NAME" "$STACK_NAME" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for name in "${ENV_COPY_VARIABLES[@]}"; do
    value=${!name-}
    if [[ $value == *"'"* ]]; then
      value=${value//\\/\\\\}
      value=${value//\"/\\\"}
      printf '%s="%s"\n' "$name" "${value//\$/\$\$}"
    else
      printf "%s='%s'\n" "$name" "$value"
    fi
  done
}

encrypt() { # IN OUT
  local args=() r
  for r in "${recipients[@]}"; do args+=(--recipient "$r"); done
  age --encrypt "${args[@]}" --output "$2" "$1"
}

database_is_empty() {
  local tables
  tables=$(psql --no-psqlrc --tuples-only --no-align --command \
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')") || return 1
  [ "$tables" = 0 ]
}

# One backup: dump, env copy, off-site copy, prune. Prints the backup's name.
backup_now() {
  local label="" if_not_empty=false started name base size
  while [ $# -gt 0 ]; do
    case $1 in
      --label) [[ ${2-} =~ ^[a-z0-9-]{1,40}$ ]] || fail "$EXIT_USAGE" "--label needs a word of a-z, 0-9 and -"; label=$2; shift 2 ;;
      --if-not-empty) if_not_empty=true; shift ;;
      *) fail "$EXIT_USAGE" "now: unknown option $1" ;;
    esac
  done
  exec 8>"$STATE_DIR/lock"
  flock 8 # one backup at a time: the schedule and a manual one queue
  started=$(date +%s)
  if [ "$if_not_empty" = true ] && database_is_empty; then
    log "skipped: the database has no tables"
    return 0
  fi
  base=$STACK_NAME-$(date -u +%Y%m%dT%H%M%SZ)${label:+-$label}
  name=$base.dump
  log "dump of $PGDATABASE on $PGHOST into $name"
  if ! pg_dump --format=custom --no-password --file="$BACKUP_DIR/$name.partial" ||
    ! pg_restore --list "$BACKUP_DIR/$name.partial" >/dev/null; then
    rm -f "$BACKUP_DIR/$name.partial"
    backup_failed "pg_dump of $PGDATABASE failed"
  fi
  mv "$BACKUP_DIR/$name.partial" "$BACKUP_DIR/$name"
  size=$(stat -c %s "$BACKUP_DIR/$name")
  if [ ${#recipients[@]} -gt 0 ]; then
    if ! env_copy >"$RUN_DIR/env" || ! encrypt "$RUN_DIR/env" "$BACKUP_DIR/$base.env.age"; then
      rm -f "$RUN_DIR/env"
      backup_failed "encrypting $ENV_FILE_NAME failed"
    fi
    rm -f "$RUN_DIR/env"
    log "$ENV_FILE_NAME encrypted into $base.env.age"
  else
    log "$ENV_FILE_NAME not copied: set BACKUP_AGE_RECIPIENT to keep an encrypted copy with every backup"
  fi
  if [ -n "$offsite" ]; then copy_offsite "$base" || backup_failed "the off-site copy to ${offsite%%:*}: failed (the local backup $name is kept)"; fi
  if [ -z "$label" ]; then prune; fi
  state last_success "$(date +%s)"
  state last_duration $(($(date +%s) - started))
  state last_size "$size"
  write_metrics
  log "done: $name ($size bytes) in $(($(date +%s) - started)) s"
  printf '%s\n' "$name"
}

backup_failed() {
  state last_failure "$(date +%s)"
  state failures $(($(state failures) + 1))
  write_metrics
  fail "$EXIT_BACKUP" "$1"
}

copy_offsite() { # BASE
  local tmp=$RUN_DIR/offsite
  mkdir -p "$tmp"
  encrypt "$BACKUP_DIR/$1.dump" "$tmp/$1.dump.age" || return 1
  if [ -f "$BACKUP_DIR/$1.env.age" ]; then cp "$BACKUP_DIR/$1.env.age" "$tmp/"; fi
  if ! rclone copy --no-traverse --config /dev/null "$tmp" "$offsite" 2>&1 | sed 's/^/  rclone: /' >&2; then
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$tmp"
  state offsite_last_success "$(date +%s)"
  log "copied to the off-site target, encrypted"
  prune_offsite
}

# ---------------------------------------------------------------- retention

# Reads backup base names newest first; prints those to keep: the newest of each of the
# last keep_daily UTC days with a backup, and the newest of each of the last keep_weekly ISO
# weeks. Labelled backups (pre-restore, manual) are never pruned.
keep_set() {
  local base stamp day week keep
  local -A days=() weeks=()
  while IFS= read -r base; do
    [ -n "$base" ] || continue
    stamp=${base#"$STACK_NAME"-}
    if [ ${#stamp} -gt 16 ]; then
      printf '%s\n' "$base"
      continue
    fi
    day=${stamp:0:8}
    week=$(date -u -d "${day:0:4}-${day:4:2}-${day:6:2}" +%G-W%V)
    keep=false
    if [ -z "${days[$day]-}" ] && [ ${#days[@]} -lt "$keep_daily" ]; then days[$day]=1; keep=true; fi
    if [ -z "${weeks[$week]-}" ] && [ ${#weeks[@]} -lt "$keep_weekly" ]; then weeks[$week]=1; keep=true; fi
    if [ "$keep" = true ]; then printf '%s\n' "$base"; fi
  done
}

prune() {
  local bases keep base removed=0
  bases=$(backups_newest_first | sed 's/\.dump$//')
  keep=$(keep_set <<<"$bases")
  while IFS= read -r base; do
    [ -n "$base" ] || continue
    if ! grep -qxF "$base" <<<"$keep"; then
      rm -f "$BACKUP_DIR/$base.dump" "$BACKUP_DIR/$base.env.age"
      removed=$((removed + 1))
    fi
  done <<<"$bases"
  if [ "$removed" -gt 0 ]; then log "pruned $removed old backup(s); keeping $keep_daily daily, $keep_weekly weekly"; fi
}

prune_offsite() {
  local files bases keep file
  files=$(rclone lsf --files-only --config /dev/null "$offsite" 2>/dev/null) || { log "warning: cannot list the off-site target to prune it"; return 0; }
  bases=$(grep -E "^$STACK_NAME-[0-9]{8}T[0-9]{6}Z.*\.dump\.age$" <<<"$files" | sed 's/\.dump\.age$//' | sort -r)
  keep=$(keep_set <<<"$bases")
  while IFS= read -r file; do
    case $file in "$STACK_NAME"-*.age) ;; *) continue ;; esac
    if ! grep -qxF "${file%%.*}" <<<"$keep"; then
      rclone deletefile --config /dev/null "${offsite%/}/$file" 2>/dev/null || log "warning: could not prune $file off-site"
    fi
  done <<<"$files"
}

# ---------------------------------------------------------------- restore

# backup_file NAME|-: the path of a backup in the volume, or of stdin saved to a temporary
# file (the caller removes it: see `incoming`). Exits with a usage error for anything else.
incoming=""
backup_file() {
  local source=${1-}
  [ -n "$source" ] || fail "$EXIT_USAGE" "which backup? a name (see list) or - for stdin"
  if [ "$source" = - ]; then
    cat >"$BACKUP_DIR/.incoming-$$.dump"
    printf '%s' "$BACKUP_DIR/.incoming-$$.dump"
    return 0
  fi
  [[ $source =~ ^[A-Za-z0-9._-]+$ ]] || fail "$EXIT_USAGE" "'$source' is not a backup name (see list)"
  [ -f "$BACKUP_DIR/$source" ] || fail "$EXIT_USAGE" "no backup $source in $BACKUP_DIR (see list)"
  printf '%s' "$BACKUP_DIR/$source"
}

verify() { # NAME|-
  local file
  file=$(backup_file "${1-}")
  if [ "${1-}" = - ]; then incoming=$file; trap 'rm -f "$incoming"' EXIT; fi
  pg_restore --list "$file" >/dev/null 2>&1 || fail "$EXIT_RESTORE_INPUT" "${1-} is not a pg_dump archive (custom format)"
  log "${1-} is a readable pg_dump archive"
}

# The whole archive is on disk and readable before the database is dropped.
restore() { # NAME|-
  local source=${1-} file
  file=$(backup_file "$source")
  if [ "$source" = - ]; then incoming=$file; trap 'rm -f "$incoming"' EXIT; fi
  pg_restore --list "$file" >/dev/null 2>&1 || fail "$EXIT_RESTORE_INPUT" "$source is not a pg_dump archive (custom format); the database was not touched"
  log "replacing database $PGDATABASE with $source"
  psql --no-psqlrc --dbname postgres --set ON_ERROR_STOP=1 --set db="$PGDATABASE" --quiet \
    --command 'SELECT 1' >/dev/null || fail "$EXIT_RESTORE" "cannot connect to the database server"
  # Sessions are terminated (FORCE): the writers are stopped by then; anything else is cut off.
  psql --no-psqlrc --dbname postgres --set ON_ERROR_STOP=1 --set db="$PGDATABASE" --quiet <<'SQL' || fail "$EXIT_RESTORE" "could not drop database $PGDATABASE"
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
SQL
  # --create recreates it with its owner, settings and grants, as the archive recorded them.
  pg_restore --create --dbname postgres --exit-on-error --no-password "$file" ||
    fail "$EXIT_RESTORE" "pg_restore failed; database $PGDATABASE is incomplete: restore again (a pre-restore backup may exist: list)"
  log "restored $source into $PGDATABASE"
}

# ---------------------------------------------------------------- schedule

next_occurrence() { # prints the next BACKUP_TIME (UTC) after now, as epoch seconds
  local today
  today=$(date -u -d "today $backup_time" +%s)
  if [ "$today" -gt "$(date +%s)" ]; then printf '%s' "$today"; else date -u -d "tomorrow $backup_time" +%s; fi
}

schedule() {
  local httpd now last wait_for next_run
  check_settings
  if [ "$(state first_started)" = 0 ]; then state first_started "$(date +%s)"; fi
  # A day without a successful backup (or none yet): one soon, once the stack has settled.
  last=$(state last_success)
  next_run=$(next_occurrence)
  if [ $(($(date +%s) - last)) -gt 86400 ]; then next_run=$(($(date +%s) + 60)); fi
  state next_run "$next_run"
  write_metrics
  busybox httpd -f -p "${METRICS_PORT:?METRICS_PORT is not set}" -h "$RUN_DIR/www" &
  httpd=$!
  trap 'log "stopping"; kill "$httpd" 2>/dev/null; exit 0' TERM INT
  log "scheduled daily at $backup_time UTC (next: $(date -u -d "@$next_run" +%Y-%m-%dT%H:%M:%SZ)); metrics on :$METRICS_PORT/metrics"
  while true; do
    now=$(date +%s)
    if [ "$now" -ge "$next_run" ]; then
      (backup_now) >/dev/null || log "the scheduled backup failed; next attempt at the next scheduled time"
      next_run=$(next_occurrence)
      state next_run "$next_run"
    fi
    kill -0 "$httpd" 2>/dev/null || fail "$EXIT_BACKUP" "the metrics server stopped"
    touch "$RUN_DIR/heartbeat"
    write_metrics
    wait_for=$((next_run - $(date +%s)))
    if [ "$wait_for" -gt 30 ]; then wait_for=30; fi
    if [ "$wait_for" -lt 1 ]; then wait_for=1; fi
    sleep "$wait_for" &
    wait $! || true
  done
}

health() {
  local beat
  beat=$(stat -c %Y "$RUN_DIR/heartbeat" 2>/dev/null) || exit 1
  [ $(($(date +%s) - beat)) -lt 120 ]
}

list() {
  local name
  backups_newest_first | while IFS= read -r name; do
    printf '%s\t%s\t%s\n' "$name" "$(stat -c %s "$BACKUP_DIR/$name")" "$([ -f "$BACKUP_DIR/${name%.dump}.env.age" ] && echo "+env" || echo "-")"
  done
}

command=${1-}
shift || true
case $command in
  schedule) schedule ;;
  now) check_settings; backup_now "$@" ;;
  list) list ;;
  restore) restore "$@" ;;
  verify) verify "$@" ;;
  cat)
    if ! [[ ${1-} =~ ^[A-Za-z0-9._-]+$ ]] || ! [ -f "$BACKUP_DIR/$1" ]; then fail "$EXIT_USAGE" "cat: no backup ${1-} (see list)"; fi
    cat "$BACKUP_DIR/$1"
    ;;
  health) health ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit "$EXIT_USAGE" ;;
esac
exit "$EXIT_OK"
