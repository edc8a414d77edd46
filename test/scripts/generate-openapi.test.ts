import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { PROBLEMS, placeOrderRequest } from '../../lambda/contracts/order-api';
import { OPENAPI_PATH, openApiDocument, renderOpenApi } from '../../scripts/generate-openapi';
import { withMessage } from '../support/with-message';

describe('docs/openapi.yaml', () => {
  it('matches the contracts', () => {
    const committed = readFileSync(OPENAPI_PATH, 'utf8');
    withMessage('docs/openapi.yaml is stale: run `npm run docs:openapi` and commit the result', () =>
      expect(committed).toBe(renderOpenApi()),
    );
  });

  it('is a valid OpenAPI document', async () => {
    const document = parse(readFileSync(OPENAPI_PATH, 'utf8'));
    await expect(SwaggerParser.validate(document)).resolves.toMatchObject({ openapi: '3.1.0' });
  });

  it('fails validation when a schema a route refers to is missing, so the check above can fail', async () => {
    const broken = structuredClone(openApiDocument()) as { components: { schemas: Record<string, unknown> } };
    delete broken.components.schemas.Problem;
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it('documents the two routes, with authentication on every route, and every problem kind', () => {
    const document = openApiDocument() as {
      security: unknown[];
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(Object.keys(document.paths)).toEqual(['/orders', '/orders/{orderId}']);
    expect(document.security).toEqual([{ sigv4: [] }, { jwt: [] }]);
    for (const operation of Object.values(document.paths).flatMap((p) => Object.values(p))) {
      // No operation overrides the global security with an empty list (an anonymous route).
      expect(operation.security).toBeUndefined();
    }
    const text = renderOpenApi();
    for (const kind of Object.keys(PROBLEMS)) expect(text).toContain(`#${kind}`);
  });

  it('describes the request body the handler parses, from the same schema', () => {
    const schema = (
      openApiDocument() as {
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      }
    ).components.schemas.PlaceOrderRequest;
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(Object.keys(placeOrderRequest.shape).sort());
  });
});
