// One error shape for every response that is not a success: `{ "error": { "code", "message" } }`.
// Codes are stable (documented in docs/api.md); messages are for people.
import type { FastifyError, FastifyInstance } from 'fastify';
import { isAppError } from '../lib/errors.js';
import { redactText } from '../lib/redact.js';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** Response schemas for the error statuses every route may answer with. */
export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

const APP_ERROR_STATUS: Record<string, number> = {
  USAGE: 400,
  CONFIG_INVALID: 400,
};

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let status = 500;
    let code = 'INTERNAL';
    let message = 'internal error; see the service log';
    if (err instanceof HttpError) {
      ({ statusCode: status, code } = err);
      message = err.message;
    } else if (err.validation) {
      status = 400;
      code = 'BAD_REQUEST';
      message = `${err.validationContext ?? 'request'} ${err.message.replace(/^(body|querystring|params)\s*/, '')}`;
    } else if (isAppError(err) && APP_ERROR_STATUS[err.code]) {
      status = APP_ERROR_STATUS[err.code]!;
      code = err.code === 'USAGE' ? 'BAD_REQUEST' : err.code;
      message = err.message;
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors (unsupported media type, body too large, bad JSON).
      status = err.statusCode;
      code = err.code ?? 'BAD_REQUEST';
      message = err.message;
    }
    if (status >= 500)
      request.log.error({ err: redactText(err.message), url: request.url }, 'request failed');
    reply.status(status).send({ error: { code, message: redactText(message) } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    });
  });
}
