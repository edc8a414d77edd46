import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  diffRequestCounts,
  EmulatorError,
  type EmulatorRequestCounts,
  REQUEST_COUNTS_PATH,
  startEmulator,
} from '../src/emulator';

const BEFORE: EmulatorRequestCounts = {
  requests: [
    { caller: 'bench', service: 'SQS', operation: 'ReceiveMessage', count: 10, errors: 0 },
    { caller: 'bench', service: 'DynamoDB', operation: 'UpdateItem', count: 4, errors: 1 },
    { caller: '', service: 'SQS', operation: 'ReceiveMessage', count: 7, errors: 0 },
  ],
  dynamodb: [
    { caller: 'bench', table: 'Orders', writeUnits: 6, readUnits: 1.5 },
    { caller: 'bench', table: 'Stock', writeUnits: 2, readUnits: 0 },
  ],
};

describe('diffRequestCounts', () => {
  it('returns what was counted between two snapshots, without the rows that did not change', () => {
    // GIVEN a later snapshot: more receives, one more failed update, a new caller and operation
    const after: EmulatorRequestCounts = {
      requests: [
        { caller: 'bench', service: 'SQS', operation: 'ReceiveMessage', count: 15, errors: 0 },
        { caller: 'bench', service: 'DynamoDB', operation: 'UpdateItem', count: 6, errors: 2 },
        { caller: '', service: 'SQS', operation: 'ReceiveMessage', count: 7, errors: 0 },
        { caller: 'runner', service: 'SQS', operation: 'DeleteMessageBatch', count: 3, errors: 0 },
      ],
      dynamodb: [
        { caller: 'bench', table: 'Orders', writeUnits: 9, readUnits: 2 },
        { caller: 'bench', table: 'Stock', writeUnits: 2, readUnits: 0 },
        { caller: 'runner', table: 'Stock', writeUnits: 4, readUnits: 0 },
      ],
    };
    // WHEN the earlier one is subtracted
    const delta = diffRequestCounts(BEFORE, after);
    // THEN each key holds its increase; keys new since `before` are whole; unchanged ones are gone
    expect(delta).toEqual({
      requests: [
        { caller: 'bench', service: 'SQS', operation: 'ReceiveMessage', count: 5, errors: 0 },
        { caller: 'bench', service: 'DynamoDB', operation: 'UpdateItem', count: 2, errors: 1 },
        { caller: 'runner', service: 'SQS', operation: 'DeleteMessageBatch', count: 3, errors: 0 },
      ],
      dynamodb: [
        { caller: 'bench', table: 'Orders', writeUnits: 3, readUnits: 0.5 },
        { caller: 'runner', table: 'Stock', writeUnits: 4, readUnits: 0 },
      ],
    });
  });

  it('returns nothing for the same snapshot twice', () => {
    expect(diffRequestCounts(BEFORE, BEFORE)).toEqual({ requests: [], dynamodb: [] });
  });

  it('fails when a counter went down (the emulator restarted between the snapshots)', () => {
    // GIVEN a snapshot of a restarted emulator: fewer receives
    const after: EmulatorRequestCounts = {
      ...BEFORE,
      requests: BEFORE.requests.map((r) => (r.operation === 'ReceiveMessage' ? { ...r, count: 1 } : r)),
    };
    // WHEN it is compared with the earlier one
    // THEN the comparison is refused, with the reason
    expect(() => diffRequestCounts(BEFORE, after)).toThrow(EmulatorError);
    expect(() => diffRequestCounts(BEFORE, after)).toThrow(/restarted/);
  });

  it('fails when a counted table is missing from the later snapshot', () => {
    const after: EmulatorRequestCounts = { ...BEFORE, dynamodb: BEFORE.dynamodb.slice(1) };
    expect(() => diffRequestCounts(BEFORE, after)).toThrow(/restarted/);
  });
});

describe('Emulator.requestCounts of an attached endpoint', () => {
  let server: Server | undefined;

  /** A loopback emulator: `routes` maps a path to its JSON answer; anything else is a 404. */
  async function serve(routes: Record<string, unknown>): Promise<string> {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      const found = path === '/' || path in routes;
      res.writeHead(found ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(routes[path] ?? {}));
    });
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    server = undefined;
  });

  it('returns the counts of a moto run by moto_server.py', async () => {
    // GIVEN an attached moto that serves the counts
    const emulator = await startEmulator({
      endpoint: await serve({ '/moto-api/config': {}, [REQUEST_COUNTS_PATH]: BEFORE }),
    });
    // WHEN they are asked for
    // THEN they are its answer
    expect(await emulator.requestCounts()).toEqual(BEFORE);
  });

  it('returns undefined for a moto run without moto_server.py', async () => {
    // GIVEN an attached moto that answers 404 for the counts
    const emulator = await startEmulator({ endpoint: await serve({ '/moto-api/config': {} }) });
    expect(emulator.isMoto).toBe(true);
    // WHEN they are asked for
    // THEN there are none, and no error
    expect(await emulator.requestCounts()).toBeUndefined();
  });

  it('returns undefined for another emulator (LocalStack) without asking it', async () => {
    // GIVEN an emulator that is not moto, yet would answer the path (as LocalStack's S3 could)
    const emulator = await startEmulator({ endpoint: await serve({ [REQUEST_COUNTS_PATH]: BEFORE }) });
    expect(emulator.isMoto).toBe(false);
    // WHEN the counts are asked for
    // THEN there are none
    expect(await emulator.requestCounts()).toBeUndefined();
  });
});
