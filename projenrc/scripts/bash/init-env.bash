# Needs: generated_value NAME (prints a fresh secret for NAME, fails for any other name),
# GENERATED (their names) and MANUAL (required secrets only a person can supply).
template=${1:-.env.example}
output=${2:-.env}
if [ -e "$output" ]; then
  echo "init-env: $output exists; leaving it unchanged"
  exit 0
fi
umask 077
while IFS= read -r line || [ -n "$line" ]; do
  name=${line%%=*}
  if [ "$line" = "$name=" ] && value=$(generated_value "$name"); then
    printf '%s=%s\n' "$name" "$value"
  else
    printf '%s\n' "$line"
  fi
done <"$template" >"$output"
list() { local IFS=,; printf '%s' "$*" | sed 's/,/, /g'; }
echo "init-env: wrote $output with generated $(list "${GENERATED[@]}")"
if [ ${#MANUAL[@]} -gt 0 ]; then echo "init-env: set these yourself when you need them: $(list "${MANUAL[@]}")"; fi
