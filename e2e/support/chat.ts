import { EmulatorClient, InjectedMessage } from '@dialogstack/devtools';
import { waitFor } from './docker';

export interface ChatMessage extends InjectedMessage {
  readonly text: string;
}

export interface ChatOptions {
  /** Distinct people (private chats), written to in turn. */
  readonly users: number;
  /** The first person's Telegram id; the others follow. */
  readonly firstUserId: number;
  /** One message every this many milliseconds (in all). */
  readonly intervalMs: number;
  /** Starts every text, so a reply can be told apart from other tests' replies. */
  readonly label: string;
}

/**
 * People writing to the bot through the Telegram emulator at a steady pace until stopped,
 * each text unique (`<label> <n>`). The LLM stub quotes the question (`You said: "<text>"`),
 * so every reply names the message it answers.
 */
export function chatLoop(emulator: EmulatorClient, opts: ChatOptions): { stop: () => Promise<ChatMessage[]> } {
  let running = true;
  const sent: ChatMessage[] = [];
  const done = (async () => {
    for (let i = 0; running; i++) {
      const started = Date.now();
      const user = opts.firstUserId + (i % opts.users);
      const text = `${opts.label} ${i}`;
      sent.push({ ...await emulator.send({ from: { id: user, first_name: `${opts.label}${i % opts.users}` }, text }), text });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, opts.intervalMs - (Date.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return sent;
    },
  };
}

/**
 * Waits until each message has a reply quoting it, then counts the replies each got (a
 * duplicate shows as 2). Replies that quote no message of `sent` are counted under ''.
 */
export async function answersTo(emulator: EmulatorClient, sent: readonly ChatMessage[], timeoutMs: number): Promise<Map<string, number>> {
  const byChat = new Map<number, ChatMessage[]>();
  for (const m of sent) byChat.set(m.chatId, [...(byChat.get(m.chatId) ?? []), m]);
  const counts = new Map<string, number>(sent.map((m) => [m.text, 0]));
  const deadline = Date.now() + timeoutMs;
  for (const [chatId, messages] of byChat) {
    const first = Math.min(...messages.map((m) => m.messageId));
    const replies = await waitFor(`a reply to each of ${messages.length} messages in chat ${chatId}`, async () => {
      const got = await emulator.replies(chatId, first - 1, 0);
      const quoted = new Set(got.map((r) => quotedText(r.text)));
      return messages.every((m) => quoted.has(m.text)) ? got : undefined;
    }, Math.max(1000, deadline - Date.now()), 500);
    for (const r of replies) {
      const text = quotedText(r.text);
      const key = counts.has(text) ? text : '';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The question a reply of the LLM stub answers: `You said: "<text>". ...` */
function quotedText(reply: string): string {
  return /^You said: "(.*?)"\./s.exec(reply)?.[1] ?? '';
}
