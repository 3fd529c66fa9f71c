import { z } from 'zod';

/**
 * Every non-2xx JSON body of the api, except `GET /ready`'s 503, which is a ReadyResponse
 * saying what is down. Never carries a stack trace or SQL text.
 */
export const errorResponseSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  /** Field-level problems of a rejected request, e.g. `{ path: 'period', message: '...' }`. */
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
