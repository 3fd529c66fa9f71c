import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A Telegram user who has written to the bot. Primary key is the Telegram user id. */
@Entity({ name: 'users' })
export class User {
  /** Telegram user id; bigint comes back from pg as a decimal string. */
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text', nullable: true })
  username!: string | null;

  @Column({ name: 'first_name', type: 'text', default: '' })
  firstName!: string;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName!: string | null;

  @Column({ name: 'language_code', type: 'text', nullable: true })
  languageCode!: string | null;

  @Index('users_first_seen_at_idx')
  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt!: Date;
}
