import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { Database } from '../database/database';
import { DatabaseModule } from '../database/database.module';

@Module({
  imports: [DatabaseModule],
  controllers: [HealthController],
  providers: [{ provide: HealthService, inject: [Database], useFactory: (db: Database) => new HealthService(db, packageVersion()) }],
})
export class HealthModule {}

/** The api package's version (dist/health/ and src/health/ are both two levels below it). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
