import 'server-only';
import { createLogger } from '@dialogstack/runtime';

/** The dashboard server's logger. The stack gives the frontend no LOG_LEVEL: info. */
export const log = createLogger('frontend', { level: 'info' });
