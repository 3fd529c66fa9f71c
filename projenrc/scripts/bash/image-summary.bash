if [ "$#" -eq 0 ]; then echo "usage: $0 REF [REF...]" >&2; exit 2; fi
# Sum of config and layer sizes of one image manifest (JSON on stdin).
manifest_bytes() {
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);console.log((m.layers||[]).reduce((a,l)=>a+l.size,m.config?m.config.size:0))})'
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
echo "| image | compressed size |"
echo "|---|---|"
for ref in "$@"; do
  # From the registry: the image need not be pulled. A multi-platform index lists one
  # manifest per platform (attestation manifests are unknown/unknown and not counted).
  raw=$(docker buildx imagetools inspect --raw "$ref")
  platforms=$(node -e 'const m=JSON.parse(process.argv[1]);for(const x of m.manifests||[]){const p=x.platform||{};if(p.os&&p.os!=="unknown")console.log([p.os,p.architecture,p.variant].filter(Boolean).join("/")+" "+x.digest)}' "$raw")
  if [ -z "$platforms" ]; then
    printf '| %s | %s |\n' "$ref" "$(mb "$(manifest_bytes <<<"$raw")")"
    continue
  fi
  sizes=()
  while read -r platform digest; do
    sizes+=("$platform $(mb "$(docker buildx imagetools inspect --raw "${ref%:*}@$digest" | manifest_bytes)")")
  done <<<"$platforms"
  joined=$(IFS=,; echo "${sizes[*]}")
  printf '| %s | %s |\n' "$ref" "${joined//,/, }"
done
