// The lookups that turn ids into names (issue 17), each with as few requests as Genesys allows: users
// and queues by id list (100 ids a request, one page of 100), wrap-up codes listed whole. Users are asked
// for in any state: an agent who has left still names last week's calls, and the default (active) would
// leave them out.
import platformClient from 'purecloud-platform-client-v2';
import type { EntityListing, RoutingQueue, User, WrapupCode } from '../contracts/genesys.js';
import { GENESYS_PATHS } from '../contracts/genesys.js';
import { GenesysProtocolError } from './errors.js';
import type { EndpointName } from './executor.js';
import { withSdkContext } from './sdk-http.js';

/** Ids per request, and entities per page. The emulator pages an id list 25 at a time unless told. */
const IDS_PER_REQUEST = 100;
const PAGE_SIZE = 100;
/** A listing that never ends (a server bug) must not loop forever: more pages than any org has. */
const MAX_PAGES = 1_000;

type ApiClient = typeof platformClient.ApiClient;

function listingShape(endpoint: EndpointName, path: string) {
  return (status: number, data: unknown) => {
    const entities = (data as EntityListing<unknown> | undefined)?.entities;
    if (typeof data !== 'object' || data === null || (entities !== undefined && !Array.isArray(entities)))
      throw new GenesysProtocolError(
        { method: 'GET', path, status },
        `${endpoint} answer is not an entity listing`,
      );
  };
}

/** Every entity of a paged listing: pages until the listing says it has no more. */
async function allPages<T>(
  endpoint: EndpointName,
  path: string,
  signal: AbortSignal | undefined,
  page: (pageNumber: number) => Promise<unknown>,
): Promise<T[]> {
  const out: T[] = [];
  for (let n = 1; n <= MAX_PAGES; n++) {
    const { value } = await withSdkContext({ endpoint, signal, validate: listingShape(endpoint, path) }, () =>
      page(n),
    );
    const listing = value as EntityListing<T>;
    const entities = listing.entities ?? [];
    out.push(...entities);
    const more = listing.pageCount !== undefined ? n < listing.pageCount : listing.nextUri !== undefined;
    if (!more || entities.length === 0) break;
  }
  return out;
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function directoryCalls(apiClient: ApiClient) {
  const usersApi = new platformClient.UsersApi(apiClient);
  const routingApi = new platformClient.RoutingApi(apiClient);
  return {
    async usersById(ids: readonly string[], signal?: AbortSignal): Promise<User[]> {
      const out: User[] = [];
      for (const id of chunks([...new Set(ids)], IDS_PER_REQUEST)) {
        out.push(
          ...(await allPages<User>('users', GENESYS_PATHS.users, signal, (pageNumber) =>
            usersApi.getUsers({ id, pageSize: PAGE_SIZE, pageNumber, state: 'any' }),
          )),
        );
      }
      return out;
    },

    async queuesById(ids: readonly string[], signal?: AbortSignal): Promise<RoutingQueue[]> {
      const out: RoutingQueue[] = [];
      for (const id of chunks([...new Set(ids)], IDS_PER_REQUEST)) {
        out.push(
          ...(await allPages<RoutingQueue>('queues', GENESYS_PATHS.queues, signal, (pageNumber) =>
            routingApi.getRoutingQueues({ id, pageSize: PAGE_SIZE, pageNumber }),
          )),
        );
      }
      return out;
    },

    wrapUpCodes(signal?: AbortSignal): Promise<WrapupCode[]> {
      return allPages<WrapupCode>('wrapUpCodes', GENESYS_PATHS.wrapUpCodes, signal, (pageNumber) =>
        routingApi.getRoutingWrapupcodes({ pageSize: PAGE_SIZE, pageNumber }),
      );
    },
  };
}
