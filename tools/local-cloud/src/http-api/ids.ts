import { createHash } from 'node:crypto';

/**
 * Identifiers the local HTTP API gives the API Gateway resources moto does not create. They are derived
 * from the stack and logical id, so the deploy shim (what the templates' references resolve to) and the
 * local gateway (what the functions see in `requestContext.apiId`) agree without talking to each other.
 */

/** API Gateway ids are 10 characters of lower-case letters and digits. */
const ID_LENGTH = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The id of an API Gateway V2 resource (API, route, integration, authorizer) of a stack. */
export function localApiGatewayId(stackName: string, logicalId: string): string {
  const digest = createHash('sha256').update(`${stackName}/${logicalId}`).digest();
  let id = '';
  for (const byte of digest) {
    if (id.length === ID_LENGTH) break;
    id += ALPHABET[byte % ALPHABET.length];
  }
  return id;
}

/** The invoke URL AWS gives an API: what `Fn::GetAtt Api.ApiEndpoint` resolves to. */
export function awsApiEndpoint(apiId: string, region: string): string {
  return `https://${apiId}.execute-api.${region}.amazonaws.com`;
}
