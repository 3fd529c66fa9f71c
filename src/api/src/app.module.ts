import { Logger } from '@dialogstack/runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { ApiConfig } from './config';
import { CoreModule } from './core.module';
import { HealthModule } from './health/health.module';
import { StatsModule } from './stats/stats.module';

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig, logger: Logger): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(config, logger), StatsModule, HealthModule] };
  }
}
