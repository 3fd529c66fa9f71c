import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { Message } from './entities/message.entity';
import { User } from './entities/user.entity';
import { InitialSchema1764374400000 } from './migrations/1764374400000-initial-schema';
import { MessageReplyTo1764460800000 } from './migrations/1764460800000-message-reply-to';
import { ActivityTotals1764547200000 } from './migrations/1764547200000-activity-totals';
import { OneReplyPerQuestion1764633600000 } from './migrations/1764633600000-one-reply-per-question';
import { ExactActivityRollups1764720000000 } from './migrations/1764720000000-exact-activity-rollups';
import { ReplyDelivery1764806400000 } from './migrations/1764806400000-reply-delivery';
import { LlmUsage1764892800000 } from './migrations/1764892800000-llm-usage';
import { HeadDayIndexes1764979200000 } from './migrations/1764979200000-head-day-indexes';
import { NewCountInPlpgsql1765065600000 } from './migrations/1765065600000-new-count-in-plpgsql';
import { AnswerClaims1765152000000 } from './migrations/1765152000000-answer-claims';

export const ENTITIES = [User, Message];
/** Every migration, in order. Listed explicitly: no glob, so bundling and tests see the same set. */
export const MIGRATIONS = [
  InitialSchema1764374400000, MessageReplyTo1764460800000, ActivityTotals1764547200000, OneReplyPerQuestion1764633600000,
  ExactActivityRollups1764720000000, ReplyDelivery1764806400000, LlmUsage1764892800000, HeadDayIndexes1764979200000,
  NewCountInPlpgsql1765065600000, AnswerClaims1765152000000,
];

export interface DataSourceConfig {
  /** postgres://user:password@host:port/database */
  readonly url: string;
  /** Application name shown in pg_stat_activity. */
  readonly applicationName: string;
  /** Connection pool size. @default 10 */
  readonly poolSize?: number;
  /** Fail a connection attempt after this long instead of hanging. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Cancel a statement after this long. @default 10000 */
  readonly statementTimeoutMs?: number;
}

export function dataSourceOptions(config: DataSourceConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    applicationName: config.applicationName,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'migration'],
    extra: {
      max: config.poolSize ?? 10,
      connectionTimeoutMillis: config.connectTimeoutMs ?? 5000,
      statement_timeout: config.statementTimeoutMs ?? 10_000,
      // Everything we store and compute is UTC.
      options: '-c timezone=UTC',
    },
  };
}

export function createDataSource(config: DataSourceConfig): DataSource {
  return new DataSource(dataSourceOptions(config));
}
