import type { FastifyInstance } from "fastify";
import { agentReport, checkAgentId } from "../../core/agent-report.js";
import { checkName } from "../../core/commands.js";
import { NotFoundError } from "../../protocol/errors.js";
import { canRead, type Principal } from "../access.js";
import type { RouteContext } from "../route-context.js";
import { errors, json, params, query, queryString, REGION_PARAM, type RouteSchema } from "../schema/route-schema.js";
import { AGENT_FORGOTTEN, AGENT_LIST, AGENT_REPORT } from "../schema/wire.js";
import type { Query } from "./params.js";

const TAGS = ["agents"];
const AGENT_ID = "the agent's id: 1-128 characters of [A-Za-z0-9._:-]";

const REPORT: RouteSchema = {
  summary: "An agent's report of what it applied and handled",
  description: "A read token of the region may report; the report changes no data and is written to storage in batches.",
  tags: TAGS,
  params: params({ ...REGION_PARAM, id: AGENT_ID }),
  body: AGENT_REPORT,
  response: { 204: { description: "recorded" }, ...errors(413) },
};

const LIST: RouteSchema = {
  summary: "The agents of the regions the caller may read, with their lag and state",
  tags: TAGS,
  querystring: query({ region: queryString("only the agents of this region") }),
  response: { 200: json("the agents, by region and id", AGENT_LIST), ...errors() },
};

const FORGET: RouteSchema = {
  summary: "Forget an agent in every region (admin)",
  tags: TAGS,
  params: params({ id: AGENT_ID }),
  response: { 200: json("forgotten", AGENT_FORGOTTEN), ...errors(404) },
};

/**
 * The fleet: agents report with PUT (a read token of the region suffices, see access.ts),
 * anyone listing sees the agents of the regions they may read, only the admin forgets one.
 */
export function agentRoutes(app: FastifyInstance, { agents, auth, now }: RouteContext): void {
  app.put<{ Params: { region: string; id: string } }>("/v1/regions/:region/agents/:id", { schema: REPORT }, async (request, reply) => {
    const principal = auth.principalOf(request);
    agents.report(agentReport(request.params.region, request.params.id, request.body, tokenName(auth.enabled, principal), now()));
    return reply.status(204).send();
  });

  app.get<{ Querystring: Query }>("/v1/agents", { schema: LIST }, async (request) => {
    const principal = auth.principalOf(request);
    const region = request.query.region;
    const only = region === undefined || region === "" ? undefined : checkName("region", region);
    const listed = await agents.list();
    return { agents: listed.filter((a) => canRead(principal, a.region) && (only === undefined || a.region === only)) };
  });

  app.delete<{ Params: { id: string } }>("/v1/agents/:id", { schema: FORGET }, async (request) => {
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
