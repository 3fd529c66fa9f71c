import { API_ROUTES, errorResponseSchema, HealthResponse, healthResponseSchema, ReadyResponse, readyResponseSchema } from '@dialogstack/contract';
import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { HealthService } from './health.service';

/** Probes take no parameters; like every route of the contract, they refuse unknown ones. */
const noParameters = z.object({}).strict();
const UNKNOWN_PARAMETER = { status: 400, description: 'A query parameter was given (probes take none)', standardSchema: errorResponseSchema } as const;

/**
 * Public probes for container health checks and load balancers: no token (`security: []`
 * overrides nothing, there is no global requirement, but says so to readers and linters).
 */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(HealthService) private readonly health: HealthService) {}

  @Get(API_ROUTES.health)
  @ApiOperation({ summary: 'Liveness: the api process is up', security: [] })
  @ApiOkResponse({ description: 'The api process is alive (the database is not consulted)', standardSchema: healthResponseSchema })
  @ApiResponse(UNKNOWN_PARAMETER)
  liveness(@Query({ schema: noParameters }) _query: Record<string, never>): HealthResponse {
    return this.health.liveness();
  }

  @Get(API_ROUTES.ready)
  @ApiOperation({ summary: 'Readiness: the api can serve statistics (its database answers)', security: [] })
  @ApiOkResponse({ description: 'Ready to serve: the database answers', standardSchema: readyResponseSchema })
  @ApiResponse(UNKNOWN_PARAMETER)
  @ApiResponse({ status: 503, description: 'Not ready: the database does not answer', standardSchema: readyResponseSchema })
  async readiness(
    @Query({ schema: noParameters }) _query: Record<string, never>,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<ReadyResponse> {
    const ready = await this.health.readiness();
    response.status(ready.status === 'ready' ? 200 : 503);
    return ready;
  }
}
