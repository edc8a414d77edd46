import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isMotoEndpoint } from '../src/endpoint';

let server: Server | undefined;

/** A loopback server answering every request with `status` and `body`. */
async function serve(status: number, body: string): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  server = undefined;
});

describe('isMotoEndpoint', () => {
  it('GIVEN an endpoint serving moto’s config WHEN probed THEN it is moto', async () => {
    expect(await isMotoEndpoint(await serve(201, '{"batch":{"use_docker":true},"lambda":{}}'))).toBe(true);
  });

  it('GIVEN another emulator that answers 404 WHEN probed THEN it is not moto', async () => {
    expect(await isMotoEndpoint(await serve(404, '{"error":"not found"}'))).toBe(false);
  });

  it('GIVEN nothing listening WHEN probed THEN it is not moto', async () => {
    const endpoint = await serve(200, '{}');
    await new Promise((done) => server?.close(done));
    server = undefined;
    expect(await isMotoEndpoint(endpoint, 1_000)).toBe(false);
  });
});
