// The dashboard: static HTML/CSS/JS modules from src/http/public, no build step and no framework.
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../app.js';
import { makeRoutesPublic } from '../auth.js';

export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

export const dashboardRoutes: FastifyPluginAsync<RouteOptions> = async (app) => {
  // Every file is public: the page holds no data, and asks the API (token-guarded) for it.
  makeRoutesPublic(app);
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/',
    index: ['index.html'],
    // One route per file found at start-up instead of a catch-all `/*`: a catch-all would match every
    // unknown path too and make it public; with exact routes an unknown path stays protected.
    wildcard: false,
    // Files change only with a new release; revalidate so an upgrade is picked up at once.
    cacheControl: true,
    maxAge: 0,
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    // The dashboard loads only its own scripts and styles and talks only to this origin.
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    );
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
};
