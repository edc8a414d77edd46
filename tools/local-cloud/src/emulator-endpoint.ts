import { createServer } from 'node:net';

/** Where the emulator answers and how a client or a child process reaches it; no process management here. */

/** moto's default account: every ARN it builds uses it. */
export const LOCAL_ACCOUNT_ID = '123456789012';

/**
 * A fixed region keeps ARNs, queue URLs and the CloudFormation pseudo parameters the same on every
 * laptop, whatever the user's AWS profile says.
 */
export const LOCAL_REGION = 'us-east-1';

/**
 * Dummy credentials: the emulator does not check signatures, but the SDK refuses to sign without
 * credentials, and real ones must never leave the laptop for a local run.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
}

/** Settings an SDK client needs to talk to the emulator. */
export interface EmulatorClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** S3 on an emulator is served under one host: virtual-hosted bucket names would not resolve. */
  readonly forcePathStyle: true;
}

/** A free loopback port chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something already listens on 127.0.0.1:port. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * moto serves its own API under /moto-api/; LocalStack and AWS do not. `config` first: it is small and
 * always answers, while `data.json` dumps every backend and fails (500) once Lambda functions exist and
 * Docker is absent, which made a moto with a deployed app look like another emulator.
 */
export async function isMotoEndpoint(endpoint: string): Promise<boolean> {
  for (const path of ['/moto-api/config', '/moto-api/data.json']) {
    try {
      const res = await fetch(`${endpoint.replace(/\/$/, '')}${path}`, {
        signal: AbortSignal.timeout(3_000),
      });
      const text = await res.text();
      if (res.ok && text.trimStart().startsWith('{')) return true;
    } catch {
      // try the next one
    }
  }
  return false;
}

export function clientConfigFor(endpoint: string): EmulatorClientConfig {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true };
}

export function childEnvFor(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}
