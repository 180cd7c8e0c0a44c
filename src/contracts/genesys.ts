// Wire shapes of the Genesys Cloud endpoints audio-extract uses, shared by the client (src/genesys) and
// the emulator (src/emulator). Field names are exact (see ../shared/spec/genesys-cloud-api.md §3, §5-§7,
// §10, §11). Optional fields are *absent* on the wire when empty, never null.

export const GENESYS_PATHS = {
  token: '/oauth/token',
  detailsQuery: '/api/v2/analytics/conversations/details/query',
  recordingMetadata: (conversationId: string) =>
    `/api/v2/conversations/${encodeURIComponent(conversationId)}/recordingmetadata`,
  recordings: (conversationId: string) =>
    `/api/v2/conversations/${encodeURIComponent(conversationId)}/recordings`,
  batchRequests: '/api/v2/recording/batchrequests',
  batchRequest: (jobId: string) => `/api/v2/recording/batchrequests/${encodeURIComponent(jobId)}`,
  detailsJobs: '/api/v2/analytics/conversations/details/jobs',
  detailsJob: (jobId: string) => `/api/v2/analytics/conversations/details/jobs/${encodeURIComponent(jobId)}`,
  detailsJobResults: (jobId: string) =>
    `/api/v2/analytics/conversations/details/jobs/${encodeURIComponent(jobId)}/results`,
  detailsJobsAvailability: '/api/v2/analytics/conversations/details/jobs/availability',
  users: '/api/v2/users',
  queues: '/api/v2/routing/queues',
  wrapUpCodes: '/api/v2/routing/wrapupcodes',
} as const;

/** Hard limits documented by Genesys (§3.3, §7.1). */
export const GENESYS_LIMITS = {
  batchMaxItems: 100,
  detailsMaxResultsPerQuery: 10_000,
  detailsDefaultPageSize: 25,
  detailsPageSize: 100,
  retryAfterGiveUpSeconds: 180,
  /** the real cap of the details query: "Pagination may not exceed 100000 results" (spec §15) */
  detailsPaginationMaxResults: 100_000,
} as const;

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

/** OAuth-style error body of /oauth/token (NOT the platform envelope). */
export interface OAuthErrorBody {
  error: string;
  description: string;
  error_description: string;
}

/** Platform error envelope (§10) of every /api/v2 endpoint. */
export interface ErrorBody {
  message?: string;
  code?: string;
  status?: number;
  contextId?: string;
  details?: { errorCode?: string; fieldName?: string; entityId?: string; entityName?: string }[];
  errors?: ErrorBody[];
  messageWithParams?: string;
  messageParams?: Record<string, string>;
}

export interface Predicate {
  type?: 'dimension' | 'property' | 'metric';
  dimension?: string;
  metric?: string;
  propertyType?: 'bool' | 'integer' | 'real' | 'date' | 'string' | 'uuid';
  property?: string;
  operator?: 'matches' | 'exists' | 'notExists';
  value?: string;
  range?: { gt?: number; gte?: number; lt?: number; lte?: number };
}

export interface QueryFilter {
  type: 'and' | 'or';
  clauses?: { type: 'and' | 'or'; predicates: Predicate[] }[];
  predicates?: Predicate[];
}

export interface ConversationQuery {
  interval: string;
  order?: 'asc' | 'desc' | 'unordered';
  orderBy?: 'conversationStart' | 'conversationEnd' | 'segmentStart' | 'segmentEnd';
  paging?: { pageSize: number; pageNumber: number };
  segmentFilters?: QueryFilter[];
  conversationFilters?: QueryFilter[];
}

export interface SessionMetric {
  name: string;
  value: number;
  emitDate: string;
}

export interface Segment {
  segmentStart: string;
  segmentEnd?: string;
  segmentType: string;
  queueId?: string;
  disconnectType?: string;
  /** id of the wrap-up code (GET /api/v2/routing/wrapupcodes gives its name) */
  wrapUpCode?: string;
  wrapUpNote?: string;
  conference?: boolean;
}

export interface Session {
  sessionId: string;
  mediaType: string;
  direction?: 'inbound' | 'outbound';
  ani?: string;
  dnis?: string;
  recording?: boolean;
  screenRecording?: boolean;
  peerId?: string;
  provider?: string;
  selectedAgentId?: string;
  metrics?: SessionMetric[];
  segments?: Segment[];
  flow?: Record<string, unknown>;
}

export interface Participant {
  participantId: string;
  participantName?: string;
  purpose: string;
  userId?: string;
  sessions?: Session[];
}

export interface AnalyticsConversation {
  conversationId: string;
  conversationStart: string;
  conversationEnd?: string;
  originatingDirection?: 'inbound' | 'outbound';
  divisionIds?: string[];
  participants?: Participant[];
}

export interface ConversationQueryResponse {
  totalHits?: number;
  conversations?: AnalyticsConversation[];
}

export type FileState =
  | 'ARCHIVED'
  | 'AVAILABLE'
  | 'DELETED'
  | 'RESTORED'
  | 'RESTORING'
  | 'UPLOADING'
  | 'ERROR';

export interface RecordingMetadata {
  id: string;
  conversationId: string;
  name?: string;
  startTime?: string;
  endTime?: string;
  media?: string;
  mediaSubtype?: string;
  fileState?: string;
  archiveDate?: string;
  archiveMedium?: string;
  restoreExpirationTime?: string;
  deleteDate?: string;
  sessionId?: string;
  region?: string;
  selfUri?: string;
}

export interface Recording extends RecordingMetadata {
  mediaUris?: Record<string, { mediaUri?: string }>;
  outputDurationMs?: number;
  outputSizeInBytes?: number;
  estimatedTranscodeTimeMs?: number;
}

export interface BatchDownloadRequest {
  conversationId: string;
  recordingId?: string;
}

export interface BatchDownloadJobSubmission {
  batchDownloadRequestList: BatchDownloadRequest[];
}

export interface BatchDownloadJobSubmissionResult {
  id: string;
  selfUri?: string;
}

export interface BatchDownloadJobResult {
  conversationId?: string;
  recordingId?: string;
  resultUrl?: string;
  contentType?: string;
  errorMsg?: string;
}

export interface BatchDownloadJobStatusResult {
  id: string;
  jobId?: string;
  expectedResultCount?: number;
  resultCount?: number;
  errorCount?: number;
  status?: 'InProgress' | 'Completed' | string;
  results?: BatchDownloadJobResult[];
  selfUri?: string;
}

/** Body of POST /api/v2/analytics/conversations/details/jobs (spec §4): the query minus paging. */
export interface AsyncConversationQuery {
  interval: string;
  order?: 'asc' | 'desc' | 'unordered';
  orderBy?: 'conversationStart' | 'conversationEnd' | 'segmentStart' | 'segmentEnd';
  segmentFilters?: QueryFilter[];
  conversationFilters?: QueryFilter[];
  limit?: number;
  startOfDayIntervalMatching?: boolean;
}

export interface AsyncQueryResponse {
  jobId: string;
}

export type AsyncQueryState = 'QUEUED' | 'PENDING' | 'FAILED' | 'CANCELLED' | 'FULFILLED' | 'EXPIRED';

export interface AsyncQueryStatus {
  state: AsyncQueryState | string;
  errorMessage?: string;
  expirationDate?: string;
  submissionDate?: string;
  completionDate?: string;
}

/** A page of GET …/details/jobs/{jobId}/results: no `cursor` on the last page. */
export interface AsyncConversationResults {
  conversations?: AnalyticsConversation[];
  cursor?: string;
  dataAvailabilityDate?: string;
}

export interface DataAvailabilityResponse {
  dataAvailabilityDate?: string;
}

/** A page of a platform listing (users, queues, wrap-up codes). */
export interface EntityListing<T> {
  entities?: T[];
  pageSize?: number;
  pageNumber?: number;
  total?: number;
  pageCount?: number;
  firstUri?: string;
  selfUri?: string;
  nextUri?: string;
  previousUri?: string;
  lastUri?: string;
}

export interface EntityReference {
  id: string;
  name?: string;
  selfUri?: string;
}

/** GET /api/v2/users?id=… item. `manager` is a reference (id and selfUri only): look its name up too. */
export interface User {
  id: string;
  name?: string;
  division?: EntityReference;
  email?: string;
  state?: 'active' | 'inactive' | 'deleted' | string;
  title?: string;
  department?: string;
  username?: string;
  manager?: { id: string; selfUri?: string };
  version?: number;
  selfUri?: string;
}

export interface RoutingQueue {
  id: string;
  name: string;
  division?: EntityReference;
  description?: string;
  memberCount?: number;
  selfUri?: string;
}

export interface WrapupCode {
  id: string;
  name: string;
  division?: EntityReference;
  selfUri?: string;
}
