import type { TopUser } from '@dialogstack/contract';
import { Avatar } from './avatar';
import { formatAgo, formatCount, formatUtc } from '@/lib/format';

export function TopUsers({ users, generatedAt }: { users: readonly TopUser[]; generatedAt: string }) {
  return (
    <section className="card panel" aria-labelledby="top-users-title">
      <h2 className="panel__title" id="top-users-title">Top users</h2>
      {users.length === 0 ? (
        <p className="panel__empty">Nobody wrote in this period.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col" className="table__num">Messages</th>
              <th scope="col" className="table__num">Last active</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-user-id={user.id}>
                <td>
                  <span className="person">
                    <Avatar id={user.id} name={user.displayName} />
                    <span className="person__text">
                      <span className="person__name">{user.displayName}</span>
                      {user.username ? <span className="person__handle">@{user.username}</span> : null}
                    </span>
                  </span>
                </td>
                <td className="table__num" data-messages={user.messages}>{formatCount(user.messages)}</td>
                <td className="table__num table__muted">
                  <time dateTime={user.lastActiveAt} title={formatUtc(user.lastActiveAt)}>{formatAgo(user.lastActiveAt, generatedAt)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
