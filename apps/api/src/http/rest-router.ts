import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  AppError,
  restRoutes,
  type RestRoute,
  type RestRouteName,
  type RestRoutes,
  type RestSuccessBody,
} from '@kelisim/contracts';
import type { Actor } from '@kelisim/domain';
import { formToJsonShape } from './form-body.js';
import { parseInput } from './validate.js';

type Parsed<R, Part extends 'params' | 'query' | 'body'> = R extends {
  [P in Part]: infer S extends z.ZodType;
}
  ? z.output<S>
  : undefined;

/** A request as its handler sees it: each part already parsed with the route's own schema. */
export interface RouteRequest<R extends RestRoute> {
  params: Parsed<R, 'params'>;
  query: Parsed<R, 'query'>;
  body: Parsed<R, 'body'>;
  actor: R extends { public: true } ? undefined : Actor;
  req: Request;
}

/** The JSON bodies documented for the route's successes; any for routes that send bytes. */
type ResponseBody<R extends RestRoute> = [RestSuccessBody<R>] extends [never]
  ? unknown
  : RestSuccessBody<R>;

export type RouteHandler<R extends RestRoute> = (
  request: RouteRequest<R>,
  res: Response<ResponseBody<R>>,
) => Promise<void>;

/**
 * A handler for every route of the contract's table; `null` while the feature behind the route
 * is off (no file storage, no demo mode), and the route answers 404.
 */
export type RestHandlers = { [Name in RestRouteName]: RouteHandler<RestRoutes[Name]> | null };

/** Registers the table's public routes, or the ones behind `requireUser`, with their handlers. */
export function restRouter(handlers: RestHandlers, access: 'public' | 'authenticated'): Router {
  const router = Router();
  for (const [name, route] of Object.entries(restRoutes) as [RestRouteName, RestRoute][]) {
    if ((route.public === true) !== (access === 'public')) continue;
    const handler = handlers[name] as ((request: object, res: Response) => Promise<void>) | null;
    router[route.method](route.path, async (req, res) => {
      if (!handler) throw new AppError('not_found', 'Not found.');
      const request = {
        params: route.params && parseInput(route.params, req.params),
        query: route.query && parseInput(route.query, req.query),
        body: route.body && parseInput(route.body, bodyOf(req, route.body)),
        actor: res.locals.actor,
        req,
      };
      await handler(request, res);
    });
  }
  return router;
}

/** The parsed body in its JSON shape; no body at all is `{}` (every field absent). */
function bodyOf(req: Request, schema: z.ZodType): unknown {
  if (req.body === undefined || req.body === null) return {};
  if (req.is('application/x-www-form-urlencoded')) {
    return formToJsonShape(schema, req.body as Record<string, string | string[]>);
  }
  return req.body;
}
