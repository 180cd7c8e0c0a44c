// Listens. Everything else is in buildApp (app.ts).
import type { FastifyInstance } from 'fastify';

export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  return app.listen({ host, port, listenTextResolver: (address) => address });
}
