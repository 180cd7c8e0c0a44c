// Errors the emulator answers with: the platform envelope of spec §10 for /api/v2, S3-style XML for
// pre-signed downloads. Handlers throw ApiError; the server turns it into the right body.
import type { ErrorBody } from '../contracts/genesys.js';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Default code and message per status (spec §10), used by fault rules. */
export const STATUS_DEFAULTS: Record<number, [string, string]> = {
  400: ['bad.request', 'The request could not be understood by the server due to malformed syntax.'],
  401: ['bad.credentials', 'Invalid login credentials.'],
  403: ['not.authorized', 'You are not authorized to perform the requested action.'],
  404: ['not.found', 'The requested resource was not found.'],
  408: ['request.timeout', 'The request timed out.'],
  409: ['conflict', 'The request could not be completed due to a conflict with the current state.'],
  413: ['request.entity.too.large', 'The request is over the size limit.'],
  415: ['unsupported.media.type', 'Unsupported Media Type - Unsupported or incorrect media type.'],
  429: ['too.many.requests.retry.after', 'Rate limit exceeded the maximum.'],
  500: [
    'internal.server.error',
    'The server encountered an unexpected condition which prevented it from fulfilling the request.',
  ],
  501: ['not.implemented', 'Not implemented.'],
  502: ['bad.gateway', 'Bad Gateway - The server received an invalid response from an upstream server.'],
  503: [
    'service.unavailable',
    'Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).',
  ],
  504: ['request.timeout', 'The request timed out.'],
};

export function envelope(status: number, code: string, message: string, contextId?: string): ErrorBody {
  return { message, code, status, ...(contextId ? { contextId } : {}), details: [], errors: [] };
}

export function rateLimitEnvelope(retryAfterSeconds: number, contextId?: string): ErrorBody {
  return envelope(
    429,
    'too.many.requests.retry.after',
    `Rate limit exceeded the maximum. Retry the request in [${retryAfterSeconds}] seconds`,
    contextId,
  );
}

export function envelopeForStatus(status: number, contextId?: string): ErrorBody {
  const [code, message] = STATUS_DEFAULTS[status] ?? [`http.${status}`, `HTTP ${status}`];
  return envelope(status, code, message, contextId);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** S3 error document, as the object store behind resultUrl answers. */
export function s3ErrorXml(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries({ Code: code, Message: message, ...extra })
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}</Error>`;
}

export const S3_STATUS_CODES: Record<number, [string, string]> = {
  400: ['InvalidRequest', 'Invalid request'],
  403: ['AccessDenied', 'Access Denied'],
  404: ['NoSuchKey', 'The specified key does not exist.'],
  500: ['InternalError', 'We encountered an internal error. Please try again.'],
  503: ['SlowDown', 'Please reduce your request rate.'],
};
