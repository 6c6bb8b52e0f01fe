import type { FastifyInstance } from "fastify";
import { agentReport, checkAgentId } from "../../core/agent-report.js";
import { checkName } from "../../core/commands.js";
import { NotFoundError } from "../../protocol/errors.js";
import { canRead, type Principal } from "../access.js";
import type { RouteContext } from "../route-context.js";
import type { Query } from "./params.js";

/**
 * The fleet: agents report with PUT (a read token of the region suffices, see access.ts),
 * anyone listing sees the agents of the regions they may read, only the admin forgets one.
 */
export function agentRoutes(app: FastifyInstance, { agents, auth, now }: RouteContext): void {
  app.put<{ Params: { region: string; id: string } }>("/v1/regions/:region/agents/:id", async (request, reply) => {
    const principal = auth.principalOf(request);
    agents.report(agentReport(request.params.region, request.params.id, request.body, tokenName(auth.enabled, principal), now()));
    return reply.status(204).send();
  });

  app.get<{ Querystring: Query }>("/v1/agents", async (request) => {
    const principal = auth.principalOf(request);
    const region = request.query.region;
    const only = region === undefined || region === "" ? undefined : checkName("region", region);
    const listed = await agents.list();
    return { agents: listed.filter((a) => canRead(principal, a.region) && (only === undefined || a.region === only)) };
  });

  app.delete<{ Params: { id: string } }>("/v1/agents/:id", async (request) => {
    const id = checkAgentId(request.params.id);
    if (!(await agents.forget(id))) throw new NotFoundError(`no agent ${id}`);
    return { id, forgotten: true };
  });
}

/** Who the report came with, by name only: never the secret. */
function tokenName(authEnabled: boolean, principal: Principal): string | null {
  if (!authEnabled) return null;
  return principal.kind === "admin" ? "admin" : (principal.name ?? principal.id);
}
