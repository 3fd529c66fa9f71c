import { Logger } from '@dialogstack/runtime';
import { Module } from '@nestjs/common';
import { ApiConfig } from '../config';
import { API_CONFIG, LOGGER } from '../tokens';
import { Database } from './database';

@Module({
  providers: [{
    provide: Database,
    inject: [API_CONFIG, LOGGER],
    useFactory: (config: ApiConfig, logger: Logger) => new Database(config.databaseUrl, logger),
  }],
  exports: [Database],
})
export class DatabaseModule {}
