/**
 * Which emulator answers at AWS_ENDPOINT_URL. moto's replay differs from AWS (see replay.ts), so the CLI
 * says so. moto serves its own API under /moto-api/; `config` is a few bytes (`data.json`, which
 * tools/local-cloud/src/emulator.ts probes at start-up, dumps every backend and takes seconds once the pipeline ran).
 */
export async function isMotoEndpoint(endpoint: string, timeoutMs = 5_000): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint.replace(/\/$/, '')}/moto-api/config`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as unknown;
    return typeof body === 'object' && body !== null && 'batch' in body;
  } catch {
    return false;
  }
}
