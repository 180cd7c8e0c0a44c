// The Genesys Cloud client: official SDK (purecloud-platform-client-v2) for building API requests, our own
// transport for sending them.
//
// Why this split:
// - API calls go through the SDK's *Api classes on a private ApiClient (`new ApiClientClass()`, not the
//   process-wide `platformClient.ApiClient` singleton), so two clients in one process (different orgs,
//   credentials or emulators) never share a gateway, token or HTTP client. Its gateway points at
//   opts.apiBaseUrl, so `http://127.0.0.1:port` and `https://api.<region>` both work.
// - Everything is *sent* by GenesysSdkHttpClient → executor.execute(): one transport with one keep-alive
//   pool, limiter, retry policy, timeout, stats and log line for all calls.
// - /oauth/token does not use the SDK: its loginClientCredentialsGrant has no expiry margin, no shared
//   in-flight request and turns errors into bare bodies; we need all three plus clear messages (token.ts).
//   It goes to opts.loginBaseUrl through the same executor.
// - resultUrl downloads are not API calls: same transport and retry, but no bearer (an object store
//   rejects two auth schemes) and no Genesys rate limiter (the object store is not rate-limited by Genesys).
//   Their URLs come from the network and are checked by the URL policy, redirects too (download.ts).
import platformClient from 'purecloud-platform-client-v2';
import {
  type AnalyticsConversation,
  type AsyncConversationResults,
  type AsyncQueryStatus,
  type BatchDownloadJobStatusResult,
  type ConversationQueryResponse,
  GENESYS_LIMITS,
  GENESYS_PATHS,
  type Recording,
  type RecordingMetadata,
} from '../contracts/genesys.js';
import { systemClock } from '../lib/clock.js';
import { formatInterval, pageConversationDetails } from './details.js';
import { conversationDetailsByJob, type DetailsJobsApi } from './details-jobs.js';
import { directoryCalls } from './directory.js';
import { createDownloader } from './download.js';
import { GenesysHttpError, GenesysInvalidInputError, GenesysProtocolError } from './errors.js';
import { createExecutor, type EndpointName } from './executor.js';
import { createTokenBucketLimiter } from './limiter.js';
import { GenesysSdkHttpClient, withSdkContext } from './sdk-http.js';
import { createTokenManager, type TokenManager } from './token.js';
import { createTransport } from './transport.js';
import type { GenesysClient, GenesysClientOptions } from './types.js';
import { policyForApi } from './url-policy.js';

type ApiClient = typeof platformClient.ApiClient;

/** A private ApiClient. `ApiClientClass` exists at runtime but is missing from the SDK typings. */
function newApiClient(apiBaseUrl: string, http: GenesysSdkHttpClient): ApiClient {
  const Ctor = (platformClient as unknown as { ApiClientClass: new () => ApiClient }).ApiClientClass;
  const api = new Ctor();
  // The SDK reads and watches ~/.genesyscloudjavascript/config (gateway, logging); this client is
  // configured only by its options.
  api.config.live_reload_config = false;
  api.config.setConfigPath('');
  const base = new URL(apiBaseUrl);
  api.setGateway({
    host: base.hostname,
    protocol: base.protocol.replace(':', ''),
    port: base.port ? Number(base.port) : -1,
    path_params_api: base.pathname.replace(/\/+$/, ''),
  });
  api.setHttpClient(http);
  return api;
}

export function createGenesysClient(opts: GenesysClientOptions): GenesysClient {
  const clock = opts.clock ?? systemClock;
  const limiter =
    opts.limiter ?? createTokenBucketLimiter({ ratePerMinute: opts.ratePerMinute ?? 300, clock });
  const transport = createTransport({ maxSockets: opts.maxSockets });
  let tokens: TokenManager | undefined;
  const executor = createExecutor({
    transport,
    limiter,
    clock,
    timeoutMs: opts.timeoutMs,
    logger: opts.logger,
    retryPolicy: opts.retry,
    tokens: () => tokens!,
  });
  tokens = createTokenManager({
    executor,
    clock,
    loginBaseUrl: opts.loginBaseUrl,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    region: opts.region,
  });
  const apiClient = newApiClient(opts.apiBaseUrl, new GenesysSdkHttpClient(executor));
  const conversationsApi = new platformClient.ConversationsApi(apiClient);
  const recordingApi = new platformClient.RecordingApi(apiClient);
  const analyticsApi = new platformClient.AnalyticsApi(apiClient);

  const protocol = (endpoint: string, detail: string) => (status: number) =>
    new GenesysProtocolError({ method: 'GET', path: endpoint, status }, detail);

  async function detailsPage(body: unknown, signal?: AbortSignal): Promise<ConversationQueryResponse> {
    const { value } = await withSdkContext(
      {
        endpoint: 'detailsQuery',
        signal,
        validate: conversationsPage(
          GENESYS_PATHS.detailsQuery,
          'details query page is not {totalHits?, conversations?[]}',
        ),
      },
      () => conversationsApi.postAnalyticsConversationsDetailsQuery(body as never),
    );
    return value as ConversationQueryResponse;
  }

  /** A page of conversations (the query's or a job's): an object whose conversations, if any, have ids. */
  const conversationsPage = (path: string, what: string) => (status: number, data: unknown) => {
    const bad = protocol(path, what);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad(status);
    const list = (data as { conversations?: unknown }).conversations;
    if (list !== undefined && !Array.isArray(list)) throw bad(status);
    if (list?.some((c) => typeof (c as { conversationId?: unknown })?.conversationId !== 'string'))
      throw bad(status);
  };

  const arrayOf = (endpoint: EndpointName, path: string) => (status: number, data: unknown) => {
    if (status === 200 && !Array.isArray(data))
      throw protocol(path, `${endpoint} answer is not a JSON array`)(status);
  };

  /** An SDK call of the details jobs that must answer a JSON object (`has`: a key it must carry). */
  const jobsCall = async <T>(
    path: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<unknown>,
    has?: string,
    policy?: { idempotent: false },
  ) => {
    const { value } = await withSdkContext(
      {
        endpoint: 'detailsJobs',
        signal,
        ...(policy ? { policy } : {}),
        validate: (status, data) => {
          const ok = typeof data === 'object' && data !== null && !Array.isArray(data);
          if (!ok || (has && typeof (data as Record<string, unknown>)[has] !== 'string'))
            throw protocol(path, `details job answer is not an object${has ? ` with ${has}` : ''}`)(status);
        },
      },
      fn,
    );
    return value as T;
  };
  const detailsJobs: DetailsJobsApi = {
    submit: (body, signal) =>
      jobsCall<{ jobId: string }>(
        GENESYS_PATHS.detailsJobs,
        signal,
        () => analyticsApi.postAnalyticsConversationsDetailsJobs(body as never),
        'jobId',
        // Like a batch submission: a retry after a timeout could leave a second job on the org's quota.
        { idempotent: false },
      ),
    status: (jobId, signal) =>
      jobsCall<AsyncQueryStatus>(
        GENESYS_PATHS.detailsJob(jobId),
        signal,
        () => analyticsApi.getAnalyticsConversationsDetailsJob(jobId),
        'state',
      ),
    results: async (jobId, { cursor, pageSize }, signal) => {
      const path = GENESYS_PATHS.detailsJobResults(jobId);
      const { value } = await withSdkContext(
        {
          endpoint: 'detailsJobs',
          signal,
          validate: conversationsPage(path, 'details job results page is not {cursor?, conversations?[]}'),
        },
        () => analyticsApi.getAnalyticsConversationsDetailsJobResults(jobId, { cursor, pageSize }),
      );
      return value as AsyncConversationResults;
    },
    cancel: async (jobId) => {
      await withSdkContext({ endpoint: 'detailsJobs' }, () =>
        analyticsApi.deleteAnalyticsConversationsDetailsJob(jobId),
      );
    },
    availability: (signal) =>
      jobsCall<{ dataAvailabilityDate?: string }>(GENESYS_PATHS.detailsJobsAvailability, signal, () =>
        analyticsApi.getAnalyticsConversationsDetailsJobsAvailability(),
      ),
  };

  const client: GenesysClient = {
    conversationDetails(input, signal): AsyncIterable<AnalyticsConversation> {
      return pageConversationDetails(detailsPage, input, signal, {
        onSplit: (interval, totalHits) =>
          opts.logger?.info(
            { interval, totalHits },
            'details query over 10,000 results: splitting the interval',
          ),
      });
    },

    conversationDetailsByJob(input, signal): AsyncIterable<AnalyticsConversation> {
      return conversationDetailsByJob(detailsJobs, input, {
        clock,
        signal,
        onSubmitted: (jobId) =>
          opts.logger?.info(
            {
              jobId,
              interval: formatInterval(input.startMs, input.endMs),
            },
            'details job submitted',
          ),
      });
    },

    detailsAvailability: (signal) => detailsJobs.availability(signal),

    async recordingMetadata(conversationId, signal): Promise<RecordingMetadata[]> {
      try {
        const { value } = await withSdkContext(
          {
            endpoint: 'recordingMetadata',
            signal,
            validate: arrayOf('recordingMetadata', GENESYS_PATHS.recordingMetadata(conversationId)),
          },
          () => recordingApi.getConversationRecordingmetadata(conversationId),
        );
        return value as RecordingMetadata[];
      } catch (e) {
        // Genesys may answer 404 for a conversation that has no recordings (seen in the wild, spec §5),
        // and `[]` for others: both mean "no recording listed (yet)"; the lookup decides what that
        // means for the conversation (not recorded, or recorded and not published yet).
        if (e instanceof GenesysHttpError && e.status === 404) return [];
        throw e;
      }
    },

    async conversationRecordings(conversationId, { formatId, maxWaitMs }, signal) {
      let answer: { value: unknown; status: number };
      try {
        answer = await withSdkContext(
          {
            endpoint: 'recordings',
            signal,
            validate: arrayOf('recordings', GENESYS_PATHS.recordings(conversationId)),
          },
          () => recordingApi.getConversationRecordings(conversationId, { formatId, maxWaitMs }),
        );
      } catch (e) {
        // As for the metadata: 404 for a conversation Genesys has no recording of (yet).
        if (e instanceof GenesysHttpError && e.status === 404) return { status: 'ready', recordings: [] };
        throw e;
      }
      // The SDK resolves a 202 ("still transcoding", empty or partial body) like a success: check it here.
      if (answer.status === 202) return { status: 'transcoding' };
      return { status: 'ready', recordings: answer.value as Recording[] };
    },

    async submitBatch(items, signal) {
      const call = { method: 'POST', path: GENESYS_PATHS.batchRequests };
      if (items.length === 0 || items.length > GENESYS_LIMITS.batchMaxItems) {
        throw new GenesysInvalidInputError(
          call,
          `a batch needs 1..${GENESYS_LIMITS.batchMaxItems} items, got ${items.length}`,
        );
      }
      const { value } = await withSdkContext(
        {
          endpoint: 'batchSubmit',
          signal,
          // POST is not idempotent: a retry after a timeout could create a second job. Only retried when
          // the request never reached the server or the server said 429/503 (see retry.ts).
          policy: { idempotent: false },
          validate: (status, data) => {
            if (typeof (data as { id?: unknown } | undefined)?.id !== 'string') {
              throw new GenesysProtocolError({ ...call, status }, 'batch submission answer has no job id');
            }
          },
        },
        () => recordingApi.postRecordingBatchrequests({ batchDownloadRequestList: [...items] }),
      );
      return { jobId: (value as { id: string }).id };
    },

    async batchStatus(jobId, signal) {
      const path = GENESYS_PATHS.batchRequest(jobId);
      const { value } = await withSdkContext(
        {
          endpoint: 'batchStatus',
          signal,
          validate: (status, data) => {
            const d = data as Partial<BatchDownloadJobStatusResult> | undefined;
            if (
              typeof d !== 'object' ||
              d === null ||
              (d.results !== undefined && !Array.isArray(d.results))
            ) {
              throw protocol(path, 'batch status is not {id, status, results[]}')(status);
            }
          },
        },
        () => recordingApi.getRecordingBatchrequest(jobId),
      );
      return value as BatchDownloadJobStatusResult;
    },

    download: createDownloader(executor, policyForApi(opts.apiBaseUrl)),

    ...directoryCalls(apiClient),

    async checkCredentials(signal) {
      await tokens!.fetchNew(signal);
    },

    stats: () => executor.stats(),
    budgetIdle: () => limiter.idle(),

    async close() {
      transport.close();
    },
  };
  return client;
}
