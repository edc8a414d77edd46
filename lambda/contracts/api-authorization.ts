/**
 * How callers of the HTTP API authenticate (lib/config.ts `api.authorization`). Apart from the API's
 * schemas (order-api.ts) because every function's environment names it (lambda/shared/environments.ts)
 * and a module's schemas are built when it loads: the order steps would otherwise build the API's.
 */
export const API_AUTHORIZATION_TYPES = ['iam', 'jwt'] as const;
export type ApiAuthorizationType = (typeof API_AUTHORIZATION_TYPES)[number];
