import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { restRoutes, type RestRoute, type RouteResponse } from './rest-routes.js';

/** The REST API's OpenAPI 3.1 document, built from the route table the API registers. */
export function createOpenApiDocument() {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of Object.values(restRoutes) as RestRoute[]) {
    const path = `/api${route.path.replace(/:(\w+)/g, '{$1}')}`;
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kelisim Chat API',
      version: '1.0.0',
      description: 'Laravel-compatible realtime chat. Authenticate with a Laravel-issued JWT.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    paths,
  });
}

function operation(route: RestRoute): ZodOpenApiOperationObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = { description: response.description, ...content(response) };
  }
  const requestBody = route.body
    ? { content: { 'application/json': { schema: route.body } } }
    : route.form && { content: { 'multipart/form-data': { schema: route.form } } };
  return {
    summary: route.summary,
    ...(!route.public && { security: [{ bearer: [] }] }),
    ...((route.params || route.query) && {
      requestParams: {
        ...(route.params && { path: route.params }),
        ...(route.query && { query: route.query }),
      },
    }),
    ...(requestBody && { requestBody }),
    responses,
  };
}

function content(response: RouteResponse) {
  if (response.body) return { content: { 'application/json': { schema: response.body } } };
  if (response.bytes) {
    return { content: { [response.bytes]: { schema: z.string().meta({ format: 'binary' }) } } };
  }
  return {};
}
