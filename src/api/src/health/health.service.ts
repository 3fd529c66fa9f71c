import { HealthResponse, ReadyResponse } from '@dialogstack/contract';
import { Database } from '../database/database';

/** A readiness probe answers within this, database reachable or not. */
export const READY_TIMEOUT_MS = 2000;

export class HealthService {
  constructor(private readonly db: Database, private readonly version: string) {}

  /** Liveness: the process serves HTTP. Never touches the database. */
  liveness(): HealthResponse {
    return { status: 'ok', service: 'api', version: this.version, uptimeSeconds: Math.floor(process.uptime()) };
  }

  async readiness(): Promise<ReadyResponse> {
    const up = await this.db.isReachable(READY_TIMEOUT_MS);
    return { status: up ? 'ready' : 'unavailable', checks: { database: up ? 'up' : 'down' } };
  }
}
