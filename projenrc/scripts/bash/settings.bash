# setting NAME [DEFAULT]: a variable's value as docker compose resolves it: an override given
# on the command line, then the environment, then the env file ($env_file, last assignment
# wins), then DEFAULT. Empty counts as unset, like compose's `${NAME:-default}`.
declare -A override=()
setting() {
  local name=$1 default=${2-} value line
  value=${override[$name]:-}
  if [ -z "$value" ]; then value=${!name:-}; fi
  if [ -z "$value" ] && [ -n "${env_file:-}" ] && [ -f "$env_file" ]; then
    line=$(grep -E "^[[:space:]]*${name}=" "$env_file" | tail -n 1) || true
    value=${line#*=}
    value=${value%$'\r'}
    case $value in
      \"*\") value=${value:1:${#value}-2} ;;
      \'*\') value=${value:1:${#value}-2} ;;
      *) value=${value%% #*} ;;
    esac
  fi
  printf '%s' "${value:-$default}"
}

# The compose files: -f options, else COMPOSE_FILE (colon-separated, as compose reads it),
# else the default. Prints one per line.
default_compose_files() {
  if [ -n "${COMPOSE_FILE:-}" ]; then
    tr ':' '\n' <<<"$COMPOSE_FILE"
  else
    printf '%s\n' "$DEFAULT_COMPOSE_FILE"
  fi
}
