# Backups, state and the throwaway registry login are for this account only.
umask 077

usage() {
  cat <<USAGE
Usage: $0 [options] TAG
       $0 [options] --rollback     back to the previous release, exactly
       $0 [options] --releases     list the releases kept on this server

Deploys image tag TAG of the stack in this directory (the deploy directory on the server).
Steps: lock, pull, backup, migrate, switch, check. When migrate, switch or check fails, it
rolls back to the tag recorded in $DEPLOYED_TAG_FILE by the last good deploy. It never runs
\`down\` and never removes a volume.

Each deploy is a release, kept in $RELEASES_DIR/<time>-<tag>/: the compose files it ran,
the checksum of the env file, and the digest (sha256) of every image it pulled. \`current\`
and \`previous\` point at the last two good ones. A rollback (automatic, or --rollback) puts
the previous release's compose files back and runs its images by digest, whatever its tag
points at now. The last --keep-releases are kept; images no kept release uses are removed. The database ($DATABASE_SERVICE) keeps running on its image:
an app deploy never restarts it (--with-database moves it to TAG's image too).

Options:
  -f, --file FILE              compose file; repeat to add overrides
                               (default: \$COMPOSE_FILE, else $DEFAULT_COMPOSE_FILE)
  -p, --project-name NAME      compose project (default: COMPOSE_PROJECT_NAME from the
                               environment or the env file, else the compose file's name)
      --env-file FILE          production settings (default: $DEFAULT_ENV_FILE)
      --wait-timeout SECONDS   how long the services may take to become healthy (default: $DEFAULT_WAIT_TIMEOUT)
      --keep-backups N         database backups to keep (default: $DEFAULT_KEEP_BACKUPS)
      --keep-releases N        releases (and their images) to keep (default: $DEFAULT_KEEP_RELEASES)
      --backup-dir DIR         where backups go (default: $DEFAULT_BACKUP_DIR)
      --registry-user USER     log in to the registry for this deploy only; the password comes
      --registry-password-stdin  from REGISTRY_PASSWORD, or from stdin with this flag
      --with-database          also switch $DATABASE_SERVICE to TAG's image (restarts the database)
      --install-from DIR       first move the files staged in DIR (compose files, scripts) into
                               this directory, once the lock is held (how remote-deploy.sh ships them)
  -h, --help                   show this help

Exit codes:
$(exit_codes_help)
USAGE
}

tag=""
wait_timeout=$DEFAULT_WAIT_TIMEOUT
keep_backups=$DEFAULT_KEEP_BACKUPS
keep_releases=$DEFAULT_KEEP_RELEASES
mode=deploy
backup_dir=$DEFAULT_BACKUP_DIR
registry_user=${REGISTRY_USER:-}
password_from_stdin=false
install_from=""
with_database=false
script_option() {
  case $1 in
    --wait-timeout) need_value "$@"; wait_timeout=$2; consumed=2 ;;
    --keep-backups) need_value "$@"; keep_backups=$2; consumed=2 ;;
    --keep-releases) need_value "$@"; keep_releases=$2; consumed=2 ;;
    --rollback) mode=rollback; consumed=1 ;;
    --releases) mode=releases; consumed=1 ;;
    --backup-dir) need_value "$@"; backup_dir=$2; consumed=2 ;;
    --registry-user) need_value "$@"; registry_user=$2; consumed=2 ;;
    --registry-password-stdin) password_from_stdin=true; consumed=1 ;;
    --install-from) need_value "$@"; install_from=$2; consumed=2 ;;
    --with-database) with_database=true; consumed=1 ;;
    -*) ;;
    *)
      if [ -n "$tag" ]; then usage_error "one TAG only (got $tag and $1)"; fi
      tag=$1
      consumed=1
      ;;
  esac
}
parse_options "$@"
if [ "$mode" != deploy ] && [ -n "$tag" ]; then usage_error "--$mode takes no TAG"; fi
if [ "$mode" = deploy ] && [ -z "$tag" ]; then usage_error "which TAG? e.g. sha-0123abc"; fi
if ! [[ $keep_releases =~ ^[2-9]$|^[1-9][0-9]+$ ]]; then usage_error "--keep-releases needs a number, at least 2"; fi
# Docker's tag grammar: what a registry would refuse anyway, refused before anything runs.
if [ -n "$tag" ] && ! [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then usage_error "'$tag' is not a valid image tag"; fi
if ! [[ $wait_timeout =~ ^[1-9][0-9]*$ ]]; then usage_error "--wait-timeout needs a number of seconds"; fi
if ! [[ $keep_backups =~ ^[1-9][0-9]*$ ]]; then usage_error "--keep-backups needs a number, at least 1"; fi

# compose_at TAG ARGS...: docker compose with the image tag set; the shell environment wins
# over the env file, so the env file's own IMAGE_TAG never decides what a deploy runs.
compose_at() {
  local at=$1
  shift
  env "$IMAGE_TAG_VARIABLE=$at" docker compose "${compose_args[@]}" "$@"
}

# ---------------------------------------------------------------- log

now_us() { printf '%s' "${EPOCHREALTIME/[.,]/}"; }
seconds_since() { # START_US -> "12.3"
  local tenths=$((($(now_us) - $1) / 100000))
  printf '%d.%d' $((tenths / 10)) $((tenths % 10))
}
stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }
log() { printf '%s %-9s %s\n' "$(stamp)" "$1" "$2"; }
# Command output, indented under the step that runs it.
indent() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do printf '            | %s\n' "$line"; done
}
record() { printf '%s %s\n' "$(stamp)" "$1" >>"$HISTORY_FILE"; }

deploy_started=$(now_us)
current_step=start
step_started=$deploy_started
step() {
  current_step=$1
  step_started=$(now_us)
  log "$1" "$2"
}
step_done() { log "$current_step" "done in $(seconds_since "$step_started") s"; }

# abort STEP MESSAGE CODE: a failure before anything changed on the server.
abort() {
  log "$1" "FAILED: $2"
  record "$tag not deployed: $1 failed (exit $3)"
  exit "$3"
}

# ---------------------------------------------------------------- lock, then install the staged files

previous=""
backup_file=""
temp_docker_config=""

lock() {
  mkdir -p "$STATE_DIR"
  exec 9>>"$LOCK_FILE"
  if ! flock --nonblock 9; then
    log lock "refused: another deploy is running ($(cat "$LOCK_OWNER_FILE" 2>/dev/null || echo 'owner unknown')); try again when it has finished"
    if [ -n "$install_from" ]; then rm -rf "$install_from"; fi
    exit "$EXIT_LOCKED"
  fi
  trap cleanup EXIT
  printf '%s, pid %s, since %s\n' "${tag:-$mode}" "$$" "$(stamp)" >"$LOCK_OWNER_FILE"
  if [ -f "$DEPLOYED_TAG_FILE" ]; then previous=$(<"$DEPLOYED_TAG_FILE"); fi
  log deploy "${tag:-$mode} in $PWD (previous: ${previous:-none}; compose files: ${files[*]})"
  install_staged_files
  trap 'log abort "interrupted during $current_step: services may run a mix of ${previous:-the old version} and $tag; deploy again, or deploy ${previous:-a known good tag}"; record "$tag interrupted during $current_step"; exit "$EXIT_INTERRUPTED"' INT TERM HUP
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  rm -f "$LOCK_OWNER_FILE"
  if [ -n "$temp_docker_config" ]; then rm -rf "$temp_docker_config"; fi
}

# Files are replaced only under the lock, by rename: a running deploy never sees its compose
# file or scripts change, and a refused one changes nothing.
install_staged_files() {
  if [ -n "$install_from" ]; then
    [ -d "$install_from" ] || usage_error "--install-from: $install_from is not a directory"
    while IFS= read -r -d '' staged; do
      mkdir -p "$(dirname "$staged")"
      mv -f "$install_from/$staged" "$staged"
    done < <(cd "$install_from" && find . -type f -print0)
    rm -rf "$install_from"
    log install "compose files and scripts from $install_from"
  fi
  # Staging directories of runs that never started (a dropped connection), after a day.
  find "$STATE_DIR" -maxdepth 1 -name 'incoming.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
}

# ---------------------------------------------------------------- preflight, login, pull, backup

preflight() {
  step preflight "docker, compose files, $env_file"
  command -v docker >/dev/null 2>&1 || abort preflight "docker is not installed" "$EXIT_PREFLIGHT"
  docker info >/dev/null 2>&1 || abort preflight "cannot reach the Docker engine (running? may $(id -un) use it?)" "$EXIT_PREFLIGHT"
  docker compose version >/dev/null 2>&1 || abort preflight "the docker compose v2 plugin is not installed" "$EXIT_PREFLIGHT"
  for file in "${files[@]}"; do
    [ -f "$file" ] || abort preflight "compose file $file not found in $PWD" "$EXIT_PREFLIGHT"
  done
  [ -f "$env_file" ] || abort preflight "$env_file not found in $PWD (copy $DEFAULT_ENV_FILE.example and fill it in)" "$EXIT_PREFLIGHT"
  # Its secrets (database passwords, tokens) are for this account only.
  if [ -n "$(find "$env_file" -perm /077)" ]; then
    abort preflight "$env_file is open to other users (mode $(stat -c %a "$env_file")); run: chmod 600 $env_file" "$EXIT_PREFLIGHT"
  fi
  compose_at "$tag" config --quiet 2>&1 | indent || abort preflight "the compose configuration is invalid (see above)" "$EXIT_PREFLIGHT"
  # What the proxy would refuse at start (or get no certificate for), refused before anything changes.
  local name value
  for name in "${PUBLIC_HOST_VARIABLES[@]}"; do
    value=$(setting "$name")
    if ! [[ $value =~ ^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$ ]] || ! [[ $value =~ [A-Za-z] ]]; then
      abort preflight "$name='$value' in $env_file is not a DNS name (the public host the proxy serves, e.g. dashboard.example.com)" "$EXIT_PREFLIGHT"
    fi
  done
  # A webhook URL the proxy would not route to its service: Telegram's posts would go nowhere.
  local entry url_variable host_variable prefix host
  for entry in "${PUBLIC_URL_VARIABLES[@]}"; do
    IFS='|' read -r url_variable host_variable prefix <<<"$entry"
    value=$(setting "$url_variable")
    host=$(setting "$host_variable")
    if [ -n "$value" ] && [[ $value != "https://$host$prefix"?* ]]; then
      abort preflight "$url_variable='$value' in $env_file: the proxy serves it at https://\$$host_variable$prefix... (here https://$host$prefix...)" "$EXIT_PREFLIGHT"
    fi
  done
  value=$(setting "$TLS_ISSUER_VARIABLE" "$DEFAULT_TLS_ISSUER")
  case $value in
    acme) [[ $(setting "$ACME_EMAIL_VARIABLE") =~ ^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$ ]] ||
      abort preflight "$ACME_EMAIL_VARIABLE in $env_file is not an email address (Let's Encrypt needs one with $TLS_ISSUER_VARIABLE=acme)" "$EXIT_PREFLIGHT" ;;
    internal) ;;
    *) abort preflight "$TLS_ISSUER_VARIABLE='$value' in $env_file: use acme or internal" "$EXIT_PREFLIGHT" ;;
  esac
}

# Optional: a registry login for this deploy only, in a throwaway Docker config.
login() {
  if [ -z "$registry_user" ]; then return 0; fi
  local password=${REGISTRY_PASSWORD:-} registry plugins
  if [ "$password_from_stdin" = true ]; then IFS= read -r password || true; fi
  [ -n "$password" ] || abort login "no registry password (REGISTRY_PASSWORD or --registry-password-stdin)" "$EXIT_PREFLIGHT"
  registry=$(setting "$IMAGE_PREFIX_VARIABLE" "$DEFAULT_IMAGE_PREFIX")
  registry=${registry%%/*}
  temp_docker_config=$(mktemp -d)
  plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
  if [ -d "$plugins" ]; then ln -s "$plugins" "$temp_docker_config/cli-plugins"; fi
  export DOCKER_CONFIG=$temp_docker_config
  step login "$registry as $registry_user (for this deploy only)"
  printf '%s\n' "$password" | docker login "$registry" --username "$registry_user" --password-stdin 2>&1 | indent ||
    abort login "docker login $registry failed" "$EXIT_PREFLIGHT"
}

pull() {
  step pull "${PULL_SERVICES[*]} at $tag"
  compose_at "$tag" pull --quiet "${PULL_SERVICES[@]}" 2>&1 | indent ||
    abort pull "cannot pull $tag; nothing was changed${previous:+, $previous keeps running}" "$EXIT_PULL"
  step_done
}

backup() {
  step backup "pg_dump of $DATABASE_SERVICE before migrating"
  if [ -z "$(compose_at "$tag" ps --status running --quiet "$DATABASE_SERVICE" 2>/dev/null)" ]; then
    log backup "skipped: $DATABASE_SERVICE is not running yet (first deploy)"
    return 0
  fi
  mkdir -p "$backup_dir"
  backup_file=$backup_dir/$DATABASE_SERVICE-$(date -u +%Y%m%dT%H%M%SZ)-${previous:-unknown}.dump
  if ! compose_at "$tag" exec -T "$DATABASE_SERVICE" "${DATABASE_DUMP_COMMAND[@]}" >"$backup_file.partial" 2> >(indent) ||
    ! [ -s "$backup_file.partial" ]; then
    rm -f "$backup_file.partial"
    abort backup "pg_dump failed; nothing was changed${previous:+, $previous keeps running}" "$EXIT_BACKUP"
  fi
  mv "$backup_file.partial" "$backup_file"
  log backup "$backup_file ($(du -h "$backup_file" | cut -f1))"
  local backups excess
  shopt -s nullglob
  backups=("$backup_dir/$DATABASE_SERVICE"-*.dump)
  shopt -u nullglob
  excess=$((${#backups[@]} - keep_backups))
  if [ "$excess" -gt 0 ]; then
    rm -f -- "${backups[@]:0:excess}"
    log backup "removed $excess old backup(s); keeping $keep_backups"
  fi
  step_done
}

# ---------------------------------------------------------------- migrate, switch, check

# not_ready TAG [SERVICE...]: containers that are not well: running but starting or
# unhealthy, restarting, or exited with an error. One line each; nothing when all are well.
not_ready() {
  local at=$1
  shift
  compose_at "$at" ps --all --format '{{.Service}}|{{.State}}|{{.Health}}|{{.ExitCode}}' "$@" |
    awk -F'|' '($2 == "running" && ($3 == "starting" || $3 == "unhealthy")) || ($2 != "running" && $2 != "exited") || ($2 == "exited" && $4 != 0) {
      print $1 " is " $2 ($3 == "" ? "" : " (" $3 ")") ($2 == "exited" ? " with exit code " $4 : "") }'
}

# converge TAG [--up-option...] [SERVICE...]: `up --detach --wait` at TAG, then verify. Compose
# (2.2x) has been seen to return success when --wait-timeout ran out with a service still starting.
converge() {
  local at=$1 waiting arg
  local options=() services=()
  shift
  for arg in "$@"; do
    if [[ $arg == --* ]]; then options+=("$arg"); else services+=("$arg"); fi
  done
  compose_at "$at" up --detach --wait --wait-timeout "$wait_timeout" "${options[@]}" "${services[@]}" 2>&1 | indent || return 1
  waiting=$(not_ready "$at" "${services[@]}") || return 1
  if [ -n "$waiting" ]; then
    printf '%s\n' "$waiting" | indent
    log "$current_step" "not every service became ready within $wait_timeout s"
    return 1
  fi
}

# The database is started when it is not running (the first deploy) and otherwise left alone:
# its container is never recreated by an app deploy, whatever TAG's postgres image is.
database_up() {
  local id
  id=$(compose_at "$tag" ps --quiet "$DATABASE_SERVICE" 2>/dev/null) || true
  if [ "$with_database" = true ]; then
    log migrate "--with-database: $DATABASE_SERVICE to the image of $tag (recreated when it differs)"
    converge "$tag" "$DATABASE_SERVICE"
  elif [ -n "$id" ]; then
    log migrate "$DATABASE_SERVICE keeps running on $(docker inspect --format '{{.Config.Image}}' "$id" 2>/dev/null || echo 'its image')"
    # Running and healthy: nothing for compose to do (an `up --wait` would only confirm it).
    [ "$(health_of "$id")" = healthy ] || converge "$tag" --no-recreate "$DATABASE_SERVICE"
  else
    converge "$tag" --no-recreate "$DATABASE_SERVICE"
  fi
}

# The tag the migrate step ran the migrations at: the switch to that tag leaves its container
# alone (exited 0, what deploy-check reads) instead of running them a second time.
migrated_at=""
migrate() {
  step migrate "$DATABASE_SERVICE up, then the one-shot $MIGRATE_SERVICE at $tag"
  database_up || return 1
  compose_at "$tag" up --no-deps --force-recreate --exit-code-from "$MIGRATE_SERVICE" "$MIGRATE_SERVICE" 2>&1 | indent || return 1
  migrated_at=$tag
  step_done
}

# health_of CONTAINER: starting, healthy, unhealthy, or the state when it is not running.
health_of() {
  docker inspect --format '{{if ne .State.Status "running"}}{{.State.Status}}{{else if .State.Health}}{{.State.Health.Status}}{{else}}healthy{{end}}' "$1" 2>/dev/null || echo gone
}

# roll TAG SERVICE: zero-downtime replacement behind the proxy. A second container at TAG
# starts next to the running one (compose scale-up, the old one untouched); once it is
# healthy the old one is stopped (SIGTERM: it stops accepting and finishes what it serves;
# the proxy retries a refused connection on the new one) and removed. If the new container
# never gets healthy it is removed and the old one keeps serving.
roll() {
  local at=$1 service=$2 old new id health waited=0 deadline
  mapfile -t old < <(compose_at "$at" ps --quiet "$service" 2>/dev/null)
  if [ ${#old[@]} -eq 0 ]; then
    converge "$at" --no-deps "$service"
    return
  fi
  # Already what TAG's compose configuration asks for (compose's own hash of it): nothing to replace.
  local wanted current
  wanted=$(compose_at "$at" config --hash "$service" 2>/dev/null | awk '{ print $2 }')
  current=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.config-hash"}}' "${old[@]}" 2>/dev/null | sort -u)
  if [ -n "$wanted" ] && [ "$current" = "$wanted" ]; then
    log "$current_step" "$service: already at $at"
    return 0
  fi
  local started stopping
  started=$(now_us)
  compose_at "$at" up --detach --no-deps --no-recreate --scale "$service=$((${#old[@]} + 1))" "$service" 2>&1 | indent || return 1
  log "$current_step" "$service: new container started in $(seconds_since "$started") s"
  new=""
  while IFS= read -r id; do
    [[ " ${old[*]} " == *" $id "* ]] || new=$id
  done < <(compose_at "$at" ps --all --quiet "$service")
  if [ -z "$new" ]; then
    log "$current_step" "$service: no new container was created"
    return 1
  fi
  deadline=$wait_timeout
  while true; do
    health=$(health_of "$new")
    case $health in
      healthy) break ;;
      starting) ;;
      *)
        log "$current_step" "$service: the new container is $health; removing it, the old one keeps serving"
        docker logs --tail 20 "$new" 2>&1 | indent
        docker rm --force "$new" >/dev/null 2>&1 || true
        return 1
        ;;
    esac
    if [ "$waited" -ge $((deadline * 2)) ]; then
      log "$current_step" "$service: the new container is not healthy after $wait_timeout s; removing it, the old one keeps serving"
      docker logs --tail 20 "$new" 2>&1 | indent
      docker rm --force "$new" >/dev/null 2>&1 || true
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  log "$current_step" "$service: new container healthy after $(seconds_since "$started") s; draining the old one"
  stopping=$(now_us)
  docker stop "${old[@]}" >/dev/null && docker rm "${old[@]}" >/dev/null || return 1
  log "$current_step" "$service: old container stopped in $(seconds_since "$stopping") s; switched in $(seconds_since "$started") s"
}

# complete TAG SERVICE...: one-shot services (re)started at TAG, each waited for until it exits 0.
# Not `up --wait`: compose (2.2x) waits for a one-shot to complete only when a service of the
# same call depends on it; alone (the bot rolled in webhook mode) it fails it as "running
# without a health check" or as "exited (0)".
complete() {
  local at=$1 id code name
  shift
  compose_at "$at" up --detach --no-deps "$@" 2>&1 | indent || return 1
  while IFS= read -r id; do
    name=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.service"}}' "$id" 2>/dev/null || echo "$id")
    if ! code=$(timeout "$wait_timeout" docker wait "$id" 2>/dev/null); then
      log "$current_step" "$name: did not finish within $wait_timeout s"
      return 1
    fi
    if [ "$code" != 0 ]; then
      log "$current_step" "$name: exited with code $code"
      docker logs --tail 20 "$id" 2>&1 | indent
      return 1
    fi
  done < <(compose_at "$at" ps --all --quiet "$@")
}

# switch_to TAG: every switched service to TAG. The rolling services (behind the proxy) overlap
# old and new, one after the other: a new copy starting takes both cores of a small server,
# and a drain meanwhile left requests without an answer for seconds (bench/deploy). The others
# are recreated by compose at the same time (stop, then start: the long-polling bot must never
# run twice, and Telegram keeps the updates that arrive meanwhile); none waits for the proxy.
# One-shot services run again at TAG meanwhile (deploy-check reads their exit code), except the
# migrations the migrate step has just run at TAG: in practice only a rollback runs them here.
switch_to() {
  local at=$1 service others=() one_shots=() switched=() rolling=("${ROLLING_SERVICES[@]}") entry variable pids=() names=() i failed=0
  # The bot in webhook mode: overlapping copies share the webhook calls. Polling, it is recreated.
  for entry in "${ROLLING_WHEN_SET[@]}"; do
    IFS='|' read -r service variable <<<"$entry"
    if [ -n "$(setting "$variable")" ]; then rolling+=("$service"); fi
  done
  # Every service of the compose files (overrides and enabled profiles included) but the database,
  # and the migrations when the migrate step has just run them at this tag.
  local skipped=("$DATABASE_SERVICE")
  [ "$migrated_at" != "$at" ] || skipped+=("$MIGRATE_SERVICE")
  mapfile -t switched < <(compose_at "$at" config --services | grep -vxF -f <(printf '%s\n' "${skipped[@]}"))
  for service in "${switched[@]}"; do
    if [[ " ${rolling[*]} " == *" $service "* ]]; then continue; fi
    if [[ " ${ONE_SHOT_SERVICES[*]} " == *" $service "* ]]; then one_shots+=("$service"); else others+=("$service"); fi
  done
  log "$current_step" "side by side: ${rolling[*]}; recreated meanwhile: ${others[*]:-none}; run again: ${one_shots[*]:-none}"
  # As conditions (|| exit): the functions run as they would in the foreground, without errexit.
  {
    for service in "${rolling[@]}"; do roll "$at" "$service" || exit 1; done
  } &
  pids+=("$!")
  names+=("${rolling[*]}")
  if [ ${#others[@]} -gt 0 ]; then
    { converge "$at" --no-deps "${others[@]}" || exit 1; } &
    pids+=("$!")
    names+=("${others[*]}")
  fi
  if [ ${#one_shots[@]} -gt 0 ]; then
    { complete "$at" "${one_shots[@]}" || exit 1; } &
    pids+=("$!")
    names+=("${one_shots[*]}")
  fi
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      log "$current_step" "${names[$i]}: not switched to $at"
      failed=1
    fi
  done
  [ "$failed" -eq 0 ] || return 1
  local waiting
  waiting=$(not_ready "$at" "${switched[@]}") || return 1
  if [ -n "$waiting" ]; then
    printf '%s\n' "$waiting" | indent
    return 1
  fi
}

switch() {
  step switch "every service but $DATABASE_SERVICE to $tag: the zero-downtime ones side by side, the others recreated meanwhile"
  switch_to "$tag" || return 1
  step_done
}

check() { # TAG
  step check "$DEPLOY_CHECK_SCRIPT --expect-tag $1"
  "./$DEPLOY_CHECK_SCRIPT" "${compose_args[@]}" --expect-tag "$1" 2>&1 | indent || return 1
  step_done
}

rollback() { # FAILED_STEP
  log "$1" "FAILED${backup_file:+ (database backup from before this deploy: $backup_file)}"
  if [ -z "$previous" ]; then
    log rollback "nothing to roll back to: no earlier deploy is recorded in $DEPLOYED_TAG_FILE; containers are left as they are for inspection"
    record "$tag failed at $1; no previous tag to roll back to"
    exit "$EXIT_FAILED_WITHOUT_PREVIOUS"
  fi
  step rollback "$tag failed at $1; back to $previous${current_release:+ (release $current_release)}"
  set_status failed "$release"
  if [ -n "$current_release" ] && ! restore_release "$current_release"; then
    log rollback "cannot restore release $current_release; trying $previous with the compose files as they are"
  fi
  if switch_to "$previous" && check "$previous"; then
    log rollback "$previous is serving again; $tag was not deployed (took $(seconds_since "$deploy_started") s)"
    record "$tag failed at $1; rolled back to $previous"
    exit "$EXIT_ROLLED_BACK"
  fi
  log rollback "FAILED: the stack is not healthy on $previous either; inspect it with: docker compose ${compose_args[*]} ps --all; ... logs"
  record "$tag failed at $1; rollback to $previous failed"
  exit "$EXIT_ROLLBACK_FAILED"
}

live() {
  printf '%s\n' "$tag" >"$DEPLOYED_TAG_FILE.new"
  mv "$DEPLOYED_TAG_FILE.new" "$DEPLOYED_TAG_FILE"
  release_live
  record "$tag deployed (previous: ${previous:-none}) in $(seconds_since "$deploy_started") s"
  log live "$tag is live (previous: ${previous:-none}); took $(seconds_since "$deploy_started") s"
  drop_old_releases
  exit "$EXIT_DEPLOYED"
}

# ---------------------------------------------------------------- releases

# A release directory: compose/ (the compose files, as they were), files (stored name, then
# the path it is installed at), images (service, image, digest), env.sha256, tag, status.
release=""
current_release=""
previous_release=""
release_of() { # POINTER -> release directory name, or nothing
  if [ -L "$STATE_DIR/$1" ] && [ -d "$STATE_DIR/$1" ]; then basename "$(readlink "$STATE_DIR/$1")"; fi
}

# image_refs TAG: "service image" for each service that pulls an image from the registry.
image_refs() {
  compose_at "$1" config 2>/dev/null | awk -v list=" ${PULL_SERVICES[*]} " '
    /^services:/ { inside = 1; next }
    /^[^ ]/ { inside = 0 }
    inside && /^  [A-Za-z0-9_.-]+:$/ { service = substr($1, 1, length($1) - 1) }
    inside && /^    image: / && index(list, " " service " ") { print service, $2 }'
}

# digest_of IMAGE: its registry digest reference (repository@sha256:...), from the local copy.
digest_of() {
  docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$1" 2>/dev/null | grep -F "${1%:*}@" | head -n 1
}

# record_release: after the pull, what this deploy runs: its compose files and its digests.
record_release() {
  local dir file service image digest n=0
  release=$(date -u +%Y%m%dT%H%M%SZ)-$tag
  dir=$RELEASES_DIR/$release
  mkdir -p "$dir/compose"
  for file in "${files[@]}"; do
    n=$((n + 1))
    cp "$file" "$dir/compose/$n-$(basename "$file")"
    printf '%s\t%s\n' "$n-$(basename "$file")" "$file" >>"$dir/files"
  done
  : >"$dir/images"
  while read -r service image; do
    digest=$(digest_of "$image")
    if [ -z "$digest" ]; then
      log pull "FAILED: no registry digest for $image (pulled from a registry?)"
      return 1
    fi
    printf '%s %s %s\n' "$service" "$image" "$digest" >>"$dir/images"
  done < <(image_refs "$tag")
  sha256sum "$env_file" | cut -d' ' -f1 >"$dir/env.sha256"
  printf '%s\n' "$tag" >"$dir/tag"
  printf 'pending\n' >"$dir/status"
  log pull "release $release: $(wc -l <"$dir/images") images by digest"
}

# restore_release NAME: its compose files back in place, and each image tag pointing at its
# recorded digest again (pulled by digest when it is no longer here): what it ran, exactly.
restore_release() {
  local dir=$RELEASES_DIR/$1 stored path service image digest
  [ -d "$dir" ] || return 1
  while IFS=$'\t' read -r stored path; do
    if ! cmp -s "$dir/compose/$stored" "$path"; then
      log "$current_step" "compose file $path as it was in $1"
      cp "$dir/compose/$stored" "$path.restore" && mv "$path.restore" "$path"
    fi
  done <"$dir/files"
  while read -r service image digest; do
    if ! docker image inspect "$digest" >/dev/null 2>&1; then
      docker pull --quiet "$digest" 2>&1 | indent || { log "$current_step" "cannot pull $digest ($service)"; return 1; }
    fi
    docker tag "$digest" "$image" || return 1
  done <"$dir/images"
}

set_status() { if [ -n "$2" ] && [ -d "$RELEASES_DIR/$2" ]; then printf '%s\n' "$1" >"$RELEASES_DIR/$2/status"; fi; }

point() { # POINTER RELEASE
  if [ -n "$2" ]; then ln -sfn "releases/$2" "$STATE_DIR/$1.new" && mv -T "$STATE_DIR/$1.new" "$STATE_DIR/$1"; fi
}

release_live() {
  set_status live "$release"
  if [ "$current_release" != "$release" ]; then point previous "$current_release"; fi
  point current "$release"
}

# The last --keep-releases releases (and current, previous) stay. The images of the releases
# that go are removed, unless a kept release or a container (running or not) uses them.
drop_old_releases() {
  local all keep=() drop=() name id image digest removed=0 newest
  mapfile -t all < <(find "$RELEASES_DIR" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort)
  newest=" ${all[*]:$((${#all[@]} > keep_releases ? ${#all[@]} - keep_releases : 0))} "
  for name in "${all[@]}"; do
    if [ "$name" = "$(release_of current)" ] || [ "$name" = "$(release_of previous)" ] || [[ $newest == *" $name "* ]]; then
      keep+=("$name")
    else
      drop+=("$name")
    fi
  done
  declare -A keep_ids=()
  for name in "${keep[@]}"; do
    while read -r _ _ digest; do
      id=$(docker image inspect --format '{{.Id}}' "$digest" 2>/dev/null) && keep_ids[$id]=1
    done <"$RELEASES_DIR/$name/images"
  done
  while read -r id; do keep_ids[$id]=1; done < <(docker ps --all --quiet | xargs -r docker inspect --format '{{.Image}}')
  for name in "${drop[@]}"; do
    while read -r _ image digest; do
      id=$(docker image inspect --format '{{.Id}}' "$digest" 2>/dev/null) || continue
      [ -z "${keep_ids[$id]:-}" ] || continue
      docker image rm "$image" "$digest" >/dev/null 2>&1 || true
      removed=$((removed + 1))
    done <"$RELEASES_DIR/$name/images"
    rm -rf "${RELEASES_DIR:?}/$name"
  done
  log releases "keeping ${#keep[@]} releases; removed ${#drop[@]} older ones and $removed images only they used"
}

list_releases() {
  local name dir marks
  printf '%-42s %-8s %-24s %s\n' RELEASE STATUS POINTER IMAGES
  while read -r name; do
    dir=$RELEASES_DIR/$name
    marks=""
    [ "$name" = "$(release_of current)" ] && marks=current
    [ "$name" = "$(release_of previous)" ] && marks=previous
    printf '%-42s %-8s %-24s %s\n' "$name" "$(cat "$dir/status" 2>/dev/null)" "${marks:--}" \
      "$(awk '{ d = $3; sub(/.*@sha256:/, "", d); printf "%s%s@%s", (NR > 1 ? " " : ""), $1, substr(d, 1, 12) }' "$dir/images")"
  done < <(find "$RELEASES_DIR" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort)
}

# --rollback: the previous release, exactly: its compose files and its digests.
rollback_to_previous() {
  local target=$previous_release from=$current_release
  if [ -z "$target" ]; then
    log rollback "nothing to roll back to: no previous release in $STATE_DIR/previous"
    exit "$EXIT_FAILED_WITHOUT_PREVIOUS"
  fi
  tag=$(<"$RELEASES_DIR/$target/tag")
  step rollback "to release $target ($tag; from ${from:-none})"
  restore_release "$target" || { log rollback FAILED; exit "$EXIT_ROLLBACK_FAILED"; }
  preflight
  backup
  if switch_to "$tag" && check "$tag"; then
    printf '%s\n' "$tag" >"$DEPLOYED_TAG_FILE"
    point current "$target"
    point previous "$from"
    record "rolled back to $tag (release $target) from ${previous:-none}"
    log live "$tag is live again (release $target); took $(seconds_since "$deploy_started") s"
    drop_old_releases
    exit "$EXIT_DEPLOYED"
  fi
  log rollback "FAILED: release $target is not healthy; back to ${from:-nothing}"
  if [ -n "$from" ] && restore_release "$from"; then switch_to "$(<"$RELEASES_DIR/$from/tag")" || true; fi
  record "rollback to $tag (release $target) failed"
  exit "$EXIT_ROLLBACK_FAILED"
}

# ---------------------------------------------------------------- the deploy

if [ "$mode" = releases ]; then
  list_releases
  exit 0
fi
lock
current_release=$(release_of current)
previous_release=$(release_of previous)
if [ "$mode" = rollback ]; then rollback_to_previous; fi
preflight
login
pull
record_release || abort pull "cannot record the release" "$EXIT_PULL"
backup
migrate || rollback migrate
switch || rollback switch
check "$tag" || rollback check
live
