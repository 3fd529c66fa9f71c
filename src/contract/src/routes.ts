/** Paths of the api, relative to its base URL. One place so api, frontend and tests agree. */
export const API_ROUTES = {
  stats: '/api/v1/stats',
  health: '/api/v1/health',
  ready: '/api/v1/ready',
  docs: '/api/docs',
} as const;
