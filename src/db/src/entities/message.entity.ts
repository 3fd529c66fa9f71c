import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity';

export type MessageRole = 'user' | 'assistant';

/**
 * One message of a dialog. `/reset` sets `hiddenAt`: the message leaves the bot's context
 * but still counts in statistics. Indexes live in the migration (partial / covering
 * indexes that decorators cannot express).
 */
@Entity({ name: 'messages' })
export class Message {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'user_id', type: 'bigint' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'chat_id', type: 'bigint' })
  chatId!: string;

  @Column({ type: 'text' })
  role!: MessageRole;

  @Column({ type: 'text' })
  content!: string;

  /** Length in characters (Unicode code points), kept so statistics never read `content`. */
  @Column({ type: 'integer' })
  length!: number;

  /** Telegram message id of a user's message: makes a re-delivered update idempotent. */
  @Column({ name: 'telegram_message_id', type: 'bigint', nullable: true })
  telegramMessageId!: string | null;

  /** On an assistant reply: the user message it answers (keeps queued questions paired with their answers). */
  @Column({ name: 'reply_to_id', type: 'bigint', nullable: true })
  replyToId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'hidden_at', type: 'timestamptz', nullable: true })
  hiddenAt!: Date | null;

  /** On a user's message: when Telegram accepted the bot's reply to it; null while the bot still owes one. */
  @Column({ name: 'replied_at', type: 'timestamptz', nullable: true })
  repliedAt!: Date | null;

  /** On a user's message: a bot process has it in hand (queued or being answered) until then; others leave it alone. */
  @Column({ name: 'answering_until', type: 'timestamptz', nullable: true })
  answeringUntil!: Date | null;

  /** On a user's message: the bot process that claimed it last (`<hostname>/<random>`). */
  @Column({ name: 'answering_by', type: 'text', nullable: true })
  answeringBy!: string | null;
}
