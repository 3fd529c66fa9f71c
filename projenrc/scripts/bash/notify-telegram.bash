usage() {
  cat <<USAGE
Usage: $0 LINE [LINE...]

Sends LINEs (joined by newlines) to a Telegram chat through the Bot API. Skipped, with exit
0, when TELEGRAM_NOTIFY_TOKEN or TELEGRAM_NOTIFY_CHAT_ID is not set.

Environment:
  TELEGRAM_NOTIFY_TOKEN     token of the bot that posts (from @BotFather)
  TELEGRAM_NOTIFY_CHAT_ID   chat to post to (a user, group or channel id)
  TELEGRAM_NOTIFY_API_ROOT  Bot API base URL (default: $DEFAULT_TELEGRAM_API_ROOT)

Exit codes: 0 sent or skipped, 1 Telegram unreachable or refused, 2 usage, 3 curl missing.
USAGE
}

case ${1:-} in
  -h | --help) usage; exit 0 ;;
esac
token=${TELEGRAM_NOTIFY_TOKEN:-}
chat=${TELEGRAM_NOTIFY_CHAT_ID:-}
if [ -z "$token" ] || [ -z "$chat" ]; then
  echo "notify-telegram: skipped (TELEGRAM_NOTIFY_TOKEN and TELEGRAM_NOTIFY_CHAT_ID are not both set)"
  exit 0
fi
if [ $# -eq 0 ]; then
  usage >&2
  exit 2
fi
command -v curl >/dev/null 2>&1 || { echo "notify-telegram: curl is not installed" >&2; exit 3; }

text=$(printf '%s\n' "$@")
# Telegram's limit is 4096 characters per message.
text=${text:0:4000}
api=${TELEGRAM_NOTIFY_API_ROOT:-$DEFAULT_TELEGRAM_API_ROOT}
# The URL (it carries the token) goes to curl as a config line on stdin: never on a command line.
if ! response=$(printf 'url = "%s/bot%s/sendMessage"\n' "${api%/}" "$token" |
  curl --silent --show-error --max-time 20 --retry 2 --config - \
    --data-urlencode "chat_id=$chat" --data-urlencode "text=$text" --data-urlencode "disable_web_page_preview=true" 2>&1); then
  echo "notify-telegram: Telegram is unreachable: $response" >&2
  exit 1
fi
case $response in
  *'"ok":true'*) echo "notify-telegram: sent" ;;
  *)
    echo "notify-telegram: Telegram refused the message: $response" >&2
    exit 1
    ;;
esac
