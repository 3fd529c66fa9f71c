# Options every server script takes: -f/--file (repeatable), -p/--project-name, --env-file,
# -h/--help. parse_options hands any other word to the script's own
# `script_option WORD [VALUE]`, which sets `consumed` to the number of words it took (0 when
# it does not know the word). Afterwards `compose_args` holds the docker compose options.
# Needs: SCRIPT_NAME, DEFAULT_ENV_FILE, EXIT_USAGE, usage, script_option, default_compose_files.

usage_error() {
  printf '%s: %s (see --help)\n' "$SCRIPT_NAME" "$1" >&2
  exit "$EXIT_USAGE"
}

need_value() {
  if [ $# -lt 2 ]; then usage_error "$1 needs a value"; fi
}

files=()
project=""
env_file=$DEFAULT_ENV_FILE
compose_args=()
consumed=0

parse_options() {
  while [ $# -gt 0 ]; do
    case $1 in
      -h | --help) usage; exit 0 ;;
      -f | --file) need_value "$@"; files+=("$2"); shift 2 ;;
      -p | --project-name) need_value "$@"; project=$2; shift 2 ;;
      --env-file) need_value "$@"; env_file=$2; shift 2 ;;
      *)
        consumed=0
        script_option "$@"
        if [ "$consumed" -eq 0 ]; then usage_error "unknown option: $1"; fi
        shift "$consumed"
        ;;
    esac
  done
  if [ ${#files[@]} -eq 0 ]; then mapfile -t files < <(default_compose_files); fi
  for file in "${files[@]}"; do compose_args+=(--file "$file"); done
  compose_args+=(--env-file "$env_file")
  if [ -n "$project" ]; then compose_args+=(--project-name "$project"); fi
}
