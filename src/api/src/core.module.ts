import { Logger } from '@dialogstack/runtime';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { ApiConfig } from './config';
import { API_CONFIG, LOGGER } from './tokens';

/** Configuration and the logger, available to every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: ApiConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [{ provide: API_CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }],
      exports: [API_CONFIG, LOGGER],
    };
  }
}
