/** Liveness for the container health check: answers without calling the api. */
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({ status: 'ok' });
}
