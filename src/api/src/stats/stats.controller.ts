import { API_ROUTES, errorResponseSchema, StatsQuery, statsQuerySchema, StatsResponse, statsResponseSchema } from '@dialogstack/contract';
import { Controller, Get, Header, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { StatsService } from './stats.service';
import { BearerTokenGuard } from '../auth/bearer-token.guard';

@ApiTags('stats')
@ApiBearerAuth()
@Controller()
export class StatsController {
  constructor(@Inject(StatsService) private readonly stats: StatsService) {}

  @Get(API_ROUTES.stats)
  @UseGuards(BearerTokenGuard)
  // Private and changing by the second: no shared or browser caches.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Usage statistics of one period: KPIs with trends, a zero-filled series, top users, recent dialogs' })
  @ApiOkResponse({ standardSchema: statsResponseSchema })
  @ApiResponse({ status: 400, description: 'Unknown, repeated or invalid query parameters', standardSchema: errorResponseSchema })
  @ApiResponse({ status: 401, description: 'Missing or wrong bearer token', standardSchema: errorResponseSchema })
  @ApiResponse({ status: 503, description: 'The database is unavailable', standardSchema: errorResponseSchema })
  getStats(@Query({ schema: statsQuerySchema }) query: StatsQuery): Promise<StatsResponse> {
    return this.stats.getStats(query);
  }
}
