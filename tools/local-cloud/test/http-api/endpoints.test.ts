import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { curlExamples } from '../../src/http-api/endpoints';
import type { ServedApi } from '../../src/http-api/gateway';
import { parseRouteKey } from '../../src/http-api/routing';

const API: ServedApi = {
  url: 'http://127.0.0.1:4000',
  definition: {
    stackName: 'App-local',
    logicalId: 'HttpApi',
    apiId: 'abc123',
    name: 'HttpApi',
    stages: [],
    routes: ['POST /orders', 'GET /orders/{orderId}'].map((text) => ({
      logicalId: text,
      key: parseRouteKey(text, 'test'),
      authorization: { type: 'AWS_IAM' as const },
    })),
  },
};
const OPTIONS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** The arguments a POSIX shell makes of a command line (how a pasted line is read). */
function shellWords(line: string): string[] {
  return JSON.parse(
    execFileSync('sh', [
      '-c',
      `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${line.slice('curl '.length)}`,
    ]).toString(),
  );
}

describe('curlExamples', () => {
  it('GIVEN no examples THEN each route gets a signed line with placeholder path values and an empty JSON body for POST', () => {
    const [post, get] = curlExamples([API], OPTIONS);

    expect(post).toBe(
      "curl -i -X POST 'http://127.0.0.1:4000/orders' --aws-sigv4 'aws:amz:us-east-1:execute-api' --user 'local:local' -H 'content-type: application/json' -d '{}'",
    );
    expect(get).toBe(
      "curl -i -X GET 'http://127.0.0.1:4000/orders/example-orderId' --aws-sigv4 'aws:amz:us-east-1:execute-api' --user 'local:local'",
    );
  });

  it('GIVEN examples by route key THEN the lines send their path, headers and body, quoted for the shell', () => {
    const body = JSON.stringify({ note: "it's" });
    const [post, get] = curlExamples([API], {
      ...OPTIONS,
      examples: {
        'POST /orders': { headers: { 'Idempotency-Key': 'key-1' }, body },
        'GET /orders/{orderId}': { path: '/orders/o-1' },
      },
    });

    const words = shellWords(post ?? '');
    expect(words).toContain('Idempotency-Key: key-1');
    expect(words[words.indexOf('-d') + 1]).toBe(body);
    expect(get).toContain("'http://127.0.0.1:4000/orders/o-1'");
  });
});
