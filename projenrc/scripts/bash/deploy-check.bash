usage() {
  cat <<USAGE
Usage: $0 [options]

Checks the deployed stack in this directory: every service running (and healthy when it has
a health check), migrations applied, and the public endpoints answering as they should
through the proxy, over HTTPS (the public host names resolved to this server). Runs
every check, prints one line per check and exits with the code of the first failure.

Options:
  -f, --file FILE          compose file; repeat to add overrides
                           (default: \$COMPOSE_FILE, else $DEFAULT_COMPOSE_FILE)
  -p, --project-name NAME  compose project (default: COMPOSE_PROJECT_NAME from the
                           environment or the env file, else the compose file's name)
      --env-file FILE      variables for compose and for the checks (default: $DEFAULT_ENV_FILE)
      --expect-tag TAG     fail unless every service runs image tag TAG
$(options_help)
  -h, --help               show this help

Values of variables (hosts, ports, tokens) come from the option, else the environment, else the env file.

Exit codes:
$(exit_codes_help)
USAGE
}

expect_tag=""
declare -A base_url=()
script_option() {
  case $1 in
    --expect-tag) need_value "$@"; expect_tag=$2; consumed=2 ;;
    *) if derived_option "$1" "${2-}"; then need_value "$@"; consumed=2; fi ;;
  esac
}
parse_options "$@"

prerequisite_missing() {
  printf 'deploy-check: %s\n' "$1" >&2
  exit "$EXIT_PREREQUISITES"
}
command -v docker >/dev/null 2>&1 || prerequisite_missing "docker is not installed"
docker compose version >/dev/null 2>&1 || prerequisite_missing "the docker compose v2 plugin is not installed"
command -v curl >/dev/null 2>&1 || prerequisite_missing "curl is not installed (apt-get install curl)"
for file in "${files[@]}"; do
  [ -f "$file" ] || prerequisite_missing "compose file $file not found in $PWD"
done
[ -f "$env_file" ] || prerequisite_missing "env file $env_file not found in $PWD"

compose() { docker compose "${compose_args[@]}" "$@"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

checks=0
failures=0
first_failure=$EXIT_OK
pass() {
  checks=$((checks + 1))
  printf '  ok    %-28s %s\n' "$1" "$2"
}
fail() {
  checks=$((checks + 1))
  failures=$((failures + 1))
  printf '  FAIL  %-28s %s\n' "$1" "$2"
  if [ "$first_failure" -eq "$EXIT_OK" ]; then first_failure=$3; fi
}
# The last line of a command's output, for a one-line summary.
last_line() { printf '%s' "$1" | tail -n 1; }

# Each service's first container, running or not, read once by list_containers: one compose
# call for all of them (each call costs a few hundred milliseconds).
declare -A containers=()
list_containers() {
  local service id
  while IFS='|' read -r service id; do
    [ -n "${containers[$service]:-}" ] || containers[$service]=$id
  done < <(compose ps --all --format '{{.Service}}|{{.ID}}' 2>/dev/null || true)
}
# The first container of a service; empty when it has none.
container_of() { printf '%s' "${containers[$1]:-}"; }

check_services() {
  local service id state health image tag
  for service in "${SERVICES[@]}"; do
    id=$(container_of "$service")
    if [ -z "$id" ]; then
      fail "service $service" "has no container" "$EXIT_SERVICES"
      continue
    fi
    state="" health="" image=""
    IFS='|' read -r state health image < <(docker inspect --format \
      '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}|{{.Config.Image}}' "$id") || true
    tag=${image##*:}
    if [ "$state" != running ]; then
      fail "service $service" "is ${state:-gone} (image tag $tag)" "$EXIT_SERVICES"
    elif [ "$health" != healthy ] && [ "$health" != none ]; then
      fail "service $service" "is running but $health (image tag $tag)" "$EXIT_SERVICES"
    elif [ -n "$expect_tag" ] && [[ " ${TAGGED_SERVICES[*]} " == *" $service "* ]] && [ "$tag" != "$expect_tag" ]; then
      fail "service $service" "runs image tag $tag, expected $expect_tag" "$EXIT_SERVICES"
    elif [ "$health" = none ]; then
      pass "service $service" "running (no health check), image tag $tag"
    else
      pass "service $service" "running, healthy, image tag $tag"
    fi
  done
}

# The status command of the very image that ran the migrations (nothing may be pending) runs a
# one-shot container, the slowest check: started first, in the background; its result is read
# by check_migrations after the other checks.
migration_status_pid=""
start_migration_status() {
  local id state code image
  id=$(container_of "$MIGRATE_SERVICE")
  [ -n "$id" ] || return 0
  state="" code="" image=""
  IFS='|' read -r state code image < <(docker inspect --format '{{.State.Status}}|{{.State.ExitCode}}|{{.Config.Image}}' "$id") || true
  if [ "$state" != exited ] || [ "$code" != 0 ]; then return 0; fi
  {
    rc=0
    env "$IMAGE_TAG_VARIABLE=${image##*:}" docker compose "${compose_args[@]}" \
      run --rm --no-deps --no-TTY "$MIGRATE_SERVICE" "${MIGRATE_STATUS_COMMAND[@]}" >"$tmp/migrate.out" 2>"$tmp/migrate.err" || rc=$?
    printf '%s\n' "$rc" >"$tmp/migrate.rc"
  } &
  migration_status_pid=$!
}

check_migrations() {
  local id state code image out
  id=$(container_of "$MIGRATE_SERVICE")
  if [ -z "$id" ]; then
    fail migrations "$MIGRATE_SERVICE has no container: migrations never ran" "$EXIT_MIGRATIONS"
    return 0
  fi
  state="" code="" image=""
  IFS='|' read -r state code image < <(docker inspect --format '{{.State.Status}}|{{.State.ExitCode}}|{{.Config.Image}}' "$id") || true
  if [ "$state" != exited ] || [ "$code" != 0 ] || [ -z "$migration_status_pid" ]; then
    fail migrations "$MIGRATE_SERVICE is ${state:-gone} with exit code ${code:-?}" "$EXIT_MIGRATIONS"
    return 0
  fi
  wait "$migration_status_pid" || true
  out=$(cat "$tmp/migrate.out" 2>/dev/null || true)
  if [ "$(cat "$tmp/migrate.rc" 2>/dev/null)" = 0 ]; then
    pass migrations "$MIGRATE_SERVICE exited 0; $(last_line "$out")"
  else
    fail migrations "pending or unknown: $(last_line "$out$(cat "$tmp/migrate.err")")" "$EXIT_MIGRATIONS"
  fi
}

# curl options that reach a public host through the proxy on this server: the name resolves
# to 127.0.0.1 (whatever DNS says), and a certificate of Caddy's own CA (TLS_ISSUER=internal)
# is accepted; an ACME certificate must be valid.
proxy_curl_args() { # HOST PORT
  local args=(--resolve "$1:$2:127.0.0.1")
  if [ "$(setting "$TLS_ISSUER_VARIABLE" "$DEFAULT_TLS_ISSUER")" = internal ]; then args+=(--insecure); fi
  printf '%s\n' "${args[@]}"
}

check_http() {
  local label=$1 service=$2 path=$3 expected=$4 token_variable=$5 code=$6
  local base url got token host port
  local curl_args=(--silent --show-error --location --output /dev/null --write-out '%{http_code}'
    --max-time 10 --retry 2 --retry-delay 1 --retry-connrefused)
  if [ -n "${base_url[$service]:-}" ]; then
    base=${base_url[$service]}
  else
    host=$(setting "${HOST_VARIABLE[$service]}")
    if [ -z "$host" ]; then
      fail "$label" "no ${HOST_VARIABLE[$service]}: set it in $env_file (the public host of $service)" "$code"
      return 0
    fi
    port=$(setting "$HTTPS_PORT_VARIABLE" "$DEFAULT_HTTPS_PORT")
    base=https://$host:$port
    mapfile -t -O "${#curl_args[@]}" curl_args < <(proxy_curl_args "$host" "$port")
  fi
  url=${base%/}$path
  if [ -n "$token_variable" ]; then
    token=$(setting "$token_variable")
    if [ -z "$token" ]; then
      fail "$label" "no $token_variable: set it in $env_file, the environment or with --$(option_name "$token_variable")" "$code"
      return 0
    fi
    # The header travels on stdin: a token on the command line would show in `ps`.
    got=$(printf 'Authorization: Bearer %s\n' "$token" | curl "${curl_args[@]}" --header @- "$url" 2>"$tmp/curl.err") || true
  else
    got=$(curl "${curl_args[@]}" "$url" 2>"$tmp/curl.err") || true
  fi
  if [ "$got" = "$expected" ]; then
    pass "$label" "GET $url -> $got"
  else
    fail "$label" "GET $url -> ${got:-no answer}, expected $expected $(last_line "$(cat "$tmp/curl.err")")" "$code"
  fi
}

# Plain HTTP to the proxy answers with a permanent redirect to HTTPS (never the service itself).
check_redirect() {
  local service host port got
  for service in "${!HOST_VARIABLE[@]}"; do
    host=$(setting "${HOST_VARIABLE[$service]}")
    [ -n "$host" ] || continue
    port=$(setting "$HTTP_PORT_VARIABLE" "$DEFAULT_HTTP_PORT")
    got=$(curl --silent --show-error --output /dev/null --write-out '%{http_code} %{redirect_url}' --max-time 10 \
      --resolve "$host:$port:127.0.0.1" "http://$host:$port/" 2>"$tmp/curl.err") || true
    if [[ $got =~ ^30[18]\ https:// ]]; then
      pass "$PROXY_SERVICE redirect" "http://$host -> ${got#* }"
    else
      fail "$PROXY_SERVICE redirect" "http://$host:$port/ -> ${got:-no answer}, expected a redirect to https $(last_line "$(cat "$tmp/curl.err")")" "$EXIT_PROXY"
    fi
    return 0
  done
}

check_container() {
  local label=$1 service=$2 code=$3
  if run_health_check "$service" >"$tmp/exec.out" 2>&1; then
    pass "$label" "the health check of $service passes inside its container"
  else
    fail "$label" "the health check of $service fails inside its container $(last_line "$(cat "$tmp/exec.out")")" "$code"
  fi
}

# option_name API_TOKEN -> api-token
option_name() { tr 'A-Z_' 'a-z-' <<<"$1"; }

echo "deploy-check: ${files[*]} with $env_file${project:+, project $project}${expect_tag:+, expecting image tag $expect_tag}"
list_containers
start_migration_status
check_services
check_redirect
for entry in "${HTTP_CHECKS[@]}"; do
  IFS='|' read -r label service path expected token_variable code <<<"$entry"
  check_http "$label" "$service" "$path" "$expected" "$token_variable" "$code"
done
for entry in "${CONTAINER_CHECKS[@]}"; do
  IFS='|' read -r label service code <<<"$entry"
  check_container "$label" "$service" "$code"
done
check_migrations

if [ "$failures" -eq 0 ]; then
  echo "deploy-check: all $checks checks passed"
  exit "$EXIT_OK"
fi
echo "deploy-check: $failures of $checks checks failed (exit $first_failure)"
exit "$first_failure"
