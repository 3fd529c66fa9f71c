import { DynamicModule, Global, Module } from '@nestjs/common';
import { ApiConfig } from './config';
import { JsonLogger } from './logging/json-logger';
import { API_CONFIG } from './tokens';

/** Configuration and the logger, available to every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: ApiConfig, logger: JsonLogger): DynamicModule {
    return {
      module: CoreModule,
      providers: [{ provide: API_CONFIG, useValue: config }, { provide: JsonLogger, useValue: logger }],
      exports: [API_CONFIG, JsonLogger],
    };
  }
}
