/** Validation of an agent's status report (`PUT /v1/regions/{region}/agents/{id}`). */
import { BadRequestError } from "../protocol/errors.js";
import type { StoredAgent } from "../storage/agent-storage.js";
import { checkName, checkNonNegativeInt } from "./commands.js";

const AGENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRANSPORT = /^[a-z][a-z0-9-]{0,31}$/;
const MAX_NAME_LENGTH = 200;
const FIELDS = new Set(["name", "applied", "handled", "transport"]);

export function checkAgentId(id: unknown): string {
  if (typeof id !== "string" || !AGENT_ID.test(id)) {
    throw new BadRequestError(`agent id must be 1-128 characters of [A-Za-z0-9._:-], got ${JSON.stringify(String(id).slice(0, 200))}`);
  }
  return id;
}

/** The stored form of a report received at `now` from a caller holding a token named `tokenName`. */
export function agentReport(region: string, id: string, body: unknown, tokenName: string | null, now: number): StoredAgent {
  checkName("region", region);
  checkAgentId(id);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError('body must be {"applied": N, "handled"?: N|null, "name"?: "...", "transport"?: "watch"|"poll"}');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw new BadRequestError(`unknown field ${JSON.stringify(unknown)} in agent report`);
  const { name, transport } = fields;
  if (
    name !== undefined &&
    name !== null &&
    (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f]/.test(name))
  ) {
    throw new BadRequestError(`name must be 1-${MAX_NAME_LENGTH} characters without control characters`);
  }
  if (transport !== undefined && (typeof transport !== "string" || !TRANSPORT.test(transport))) {
    throw new BadRequestError('transport must be a short lowercase word such as "watch" or "poll"');
  }
  return {
    region,
    id,
    name: typeof name === "string" ? name : null,
    tokenName,
    transport: typeof transport === "string" ? transport : "unknown",
    applied: checkNonNegativeInt("applied", fields.applied),
    handled: fields.handled === undefined || fields.handled === null ? null : checkNonNegativeInt("handled", fields.handled),
    lastSeen: now,
  };
}
