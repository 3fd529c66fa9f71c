import { Module } from '@nestjs/common';
import { BearerTokenGuard } from '../auth/bearer-token.guard';
import { systemClock } from '../clock';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';
import { Database } from '../database/database';
import { DatabaseModule } from '../database/database.module';

@Module({
  imports: [DatabaseModule],
  controllers: [StatsController],
  providers: [
    BearerTokenGuard,
    { provide: StatsService, inject: [Database], useFactory: (db: Database) => new StatsService(db, systemClock) },
  ],
})
export class StatsModule {}
