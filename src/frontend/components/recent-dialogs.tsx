import type { RecentDialog } from '@dialogstack/contract';
import { Avatar } from './avatar';
import { formatAgo, formatCount, formatUtc } from '@/lib/format';

export function RecentDialogs({ dialogs, generatedAt }: { dialogs: readonly RecentDialog[]; generatedAt: string }) {
  return (
    <section className="card panel" aria-labelledby="recent-dialogs-title">
      <h2 className="panel__title" id="recent-dialogs-title">Recent dialogs</h2>
      {dialogs.length === 0 ? (
        <p className="panel__empty">No dialogs in this period.</p>
      ) : (
        <ul className="dialogs">
          {dialogs.map((dialog) => (
            <li key={`${dialog.chatId}:${dialog.user.id}`} className="dialog" data-chat-id={dialog.chatId}>
              <Avatar id={dialog.user.id} name={dialog.user.displayName} />
              <div className="dialog__body">
                <p className="dialog__head">
                  <span className="person__name">{dialog.user.displayName}</span>
                  <time className="dialog__time" dateTime={dialog.lastMessageAt} title={formatUtc(dialog.lastMessageAt)}>
                    {formatAgo(dialog.lastMessageAt, generatedAt)}
                  </time>
                </p>
                <p className="dialog__preview">{dialog.lastMessagePreview}</p>
                <p className="dialog__meta">{formatCount(dialog.messages)} {dialog.messages === 1 ? 'message' : 'messages'}</p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
