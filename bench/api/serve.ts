/**
 * Serves the api with another statistics implementation behind the same HTTP stack, for
 * comparison: `uncoalesced` (the real statement, but every request runs its own) or `naive`
 * (NaiveStatsService). Same environment variables as the api; logs "listening" like it.
 *   npx tsx bench/api/serve.ts naive|uncoalesced
 */
import { createLogger } from '@dialogstack/runtime';
import { Test } from '@nestjs/testing';
import { configureApp } from '../../src/api/dist/app';
import { AppModule } from '../../src/api/dist/app.module';
import { systemClock } from '../../src/api/dist/clock';
import { loadConfig } from '../../src/api/dist/config';
import { Database } from '../../src/api/dist/database/database';
import { NestLogger } from '../../src/api/dist/logging/nest-logger';
import { StatsService } from '../../src/api/dist/stats/stats.service';
import { NaiveStatsService } from '../../src/api/test/support/naive-stats';

export const VARIANTS = ['naive', 'uncoalesced'] as const;
type Variant = (typeof VARIANTS)[number];

function statsFor(variant: Variant, db: Database) {
  if (variant === 'naive') return new NaiveStatsService(db, systemClock);
  const service = new StatsService(db, systemClock);
  return { getStats: service.computeStats.bind(service) };
}

async function main(variant: Variant): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger('api', { level: config.logLevel });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, logger)] })
    .overrideProvider(StatsService)
    .useFactory({ factory: (db: Database) => statsFor(variant, db), inject: [Database] })
    .compile();
  const app = moduleRef.createNestApplication({ logger: new NestLogger(logger), bodyParser: false, forceCloseConnections: true });
  configureApp(app, config, logger);
  await app.listen(config.port);
  logger.info('listening', { port: app.getHttpServer().address().port, variant });
}

const variant = process.argv[2] as Variant;
if (!VARIANTS.includes(variant)) {
  console.error(`usage: serve.ts ${VARIANTS.join('|')}`);
  process.exit(2);
}
main(variant).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
