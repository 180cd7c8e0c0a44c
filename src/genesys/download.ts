// GET of a pre-signed download URL (a batch job's resultUrl, a recording's mediaUri): the URL policy
// first (url-policy.ts), then the executor's retries and timeouts, with redirects followed here by hand
// so that every hop is checked by the same policy. No Authorization header is ever sent: the URLs carry
// their own credential, and an object store (or whatever a redirect points at) must not get the bearer.
import { redactUrl } from '../lib/redact.js';
import { guardedLookup } from './download-lookup.js';
import { type GenesysCallRef, GenesysUrlRefusedError } from './errors.js';
import type { Executor } from './executor.js';
import type { DownloadResponse } from './types.js';
import { checkDownloadUrl, type DownloadUrlPolicy } from './url-policy.js';

/** Redirects followed for one download; one more is refused. */
export const MAX_DOWNLOAD_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function createDownloader(executor: Executor, policy: DownloadUrlPolicy) {
  // Pre-signed: the query string is the credential, so only the redacted form is ever shown.
  const callFor = (url: string): GenesysCallRef => ({ method: 'GET', path: redactUrl(url) });
  const refused = (url: string, reason: string) => new GenesysUrlRefusedError(callFor(url), reason);

  function allowed(raw: string): URL {
    const verdict = checkDownloadUrl(raw, policy);
    if (!verdict.allowed) throw refused(raw, verdict.reason);
    return verdict.url;
  }

  return async function download(resultUrl: string, signal?: AbortSignal): Promise<DownloadResponse> {
    let url = allowed(resultUrl);
    for (let redirects = 0; ; redirects++) {
      const current = url;
      const call = callFor(current.href);
      const res = await executor.execute({
        endpoint: 'download',
        call,
        url: current,
        bearer: false,
        limited: false,
        stream: true,
        resolveAnyStatus: true,
        signal,
        lookup: guardedLookup(policy, (reason) => refused(current.href, reason)),
        parse: (r) => {
          const length = Number(r.headers['content-length']);
          return {
            status: r.status,
            location: r.headers.location,
            contentType: r.headers['content-type'],
            contentLength:
              Number.isFinite(length) && r.headers['content-length'] !== undefined ? length : undefined,
            body: r.stream!,
          };
        },
      });
      const { location, ...response } = res;
      // A 3xx without a Location is an answer like any other non-2xx: the caller fails the item with it.
      if (!REDIRECTS.has(res.status) || !location) return response;
      res.body.resume();
      if (redirects === MAX_DOWNLOAD_REDIRECTS) {
        throw refused(resultUrl, `download URL redirected more than ${MAX_DOWNLOAD_REDIRECTS} times`);
      }
      let next: string;
      try {
        next = new URL(location, current).href;
      } catch {
        throw refused(current.href, 'download redirect Location is not a valid URL');
      }
      url = allowed(next);
    }
  };
}
