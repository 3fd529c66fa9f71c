usage() {
  cat <<USAGE
Usage: $0 ENVIRONMENT [options]

Deploys $MANIFEST_DIR/ENVIRONMENT to its namespace, in order:
  1. images     each image's digest: resolved from --tag, or read from <IMAGE>_IMAGE_DIGEST
  2. config     the namespace and the ConfigMap (server-side apply)
  3. secret     the Secret $SECRET_NAME must hold every required key (scripts/k8s-secret.sh)
  4. dry run    the server validates every manifest (schemas, admission, Pod Security)
  5. database   the database StatefulSet, waited for
  6. migrate    the migrate Job replaced and waited for; on failure the apps are not touched
  7. apps       server-side apply of everything, then objects the model no longer renders
                are pruned (never a Namespace, StatefulSet or volume)
  8. rollout    every Deployment waited for; on failure each one this deploy changed is
                undone to its previous revision

Options:
      --tag TAG          resolve the digests of TAG (docker buildx imagetools; log in first)
      --timeout SECONDS  per wait: database, migrate, each rollout (default: 300)
  -h, --help             show this help

Digests without --tag: $(for i in "${!DIGEST_VARIABLE[@]}"; do printf '%s ' "${DIGEST_VARIABLE[$i]}"; done)(sha256:<64 hex>)
Environments: ${!NAMESPACES[*]}

Exit codes:
$(exit_codes_help)
USAGE
}

log() { echo "k8s-deploy: $*"; }
fail() { echo "k8s-deploy: $2" >&2; exit "$1"; }

environment=""
tag=""
timeout=300
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --tag) [ $# -ge 2 ] || fail "$EXIT_USAGE" "--tag needs a value"; tag=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || fail "$EXIT_USAGE" "--timeout needs a value"; timeout=$2; shift 2 ;;
    -*) fail "$EXIT_USAGE" "unknown option $1 (see --help)" ;;
    *) [ -z "$environment" ] || fail "$EXIT_USAGE" "one ENVIRONMENT only"; environment=$1; shift ;;
  esac
done
namespace=${NAMESPACES[$environment]:-}
[ -n "$environment" ] || fail "$EXIT_USAGE" "which ENVIRONMENT? (${!NAMESPACES[*]})"
[ -n "$namespace" ] || fail "$EXIT_USAGE" "unknown environment '$environment' (known: ${!NAMESPACES[*]})"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || fail "$EXIT_USAGE" "--timeout needs a number of seconds"
if [ -n "$tag" ] && ! [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then fail "$EXIT_USAGE" "'$tag' is not a valid image tag"; fi
source_dir=$MANIFEST_DIR/$environment
[ -d "$source_dir" ] || fail "$EXIT_USAGE" "no manifests in $source_dir (run from the repository root)"
command -v kubectl >/dev/null || fail "$EXIT_PREFLIGHT" "kubectl is not installed"

k() { kubectl --namespace "$namespace" "$@"; }
apply() { k apply --server-side --force-conflicts --field-manager=k8s-deploy "$@"; }

# ---- 1. images: a digest per image, never a tag that can move
resolve_digest() {
  docker buildx imagetools inspect "$1" --format '{{json .Manifest}}' 2>/dev/null \
    | sed -n 's/.*"digest": *"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' | head -n 1
}
for image in "${!DIGEST_VARIABLE[@]}"; do
  variable=${DIGEST_VARIABLE[$image]}
  if [ -n "$tag" ]; then
    digest=$(resolve_digest "${IMAGE_REPOSITORY[$image]}:$tag") || digest=
    [ -n "$digest" ] || fail "$EXIT_PREFLIGHT" "cannot resolve ${IMAGE_REPOSITORY[$image]}:$tag to a digest (pushed? logged in?)"
    printf -v "$variable" '%s' "$digest"
  fi
  [ -n "${!variable:-}" ] || fail "$EXIT_USAGE" "$variable is not set (give --tag TAG, or the digest of ${IMAGE_REPOSITORY[$image]})"
  [[ ${!variable} =~ ^sha256:[0-9a-f]{64}$ ]] || fail "$EXIT_USAGE" "$variable='${!variable}' is not a digest (sha256:<64 hex>)"
  log "$image: ${IMAGE_REPOSITORY[$image]}@${!variable}"
done

# The manifests with the digests filled in, in a private copy.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for file in "$source_dir"/*.yaml; do
  content=$(<"$file")
  for variable in "${DIGEST_VARIABLE[@]}"; do content=${content//\$\{$variable\}/${!variable}}; done
  printf '%s\n' "$content" >"$work/${file##*/}"
done
# shellcheck disable=SC2016 # a literal ${...}: the placeholder text itself
if grep -n '\${[A-Z0-9_]*_IMAGE_DIGEST}' "$work"/*.yaml >&2; then fail "$EXIT_USAGE" "a digest placeholder is left unfilled (above)"; fi

# ---- 2. config
kubectl version >/dev/null || fail "$EXIT_PREFLIGHT" "kubectl cannot reach the cluster (kubeconfig? context?)"
log "config: ${BASE_FILES[*]}"
for file in "${BASE_FILES[@]}"; do apply -f "$work/$file" >/dev/null || fail "$EXIT_PREFLIGHT" "applying $file failed"; done

# ---- 3. secret
# shellcheck disable=SC2016 # a Go template, not shell
present=$(k get secret "$SECRET_NAME" -o go-template='{{range $key, $value := .data}}{{$key}}{{"\n"}}{{end}}' 2>/dev/null) \
  || fail "$EXIT_SECRET" "Secret $SECRET_NAME is missing in $namespace: scripts/k8s-secret.sh $environment .env.production"
missing=()
for key in "${REQUIRED_SECRET_KEYS[@]}"; do grep -qx "$key" <<<"$present" || missing+=("$key"); done
[ ${#missing[@]} -eq 0 ] || fail "$EXIT_SECRET" "Secret $SECRET_NAME lacks ${missing[*]}: scripts/k8s-secret.sh $environment"

# ---- 4. dry run: the server checks everything before anything else changes
log "dry run"
apply --dry-run=server -f "$work" >/dev/null || fail "$EXIT_PREFLIGHT" "the server refused the manifests (dry run above); nothing else changed"

# ---- 5. database
if [ -n "$DATABASE_FILE" ]; then
  log "database: $DATABASE_FILE"
  apply -f "$work/$DATABASE_FILE" >/dev/null || fail "$EXIT_DATABASE" "applying $DATABASE_FILE failed"
  k rollout status "statefulset/$DATABASE_STATEFULSET" --timeout="${timeout}s" || fail "$EXIT_DATABASE" "$DATABASE_STATEFULSET is not ready after ${timeout}s"
fi

# ---- 6. migrate: a Job's pod template cannot change, so each deploy runs a new one
log "migrate: job/$MIGRATE_JOB"
k delete job "$MIGRATE_JOB" --ignore-not-found --wait=true >/dev/null
apply -f "$work/$MIGRATE_FILE" >/dev/null || fail "$EXIT_MIGRATE" "applying $MIGRATE_FILE failed"
deadline=$((SECONDS + timeout))
while :; do
  state=$(k get job "$MIGRATE_JOB" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}' 2>/dev/null || true)
  case " $state " in
    *" Complete "*) log "migrate: complete"; break ;;
    *" Failed "*) k logs "job/$MIGRATE_JOB" --tail=40 >&2 || true; fail "$EXIT_MIGRATE" "migrate failed (logs above); the apps were not touched" ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    k logs "job/$MIGRATE_JOB" --tail=40 >&2 || true
    fail "$EXIT_MIGRATE" "migrate did not finish in ${timeout}s; the apps were not touched"
  fi
  sleep 2
done

# ---- 7. apps, then prune what the model no longer renders
declare -A before=()
for d in "${DEPLOYMENTS[@]}"; do
  before[$d]=$(k get deployment "$d" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}' 2>/dev/null || true)
done
log "apps"
apply -f "$work" >/dev/null || fail "$EXIT_PREFLIGHT" "applying the manifests failed (the server refused them after the dry run passed)"
expected=" ${EXPECTED_OBJECTS[$environment]} "
kinds=$(IFS=,; echo "${PRUNED_KINDS[*]}")
for object in $(k get "$kinds" -l "app.kubernetes.io/part-of=$PART_OF" -o go-template='{{range .items}}{{.kind}}/{{.metadata.name}}{{"\n"}}{{end}}'); do
  lower=${object,,}
  if [[ $expected != *" ${lower%%/*}/${object#*/} "* ]]; then
    log "prune: $object (no longer in the model)"
    k delete "$lower" --wait=false >/dev/null || log "prune: could not delete $object"
  fi
done

# ---- 8. rollout, or undo what this deploy changed
failed=()
for d in "${DEPLOYMENTS[@]}"; do
  k rollout status "deployment/$d" --timeout="${timeout}s" || failed+=("$d")
done
if [ ${#failed[@]} -eq 0 ]; then
  log "deployed to $environment ($namespace)"
  exit "$EXIT_DEPLOYED"
fi
echo "k8s-deploy: rollout failed: ${failed[*]}; undoing" >&2
undo_failed=false
for d in "${DEPLOYMENTS[@]}"; do
  after=$(k get deployment "$d" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}' 2>/dev/null || true)
  # Undo only what this deploy changed, and to the revision that ran before it.
  if [ -n "${before[$d]}" ] && [ "$after" != "${before[$d]}" ]; then
    log "undo: deployment/$d to revision ${before[$d]}"
    if ! k rollout undo "deployment/$d" --to-revision="${before[$d]}" >/dev/null \
      || ! k rollout status "deployment/$d" --timeout="${timeout}s"; then undo_failed=true; fi
  fi
done
if $undo_failed; then fail "$EXIT_ROLLBACK_FAILED" "undoing failed too: kubectl --namespace $namespace get pods"; fi
fail "$EXIT_ROLLED_BACK" "rolled back: ${failed[*]} did not become ready (kubectl --namespace $namespace describe deployment ${failed[0]})"
