// One error shape for every response that is not a success: `{ "error": { "code", "message" } }`.
// Codes are stable (documented in docs/api.md); messages are for people.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/**
 * Our codes for the client errors Fastify and Node raise themselves (their own codes, such as
 * FST_ERR_CTP_BODY_TOO_LARGE, are internal names that change between releases). Other 4xx: BAD_REQUEST.
 */
const CLIENT_ERROR_CODES: Record<number, string> = {
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'BODY_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

const clientErrorCode = (status: number) => CLIENT_ERROR_CODES[status] ?? 'BAD_REQUEST';

const errorBody = (code: string, message: string) => ({ error: { code, message: redactText(message) } });

/** Errors Fastify meets before routing (`frameworkErrors`): a path that is not valid %-encoding, mostly. */
export function answerFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_BAD_URL') {
    reply.status(400).send(errorBody('BAD_REQUEST', 'the URL is not valid: check its %-encoding'));
    return;
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 400;
  reply.status(status).send(errorBody(clientErrorCode(status), err.message));
}

/**
 * Errors on the connection before there is a request to answer (Node's `clientError`): malformed HTTP,
 * headers too large, a request not received within the request timeout. Written on the socket as is.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request was not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large']
        : [400, 'the request is not valid HTTP'];
  const body = JSON.stringify(errorBody(clientErrorCode(status), message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

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
      code = clientErrorCode(status);
      message = err.message;
    }
    if (status >= 500)
      request.log.error({ err: redactText(err.message), url: request.url }, 'request failed');
    reply.status(status).send(errorBody(code, message));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
