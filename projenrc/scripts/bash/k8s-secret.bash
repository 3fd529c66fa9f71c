usage() {
  cat <<USAGE
Usage: $0 ENVIRONMENT [ENV_FILE]

Creates or updates the Secret $SECRET_NAME in ENVIRONMENT's namespace. Each key takes its
value from the process environment when set there, else from ENV_FILE (KEY=VALUE lines,
e.g. the compose deploy's .env.production). Prints key names only, never a value.

Environments: ${!NAMESPACES[*]}
Keys: ${SECRET_KEYS[*]}
Required: ${REQUIRED_KEYS[*]}

Exit codes:
$(exit_codes_help)
USAGE
}

fail() { echo "k8s-secret: $2" >&2; exit "$1"; }

case ${1:-} in -h|--help) usage; exit 0 ;; esac
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage >&2; exit "$EXIT_USAGE"; fi
environment=$1
env_file=${2:-}
namespace=${NAMESPACES[$environment]:-}
if [ -z "$namespace" ]; then fail "$EXIT_USAGE" "unknown environment '$environment' (known: ${!NAMESPACES[*]})"; fi
if [ -n "$env_file" ] && [ ! -r "$env_file" ]; then fail "$EXIT_USAGE" "cannot read $env_file"; fi

# The value of KEY in the env file: the last KEY=... line, one pair of surrounding quotes removed.
# Read as data, never sourced: nothing in the file runs.
from_file() {
  [ -n "$env_file" ] || return 1
  local line value found=1
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    if [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?$1= ]]; then
      value=${line#*=}
      if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
      found=0
    fi
  done <"$env_file"
  [ "$found" = 0 ] && printf '%s' "$value"
}

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/secret.env"
missing=()
set_keys=()
for key in "${SECRET_KEYS[@]}"; do
  if [ -n "${!key+x}" ]; then value=${!key}
  elif value=$(from_file "$key"); then :
  else value=""
  fi
  if [[ $value == *$'\n'* ]]; then fail "$EXIT_USAGE" "$key has a line break; a Secret from an env file cannot hold it"; fi
  if [ -z "$value" ]; then
    for required in "${REQUIRED_KEYS[@]}"; do [ "$required" = "$key" ] && missing+=("$key"); done
    continue
  fi
  printf '%s=%s\n' "$key" "$value" >>"$work/secret.env"
  set_keys+=("$key")
done
if [ ${#missing[@]} -gt 0 ]; then fail "$EXIT_USAGE" "no value for required key(s): ${missing[*]} (set them in the environment or in ENV_FILE)"; fi

if ! kubectl create secret generic "$SECRET_NAME" --namespace "$namespace" --from-env-file="$work/secret.env" \
  --dry-run=client --output=yaml >"$work/secret.yaml"; then
  fail "$EXIT_KUBECTL" "kubectl could not build the Secret"
fi
if ! kubectl apply --server-side --force-conflicts --field-manager=k8s-secret --namespace "$namespace" -f "$work/secret.yaml" >/dev/null; then
  fail "$EXIT_KUBECTL" "kubectl could not apply the Secret to namespace $namespace"
fi
echo "Secret $SECRET_NAME in namespace $namespace: ${set_keys[*]}"
echo "Running pods read secrets at start: kubectl rollout restart deployment --namespace $namespace"
