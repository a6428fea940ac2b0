/**
 * The local gateway's own pages: the live dashboard at `/` and the OpenAPI document at
 * `/openapi.json`. The dashboard's page is bundled with esbuild in memory on first request
 * (uPlot for the charts); its data comes from `/dashboard/state` and the server-sent events of
 * `/dashboard/events` (Kafka offsets: ingest rates, consumer lag), and from the public API itself
 * (`/results/...`, `/dlq`) for the windows and dead letters.
 */
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { openApiDocument } from '../../../core/api/openapi';
import type { LocalRoute } from '../../emulation/gateway';
import { KafkaMonitor, type KafkaMonitorOptions } from './monitor';

/** The page's bundled script and style. */
export interface DashboardAssets {
  readonly js: string;
  readonly css: string;
}

/** The client's entry point. */
const DASHBOARD_ENTRY = join(__dirname, 'client', 'main.ts');

/** Bundles the dashboard's client (minified, one script and one style sheet, in memory). */
async function buildDashboard(): Promise<DashboardAssets> {
  const result = await build({
    entryPoints: [DASHBOARD_ENTRY],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
    legalComments: 'none',
  });
  const text = (ext: string): string => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: text('.js'), css: text('.css') };
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fluxo · live</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<div id="app"><p class="loading">Loading…</p></div>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** The dashboard's routes for the gateway, and a way to stop it. */
export interface Dashboard {
  readonly routes: readonly LocalRoute[];
  /** Ends the open event streams and stops sampling Kafka. */
  close(): Promise<void>;
}

/** Builds the dashboard and `/openapi.json` routes of a spec. Nothing runs until a page is requested. */
export function startDashboard(options: KafkaMonitorOptions): Dashboard {
  const monitor = new KafkaMonitor(options);
  const streams = new Set<ServerResponse>();
  let assets: Promise<DashboardAssets> | undefined;
  const bundle = (): Promise<DashboardAssets> => {
    assets ??= buildDashboard();
    assets.catch(() => (assets = undefined));
    return assets;
  };
  const asset =
    (kind: keyof DashboardAssets, type: string): LocalRoute['handle'] =>
    async (_req, res) => {
      try {
        send(res, 200, type, (await bundle())[kind]);
      } catch (error) {
        send(res, 500, 'text/plain; charset=utf-8', `could not bundle the dashboard from ${DASHBOARD_ENTRY}: ${(error as Error).message}`);
      }
    };

  const routes: LocalRoute[] = [
    { method: 'GET', path: '/', handle: (_req, res) => send(res, 200, 'text/html; charset=utf-8', PAGE) },
    { method: 'GET', path: '/dashboard/app.js', handle: asset('js', 'text/javascript; charset=utf-8') },
    { method: 'GET', path: '/dashboard/app.css', handle: asset('css', 'text/css; charset=utf-8') },
    {
      method: 'GET',
      path: '/dashboard/state',
      handle: async (_req, res) => send(res, 200, 'application/json', JSON.stringify(await monitor.current())),
    },
    {
      method: 'GET',
      path: '/dashboard/events',
      handle: async (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        const push = (state: unknown): void => void res.write(`event: state\ndata: ${JSON.stringify(state)}\n\n`);
        streams.add(res);
        const unsubscribe = monitor.subscribe(push);
        req.on('close', () => {
          unsubscribe();
          streams.delete(res);
        });
        push(await monitor.current());
      },
    },
    {
      method: 'GET',
      path: '/openapi.json',
      handle: (req, res) =>
        send(
          res,
          200,
          'application/json',
          JSON.stringify(openApiDocument(options.spec, { serverUrl: `http://${req.headers.host ?? '127.0.0.1:3000'}` })),
        ),
    },
  ];
  return {
    routes,
    close: async () => {
      for (const res of streams) res.end();
      streams.clear();
      await monitor.stop();
    },
  };
}
