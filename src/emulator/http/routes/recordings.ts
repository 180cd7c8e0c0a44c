// GET /api/v2/conversations/:id/recordingmetadata and /recordings (spec §5, §6).
import type { FastifyInstance } from 'fastify';
import type { Recording, RecordingMetadata } from '../../../contracts/genesys.js';
import { mediaFile } from '../../audio/media.js';
import { type Codec, extensionOf } from '../../audio/traits.js';
import {
  emptyMediaUrisUntil,
  isPlayable,
  metadataHiddenUntil,
  metadataLagStyle,
} from '../../data/recording-rules.js';
import { recordingStateAt, renderRecording } from '../../data/render.js';
import type { TConversation } from '../../data/timeline.js';
import { ApiError } from '../../errors.js';
import { RULES } from '../../permissions.js';
import { FORMAT_IDS } from '../../query/dimensions.js';
import { baseUrlOf, type RouteConfig, recordingUrl, type ServerDeps, sleep } from '../context.js';

const MAX_HOLD_MS = 30_000;
const NOT_FOUND = 'A conversation for the provided conversationId was not found.';

/** The file a transcode to `formatId` yields; MP3 and Ogg/Vorbis are not encoded (served as WAV). */
const FORMAT_CODEC: Record<string, Codec> = {
  WAV: 'wav',
  WAV_ULAW: 'wav',
  WEBM: 'webm',
  OGG_OPUS: 'ogg',
  OGG_VORBIS: 'wav',
  MP3: 'wav',
};

function conversationOr404(deps: ServerDeps, id: string, now: number): TConversation {
  const c = deps.dataset.conversation(id);
  if (!c || now < c.start) throw new ApiError(404, 'not.found', NOT_FOUND);
  return c;
}

/** The conversation's recordings as the recording endpoints show them now ([] or 404 while its metadata lags). */
function metadataOf(
  deps: ServerDeps,
  c: TConversation,
  now: number,
): { meta: RecordingMetadata; rec: TConversation['recordings'][number] }[] {
  const hiddenUntil = metadataHiddenUntil(c, deps.opts.metadataLagMs);
  if (hiddenUntil !== undefined && now < hiddenUntil) {
    if (metadataLagStyle(c) === 'notFound') throw new ApiError(404, 'not.found', NOT_FOUND);
    return [];
  }
  const out: { meta: RecordingMetadata; rec: TConversation['recordings'][number] }[] = [];
  for (const rec of c.recordings) {
    const meta = renderRecording(c, rec, now);
    if (meta) out.push({ meta, rec });
  }
  return out;
}

export async function recordingRoutes(app: FastifyInstance, deps: ServerDeps) {
  const config: RouteConfig = { permissions: RULES.recordings };
  app.get<{ Params: { id: string } }>(
    '/api/v2/conversations/:id/recordingmetadata',
    { config },
    async (req) => {
      const now = deps.opts.now();
      return metadataOf(deps, conversationOr404(deps, req.params.id, now), now).map((x) => x.meta);
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/api/v2/conversations/:id/recordings',
    { config },
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
      const c = conversationOr404(deps, req.params.id, now);
      const items = metadataOf(deps, c, now);
      const playable = (x: (typeof items)[number]) =>
        formatId !== 'NONE' && x.rec.media === 'audio' && isPlayable(recordingStateAt(x.rec, now));

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
      const codec = FORMAT_CODEC[formatId] ?? 'wav';
      return items.map(({ meta, rec }): Recording => {
        if (!playable({ meta, rec })) return { ...meta, outputSizeInBytes: 0 };
        const file = mediaFile(deps.dataset.seedHash, rec, c.plan.id, deps.opts.audioBytes, codec);
        const transcodeMs = deps.transcodes.durationMs(rec.id, formatId);
        const emptyUntil = emptyMediaUrisUntil(c, rec, deps.opts.emptyMediaUrisForMs);
        // Seen live (spec §15): an AVAILABLE audio item whose mediaUris is {}.
        const mediaUris =
          emptyUntil !== undefined && issuedAt < emptyUntil
            ? {}
            : { '0': { mediaUri: recordingUrl(deps, rec, extensionOf(codec), issuedAt, baseUrl) } };
        return {
          ...meta,
          mediaUris,
          estimatedTranscodeTimeMs: transcodeMs,
          actualTranscodeTimeMs: transcodeMs,
          outputDurationMs: file.durationMs,
          outputSizeInBytes: file.bytes.length,
        } as Recording;
      });
    },
  );
}
