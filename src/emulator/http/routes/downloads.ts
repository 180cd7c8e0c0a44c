// Pre-signed resultUrl downloads: the object store, not the platform. No bearer, no rate limit, no inin
// headers; S3-style XML errors (spec §7.3, §12.11).
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { mediaFile } from '../../audio/media.js';
import { s3ErrorXml } from '../../errors.js';
import { type ServerDeps, stateOf } from '../context.js';

export function s3Error(reply: FastifyReply, status: number, code: string, message: string, extra = {}) {
  return reply
    .code(status)
    .type('application/xml')
    .send(s3ErrorXml(code, message, extra));
}

export function expiredError(reply: FastifyReply, query: Record<string, string>, now: number) {
  return s3Error(reply, 403, 'AccessDenied', 'Request has expired', {
    'X-Amz-Expires': query['X-Amz-Expires'] ?? '',
    ServerTime: new Date(now).toISOString(),
  });
}

export async function downloadRoutes(app: FastifyInstance, deps: ServerDeps) {
  app.get<{ Params: { file: string }; Querystring: Record<string, string> }>(
    '/s3/recordings/:file',
    async (req, reply) => {
      if (req.headers.authorization !== undefined) {
        return s3Error(
          reply,
          400,
          'InvalidArgument',
          'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
          { ArgumentName: 'Authorization', ArgumentValue: req.headers.authorization.split(' ')[0] ?? '' },
        );
      }
      const now = deps.opts.now();
      const verdict = deps.signer.verify(stateOf(req).path, req.query, now);
      if (verdict === 'invalid') {
        return s3Error(
          reply,
          403,
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        );
      }
      if (verdict === 'expired') return expiredError(reply, req.query, now);
      const id = req.params.file.replace(/\.[a-z0-9]+$/i, '');
      const found = deps.dataset.recording(id);
      if (!found)
        return s3Error(reply, 404, 'NoSuchKey', 'The specified key does not exist.', {
          Key: req.params.file,
        });
      const file = mediaFile(deps.dataset.seedHash, found.recording, deps.opts.audioBytes);
      return (
        reply
          .code(200)
          .header('content-type', file.contentType)
          .header('content-length', String(file.bytes.length))
          // An object store computes the ETag when the object is written, not per GET. The bytes are a
          // function of the seed and the recording, so those name the content (hashing every served file
          // cost the emulator ~2 ms of CPU per MB, on the cores the client under test uses).
          .header(
            'etag',
            `"${createHash('md5').update(`${deps.dataset.seedHash}:${found.recording.id}:${file.bytes.length}`).digest('hex')}"`,
          )
          .header('last-modified', new Date(found.recording.end).toUTCString())
          .send(file.bytes)
      );
    },
  );
}
