/** The subset of the Bot API wire format the emulator speaks. */

export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TelegramChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  first_name?: string;
  username?: string;
  title?: string;
}

export interface TelegramMessage {
  message_id: number;
  date: number;
  chat: TelegramChat;
  from?: TelegramUser;
  text?: string;
  entities?: { type: 'bot_command'; offset: number; length: number }[];
  sticker?: Record<string, unknown>;
  photo?: Record<string, unknown>[];
  voice?: Record<string, unknown>;
  caption?: string;
}

export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
}

/** An error as the Bot API reports it: HTTP status plus the JSON body. */
export interface ApiFailure {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
}

export interface ApiResult {
  status: number;
  body: { ok: true; result: unknown } | ApiFailure;
}
