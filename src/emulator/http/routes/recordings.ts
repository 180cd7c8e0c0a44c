// GET /api/v2/conversations/:id/recordingmetadata and /recordings (spec §5, §6).
import type { FastifyInstance } from 'fastify';
import type { Recording, RecordingMetadata } from '../../../contracts/genesys.js';
import { mediaFile } from '../../audio/media.js';
import { renderRecording } from '../../data/render.js';
import type { TConversation } from '../../data/timeline.js';
import { ApiError } from '../../errors.js';
import { FORMAT_IDS } from '../../query/dimensions.js';
import { baseUrlOf, type ServerDeps, signedRecordingUrl, sleep } from '../context.js';

const MAX_HOLD_MS = 30_000;

function conversationOr404(deps: ServerDeps, id: string, now: number): TConversation {
  const c = deps.dataset.conversation(id);
  if (!c || now < c.start) {
    throw new ApiError(404, 'not.found', 'A conversation for the provided conversationId was not found.');
  }
  return c;
}

function metadataOf(
  c: TConversation,
  now: number,
): { meta: RecordingMetadata; rec: TConversation['recordings'][number] }[] {
  const out: { meta: RecordingMetadata; rec: TConversation['recordings'][number] }[] = [];
  for (const rec of c.recordings) {
    const meta = renderRecording(c, rec, now);
    if (meta) out.push({ meta, rec });
  }
  return out;
}

export async function recordingRoutes(app: FastifyInstance, deps: ServerDeps) {
  app.get<{ Params: { id: string } }>('/api/v2/conversations/:id/recordingmetadata', async (req) => {
    const now = deps.opts.now();
    return metadataOf(conversationOr404(deps, req.params.id, now), now).map((x) => x.meta);
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/api/v2/conversations/:id/recordings',
    async (req, reply) => {
      const formatId = req.query.formatId ?? 'WEBM';
      if (!(FORMAT_IDS as readonly string[]).includes(formatId)) {
        throw new ApiError(
          400,
          'invalid.value',
          `Value [${formatId}] is not valid for field type [formatId]. Allowable values are: ${FORMAT_IDS.join(', ')}`,
        );
      }
      const rawWait = req.query.maxWaitMs ?? '5000';
      const maxWaitMs = Number(rawWait);
      if (!Number.isInteger(maxWaitMs) || maxWaitMs < 0) {
        throw new ApiError(400, 'bad.request', `maxWaitMs must be a positive value, was ${rawWait}`);
      }
      const now = deps.opts.now();
      const items = metadataOf(conversationOr404(deps, req.params.id, now), now);
      const playable = (x: (typeof items)[number]) =>
        formatId !== 'NONE' && x.rec.media === 'audio' && x.meta.fileState === 'AVAILABLE';

      const waitMs = Math.max(
        0,
        ...items.filter(playable).map((x) => deps.transcodes.remainingMs(x.rec.id, formatId)),
      );
      if (waitMs > maxWaitMs) {
        await sleep(Math.min(maxWaitMs, MAX_HOLD_MS));
        return reply.code(202).send(); // still transcoding: Genesys answers 202 with an empty body
      }
      if (waitMs > 0) await sleep(waitMs);

      const issuedAt = deps.opts.now();
      const baseUrl = baseUrlOf(req);
      return items.map(({ meta, rec }): Recording => {
        if (!playable({ meta, rec })) return { ...meta, outputSizeInBytes: 0 };
        const file = mediaFile(deps.dataset.seedHash, rec, deps.opts.audioBytes);
        const channels = file.bytes.readUInt16LE(22);
        const transcodeMs = deps.transcodes.durationMs(rec.id, formatId);
        return {
          ...meta,
          mediaUris: { '0': { mediaUri: signedRecordingUrl(deps, rec, issuedAt, baseUrl) } },
          estimatedTranscodeTimeMs: transcodeMs,
          actualTranscodeTimeMs: transcodeMs,
          outputDurationMs: Math.round(((file.bytes.length - 44) / (channels * 2 * 8000)) * 1000),
          outputSizeInBytes: file.bytes.length,
        } as Recording;
      });
    },
  );
}
