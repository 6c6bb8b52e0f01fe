import type { FastifyInstance } from "fastify";
import { createdToken, issueToken, tokenInfo, tokenRequest } from "../../core/tokens.js";
import { BadRequestError, NotFoundError } from "../../protocol/errors.js";
import type { TokenStorage } from "../../storage/token-storage.js";
import type { RouteContext } from "../route-context.js";
import { errors, json, params, type RouteSchema } from "../schema/route-schema.js";
import { CREATED_TOKEN, object, TOKEN_INFO, TOKEN_REQUEST } from "../schema/wire.js";

const TAGS = ["tokens"];

const CREATE: RouteSchema = {
  summary: "Create a scoped token (admin)",
  tags: TAGS,
  body: TOKEN_REQUEST,
  response: { 201: json("the token, with its secret shown this once", CREATED_TOKEN), ...errors(413, 507) },
};

const LIST: RouteSchema = {
  summary: "Every token, revoked ones included, without secrets (admin)",
  tags: TAGS,
  response: { 200: json("the tokens", object({ tokens: { type: "array", items: TOKEN_INFO } })), ...errors() },
};

const REVOKE: RouteSchema = {
  summary: "Revoke a token (admin)",
  tags: TAGS,
  params: params({ id: "the token's id (tok_...)" }),
  response: { 200: json("the revoked token", TOKEN_INFO), ...errors(404) },
};

/** The token API; admin-only by access.ts (no rule here needed). */
export function tokenRoutes(app: FastifyInstance, { internals, tokens, auth, now }: RouteContext): void {
  const storage = (): TokenStorage => {
    if (!tokens) throw new BadRequestError(`the ${internals.backend} storage backend does not keep tokens`);
    return tokens;
  };

  app.post("/v1/tokens", { schema: CREATE }, async (request, reply) => {
    const { stored, secret } = issueToken(tokenRequest(request.body), now());
    await storage().create(stored);
    reply.status(201).header("cache-control", "no-store");
    return createdToken(stored, secret);
  });

  app.get("/v1/tokens", { schema: LIST }, async () => ({ tokens: (await storage().list()).map(tokenInfo) }));

  app.delete<{ Params: { id: string } }>("/v1/tokens/:id", { schema: REVOKE }, async (request) => {
    const revoked = await storage().revoke(request.params.id, now());
    if (!revoked) throw new NotFoundError(`no token ${request.params.id}`);
    auth.revoked(revoked.id);
    return tokenInfo(revoked);
  });
}
