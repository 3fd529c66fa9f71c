usage() {
  cat >&2 <<USAGE
usage: $0 [TAG]
  Verifies, for every published image, the signed build-provenance attestation of
  \$IMAGE_PREFIX/<image>:TAG: signed by the build workflow of \$REPOSITORY, for that digest.
  Prints <image>=<digest> lines (and appends them to \$GITHUB_OUTPUT in a workflow).
  TAG            default: ${SHA_TAG_PREFIX}<first $SHA_TAG_LENGTH characters of GITHUB_SHA or HEAD>
  IMAGE_PREFIX   default: $DEFAULT_IMAGE_PREFIX
  REPOSITORY     owner/name that built the images (default: \$GITHUB_REPOSITORY, else $DEFAULT_REPOSITORY)
  Needs gh (GitHub CLI, logged in or GH_TOKEN) and a registry login for private images.
USAGE
  exit 2
}
[ "$#" -le 1 ] || usage
case "${1:-}" in -h|--help) usage ;; esac
tag=${1:-}
if [ -z "$tag" ]; then
  sha=${GITHUB_SHA:-$(git rev-parse HEAD)}
  tag=$SHA_TAG_PREFIX${sha:0:$SHA_TAG_LENGTH}
fi
prefix=${IMAGE_PREFIX:-$DEFAULT_IMAGE_PREFIX}
repository=${REPOSITORY:-${GITHUB_REPOSITORY:-$DEFAULT_REPOSITORY}}
command -v gh >/dev/null 2>&1 || { echo "gh (GitHub CLI) is required: https://cli.github.com" >&2; exit 3; }

failed=0
for image in "${IMAGES[@]}"; do
  ref="$prefix/$image:$tag"
  # The attestation's subject is the digest the tag points to now; deploy that digest, not
  # the tag, so what runs is what was verified.
  if ! digest=$(gh attestation verify "oci://$ref" --repo "$repository" \
      --signer-workflow "$repository/$BUILD_WORKFLOW" --format json \
      --jq '.[0].verificationResult.statement.subject[0].digest.sha256'); then
    echo "NOT VERIFIED: $ref has no valid build-provenance attestation from $repository/$BUILD_WORKFLOW" >&2
    failed=1
    continue
  fi
  echo "verified: $ref = sha256:$digest" >&2
  echo "$image=sha256:$digest"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$image=sha256:$digest" >> "$GITHUB_OUTPUT"; fi
done
exit "$failed"
