#!/usr/bin/env bash
# Fake kubectl: logs its arguments; answers from FAKE_* settings and a state directory.
echo "$*" >>"$FAKE_DIR/calls"
args=" $* "
case $args in
  *" version "*) exit 0 ;;
  *" create secret generic "*)
    for a in "$@"; do case $a in --from-env-file=*) cp "${a#--from-env-file=}" "$FAKE_DIR/secret.env" ;; esac; done
    echo "apiVersion: v1"; echo "kind: Secret"; exit 0 ;;
  *" --dry-run=server "*) [ -z "${FAKE_DRY_RUN_FAIL:-}" ] || { echo "admission webhook denied" >&2; exit 1; }; exit 0 ;;
  *" apply "*)
    for a in "$@"; do [ -d "$a" ] && touch "$FAKE_DIR/applied-all"; done
    exit 0 ;;
  *" get secret "*) [ -n "${FAKE_SECRET_KEYS+x}" ] || exit 1; tr ' ' '\n' <<<"$FAKE_SECRET_KEYS"; exit 0 ;;
  *" get job "*) printf '%s ' "${FAKE_MIGRATE:-Complete}"; exit 0 ;;
  *" logs "*) echo "migrate: relation already exists"; exit 0 ;;
  *" get deployment "*" -o jsonpath="*)
    name=${args#* get deployment }; name=${name%% *}
    if [ -e "$FAKE_DIR/applied-all" ] && [[ " ${FAKE_CHANGED:-api frontend bot} " == *" $name "* ]]; then echo 4; else echo 3; fi
    exit 0 ;;
  *" get deployment,service,"*) tr ' ' '\n' <<<"${FAKE_EXISTING:-}"; exit 0 ;;
  *" rollout status deployment/"*)
    name=${args##*deployment/}; name=${name%% *}
    [[ " ${FAKE_ROLLOUT_FAIL:-} " == *" $name "* && ! -e "$FAKE_DIR/undone-$name" ]] && exit 1
    exit 0 ;;
  *" rollout undo deployment/"*) name=${args##*deployment/}; name=${name%% *}; touch "$FAKE_DIR/undone-$name"; exit 0 ;;
  *) exit 0 ;;
esac
