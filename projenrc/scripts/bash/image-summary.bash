if [ "$#" -eq 0 ]; then echo "usage: $0 REF [REF...]" >&2; exit 2; fi
echo "| image | compressed size |"
echo "|---|---|"
for ref in "$@"; do
  # The manifest from the registry: the image need not be pulled.
  bytes=$(docker buildx imagetools inspect --raw "$ref" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);console.log((m.layers||[]).reduce((a,l)=>a+l.size,m.config?m.config.size:0))})')
  printf '| %s | %s MB |\n' "$ref" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1000000 }')"
done
