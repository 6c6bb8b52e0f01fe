import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { NotFoundError } from "../../protocol/errors.js";
import { header } from "../headers.js";
import { openErrors, params, type RouteSchema } from "../schema/route-schema.js";

/**
 * The dashboard: three static files under `/ui/`, open without a token (they hold no
 * data; the page sends the token with its API calls). The build copies `src/server/ui/`
 * next to this file's compiled form, so the same relative path finds them in `src/` and
 * in `dist/`.
 */
const ASSETS_DIR = new URL("../ui/", import.meta.url);

const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};

// The page loads nothing from elsewhere (it works offline), so it may load nothing from elsewhere.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const REDIRECT: RouteSchema = {
  summary: "The dashboard: redirects to /ui/",
  tags: ["dashboard"],
  response: { 301: { description: "to /ui/" }, ...openErrors() },
};

const TEXT = { schema: { type: "string" } };

function fileAnswers(content: Record<string, typeof TEXT>) {
  return {
    200: { description: "the file, with an etag", content },
    304: { description: "unchanged since the etag sent in If-None-Match" },
    ...openErrors(),
  };
}

const PAGE: RouteSchema = {
  summary: "The dashboard's page, open without a token",
  tags: ["dashboard"],
  response: fileAnswers({ "text/html": TEXT }),
};

const FILE: RouteSchema = {
  summary: "The dashboard's script and style sheet",
  tags: ["dashboard"],
  params: params({ file: "app.js or style.css" }),
  response: { ...fileAnswers({ "text/javascript": TEXT, "text/css": TEXT }), ...openErrors(404) },
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export function uiRoutes(app: FastifyInstance): void {
  const assets = loadAssets();

  app.get("/ui", { schema: REDIRECT }, async (_request, reply) => reply.redirect("/ui/", 301));

  const send = (name: string, request: FastifyRequest, reply: FastifyReply) => {
    const asset = assets.get(name);
    if (!asset) throw new NotFoundError(`the dashboard's ${name} is missing from this installation (looked in ${ASSETS_DIR.pathname})`);
    // Names carry no content hash, so browsers revalidate each time: a 304 costs a few bytes.
    reply
      .header("cache-control", "no-cache")
      .header("etag", asset.etag)
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", CSP)
      .header("referrer-policy", "no-referrer")
      .type(asset.type);
    if (header(request.headers, "if-none-match") === asset.etag) return reply.status(304).send();
    return reply.send(asset.body);
  };

  app.get("/ui/", { schema: PAGE }, async (request, reply) => send("index.html", request, reply));
  app.get<{ Params: { file: string } }>("/ui/:file", { schema: FILE }, async (request, reply) => {
    const name = request.params.file;
    if (!Object.hasOwn(FILES, name)) throw new NotFoundError(`no dashboard file ${name}`);
    return send(name, request, reply);
  });
}

/** Read once: the files are a few KiB, and a missing one is reported on request, not at start. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(new URL(name, ASSETS_DIR));
    } catch {
      continue;
    }
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    assets.set(name, { body, type, etag });
  }
  return assets;
}
