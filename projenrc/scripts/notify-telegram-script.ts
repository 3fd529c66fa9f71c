import { IConstruct } from 'constructs';
import { DERIVED_HEADER, bashFragment, shellQuote } from './bash';
import { ShellScript } from './shell-script';

export interface NotifyTelegramScriptProps {
  /** Bot API base URL used when TELEGRAM_NOTIFY_API_ROOT is unset. @default 'https://api.telegram.org' */
  readonly defaultApiRoot?: string;
}

/**
 * `scripts/notify-telegram.sh`: posts a message to a Telegram chat (the deploy workflow's
 * notification); skipped when its token or chat is not configured. Logic:
 * projenrc/scripts/bash/notify-telegram.bash.
 */
export class NotifyTelegramScript extends ShellScript {
  constructor(scope: IConstruct, filePath: string, props: NotifyTelegramScriptProps = {}) {
    const apiRoot = props.defaultApiRoot ?? 'https://api.telegram.org';
    super(scope, filePath, {
      description: [
        'Sends a message to a Telegram chat; skipped when TELEGRAM_NOTIFY_TOKEN or TELEGRAM_NOTIFY_CHAT_ID is unset.',
        `Usage: ${filePath} LINE [LINE...]`,
      ].join('\n'),
      body: () => [DERIVED_HEADER, `DEFAULT_TELEGRAM_API_ROOT=${shellQuote(apiRoot)}`, '', ...bashFragment('notify-telegram')],
    });
  }
}
