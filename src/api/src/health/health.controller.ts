import { API_ROUTES, HealthResponse, healthResponseSchema, ReadyResponse, readyResponseSchema } from '@dialogstack/contract';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthService } from './health.service';

/** Public probes for container health checks and load balancers. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(HealthService) private readonly health: HealthService) {}

  @Get(API_ROUTES.health)
  @ApiOkResponse({ description: 'The api process is alive (the database is not consulted)', standardSchema: healthResponseSchema })
  liveness(): HealthResponse {
    return this.health.liveness();
  }

  @Get(API_ROUTES.ready)
  @ApiOkResponse({ description: 'Ready to serve: the database answers', standardSchema: readyResponseSchema })
  @ApiResponse({ status: 503, description: 'Not ready: the database does not answer', standardSchema: readyResponseSchema })
  async readiness(@Res({ passthrough: true }) response: { status(code: number): unknown }): Promise<ReadyResponse> {
    const ready = await this.health.readiness();
    response.status(ready.status === 'ready' ? 200 : 503);
    return ready;
  }
}
