import { InjectedMessage, SentMessage, UserMessageInput, WebhookDelivery } from '../telegram/emulator';

/** The emulator's control API over HTTP (the traffic generator runs in its own process). */
export class EmulatorClient {
  constructor(private readonly baseUrl: string) {}

  async send(input: UserMessageInput): Promise<InjectedMessage> {
    const res = await fetch(`${this.baseUrl}/control/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    if (res.status !== 201) throw new Error(`emulator refused the message: HTTP ${res.status} ${await res.text()}`);
    return await res.json() as InjectedMessage;
  }

  /** The bot's messages to `chatId` after `afterMessageId`, waiting up to `waitMs` for the first. */
  async replies(chatId: number, afterMessageId: number, waitMs: number): Promise<SentMessage[]> {
    const query = new URLSearchParams({ chat_id: String(chatId), after_message_id: String(afterMessageId), wait_ms: String(waitMs) });
    const res = await fetch(`${this.baseUrl}/control/sent?${query}`);
    if (!res.ok) throw new Error(`emulator: HTTP ${res.status}`);
    return (await res.json() as { messages: SentMessage[] }).messages;
  }

  /** The registered webhook, the updates not yet delivered, and every delivery so far. */
  async webhook(): Promise<{ url: string; pendingUpdates: number; deliveries: WebhookDelivery[] }> {
    const res = await fetch(`${this.baseUrl}/control/webhook`);
    if (!res.ok) throw new Error(`emulator: HTTP ${res.status}`);
    return await res.json() as { url: string; pendingUpdates: number; deliveries: WebhookDelivery[] };
  }

  /** Makes the emulator trust a CA (PEM) for HTTPS webhook deliveries, as Telegram trusts public CAs. */
  async trustCertificateAuthority(pem: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/control/webhook-ca`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pem }) });
    if (res.status !== 204) throw new Error(`emulator refused the CA: HTTP ${res.status} ${await res.text()}`);
  }
}
