import { secret } from './docker';

/** Generated secrets and free host ports for a test stack; the demo endpoints come from devops/demo.env. */
export function testStackEnv(ports: { api: number; frontend: number; postgres: number }): Record<string, string> {
  return {
    POSTGRES_PASSWORD: secret(),
    DB_OWNER_PASSWORD: secret(),
    DB_WRITER_PASSWORD: secret(),
    DB_READER_PASSWORD: secret(),
    API_TOKEN: secret(),
    DASHBOARD_PASSWORD: secret(8),
    SESSION_SECRET: secret(),
    API_PORT: String(ports.api),
    FRONTEND_PORT: String(ports.frontend),
    POSTGRES_PORT: String(ports.postgres),
  };
}
