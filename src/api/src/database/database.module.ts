import { Module } from '@nestjs/common';
import { ApiConfig } from '../config';
import { JsonLogger } from '../logging/json-logger';
import { API_CONFIG } from '../tokens';
import { Database } from './database';

@Module({
  providers: [{
    provide: Database,
    inject: [API_CONFIG, JsonLogger],
    useFactory: (config: ApiConfig, logger: JsonLogger) => new Database(config.databaseUrl, logger),
  }],
  exports: [Database],
})
export class DatabaseModule {}
