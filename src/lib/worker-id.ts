// The id a process holds leases and claims under (ADR 0016): host, pid and a nonce, since a pid is
// reused once its process is gone. Made once by the composition root and passed down.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function newWorkerId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}
