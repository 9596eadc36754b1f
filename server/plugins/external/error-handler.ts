import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import type { ErrorBody } from '../../../contract/index.ts';
import { HttpError, statusText } from '../../http-error.ts';

/**
 * One shape for every 4xx/5xx (contract `ErrorBody`): validation failures, bad JSON, unknown
 * routes, refusals and crashes alike. A 5xx never shows its internals; it is logged instead.
 */
export default fp(async (app) => {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const statusCode = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (error instanceof HttpError) reply.headers(error.headers);
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = {
      statusCode,
      error: statusText(statusCode),
      message: statusCode >= 500 && !(error instanceof HttpError) ? 'internal server error; see the server log' : error.message,
    };
    return reply.code(statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { statusCode: 404, error: statusText(404), message: `no route ${request.method} ${request.url.split('?')[0]}` };
    return reply.code(404).send(body);
  });
}, { name: 'error-handler', fastify: '5.x' });
