usage() {
  cat <<USAGE
Usage: $0 [options] [now [--label WORD] | list | export NAME]

Database backups of the stack in this directory, made by its $BACKUP_SERVICE service (which also
backs up every day on its own schedule; see BACKUP_* in $DEFAULT_ENV_FILE).

Commands:
  now [--label WORD]   (default) a backup now: pg_dump -Fc into the backup volume, with an
                       encrypted copy of $DEFAULT_ENV_FILE and the off-site copy when configured;
                       prints its name. A labelled backup is never pruned.
  list                 the backups in the volume, newest first: name, bytes, +env when the
                       encrypted env copy is there
  export NAME          write backup NAME to stdout, e.g. > NAME

Restore one with scripts/restore.sh NAME (or a .dump file on this machine).

Options:
  -f, --file FILE          compose file; repeat to add overrides
                           (default: \$COMPOSE_FILE, else $DEFAULT_COMPOSE_FILE)
  -p, --project-name NAME  compose project (default: COMPOSE_PROJECT_NAME from the
                           environment or the env file, else the compose file's name)
      --env-file FILE      production settings (default: $DEFAULT_ENV_FILE)
  -h, --help               show this help

Exit codes:
$(exit_codes_help)
  other: the backup runner's (docker compose exec $BACKUP_SERVICE $BACKUP_COMMAND --help)
USAGE
}

words=()
script_option() {
  case $1 in
    --label) need_value "$@"; words+=("$1" "$2"); consumed=2 ;;
    -*) ;;
    *) words+=("$1"); consumed=1 ;;
  esac
}
parse_options "$@"
command=${words[0]:-now}
case $command in
  now) if [ ${#words[@]} -gt 1 ] && [ "${words[1]}" != --label ]; then usage_error "now takes only --label WORD"; fi ;;
  list) [ ${#words[@]} -le 1 ] || usage_error "list takes no arguments" ;;
  export) [ ${#words[@]} -eq 2 ] || usage_error "export needs one backup NAME (see list)" ;;
  *) usage_error "unknown command: $command" ;;
esac
preflight
tag=$(running_tag)

case $command in
  now)
    take_lock "backup"
    log backup "pg_dump of the database (stack at $tag)"
    runner "$tag" now "${words[@]:1}"
    ;;
  list) runner "$tag" list ;;
  export) runner "$tag" cat "${words[1]}" ;;
esac
exit "$EXIT_OK"
