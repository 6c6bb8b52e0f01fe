import type { FastifyInstance } from "fastify";
import { createdToken, issueToken, tokenInfo, tokenRequest } from "../../core/tokens.js";
import { BadRequestError, NotFoundError } from "../../protocol/errors.js";
import type { TokenStorage } from "../../storage/token-storage.js";
import type { RouteContext } from "../route-context.js";

/** The token API; admin-only by access.ts (no rule here needed). */
export function tokenRoutes(app: FastifyInstance, { internals, tokens, auth, now }: RouteContext): void {
  const storage = (): TokenStorage => {
    if (!tokens) throw new BadRequestError(`the ${internals.backend} storage backend does not keep tokens`);
    return tokens;
  };

  app.post("/v1/tokens", async (request, reply) => {
    const { stored, secret } = issueToken(tokenRequest(request.body), now());
    await storage().create(stored);
    reply.status(201).header("cache-control", "no-store");
    return createdToken(stored, secret);
  });

  app.get("/v1/tokens", async () => ({ tokens: (await storage().list()).map(tokenInfo) }));

  app.delete<{ Params: { id: string } }>("/v1/tokens/:id", async (request) => {
    const revoked = await storage().revoke(request.params.id, now());
    if (!revoked) throw new NotFoundError(`no token ${request.params.id}`);
    auth.revoked(revoked.id);
    return tokenInfo(revoked);
  });
}
