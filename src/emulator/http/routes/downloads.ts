// Pre-signed resultUrl/mediaUri downloads: the object store, not the platform. No bearer, no rate limit,
// no inin headers; S3-style XML errors (spec §7.3, §12.11). The path's extension names the format
// (a batch result's original codec, or the format a GET /recordings asked for). A share of URLs point
// at /s3-redirect/ on the API host instead, which answers 302 to the signed location.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mediaFile } from '../../audio/media.js';
import { type Container, containerOfExtension } from '../../audio/traits.js';
import type { TConversation, TRecording } from '../../data/timeline.js';
import { s3ErrorXml } from '../../errors.js';
import { type ServerDeps, signedLocation, stateOf, traitsOf } from '../context.js';

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

type DownloadRequest = FastifyRequest<{ Params: { file: string }; Querystring: Record<string, string> }>;

/** The recording and format a signed download path names, or an S3 error already sent. */
async function resolve(
  deps: ServerDeps,
  req: DownloadRequest,
  reply: FastifyReply,
): Promise<{ c: TConversation; r: TRecording; extension: string; container: Container } | undefined> {
  if (req.headers.authorization !== undefined) {
    await s3Error(
      reply,
      400,
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      { ArgumentName: 'Authorization', ArgumentValue: req.headers.authorization.split(' ')[0] ?? '' },
    );
    return undefined;
  }
  const now = deps.opts.now();
  const verdict = deps.signer.verify(stateOf(req).path, req.query, now);
  if (verdict === 'invalid') {
    await s3Error(
      reply,
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
    return undefined;
  }
  if (verdict === 'expired') {
    await expiredError(reply, req.query, now);
    return undefined;
  }
  const match = /^(.+)\.([a-z0-9]+)$/i.exec(req.params.file);
  const found = match ? deps.dataset.recording(match[1] as string) : undefined;
  const extension = (match?.[2] ?? '').toLowerCase();
  const traits = found ? traitsOf(deps, found.recording) : undefined;
  // Audio comes in its original codec or in a transcoded format; other media only as they are.
  const container =
    traits &&
    (found?.recording.media === 'audio'
      ? containerOfExtension(extension)
      : traits.extension === extension
        ? traits.container
        : undefined);
  if (!found || !container) {
    await s3Error(reply, 404, 'NoSuchKey', 'The specified key does not exist.', { Key: req.params.file });
    return undefined;
  }
  return { c: found.conversation, r: found.recording, extension, container };
}

export async function downloadRoutes(app: FastifyInstance, deps: ServerDeps) {
  app.get('/s3/recordings/:file', async (req: DownloadRequest, reply) => {
    const target = await resolve(deps, req, reply);
    if (!target) return reply;
    const { c, r, container } = target;
    const file = mediaFile(deps.dataset.seedHash, r, c.plan.id, deps.opts.audioBytes, container);
    const traits = traitsOf(deps, r);
    // The original file keeps its stored Content-Type (possibly generic); a transcode is labelled.
    const contentType =
      container === traits.container
        ? traits.downloadContentType
        : (CONTENT_TYPES[container] ?? 'application/octet-stream');
    return (
      reply
        .code(200)
        .header('content-type', contentType)
        .header('content-length', String(file.bytes.length))
        // An object store computes the ETag when the object is written, not per GET. The bytes are a
        // function of the seed and the recording, so those name the content (hashing every served file
        // cost the emulator ~2 ms of CPU per MB, on the cores the client under test uses).
        .header(
          'etag',
          `"${createHash('md5').update(`${deps.dataset.seedHash}:${r.id}:${container}:${file.bytes.length}`).digest('hex')}"`,
        )
        .header('last-modified', new Date(r.end).toUTCString())
        .send(file.bytes)
    );
  });
}

const CONTENT_TYPES: Partial<Record<Container, string>> = {
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  opus: 'audio/opus',
  webm: 'audio/webm',
};

/** On the API host: the redirecting URLs (302 to the freshly signed object-store location). */
export async function redirectRoutes(app: FastifyInstance, deps: ServerDeps) {
  app.get('/s3-redirect/recordings/:file', async (req: DownloadRequest, reply) => {
    const target = await resolve(deps, req, reply);
    if (!target) return reply;
    const base = `${req.protocol}://${req.host}`;
    const location = signedLocation(deps, target.r.id, target.extension, deps.opts.now(), base);
    return reply.code(302).header('location', location).send();
  });
}
