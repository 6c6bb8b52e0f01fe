/**
 * What `verso changes --follow` and `verso watch` do when a poll or the stream fails: a server that went away (restart,
 * network) or failed is waited for and polled again from the same cursor, on the
 * agent's reconnect schedule; a refusal (bad region, bad token) ends the command, since
 * asking again would get the same answer.
 */
import { ForeignResponseError } from "../client/foreign-response.js";
import { VersoError } from "../protocol/errors.js";
import { sleep } from "../retry/backoff.js";
import { reconnectDelay } from "../retry/reconnect.js";
import { networkFailure } from "./report.js";

/** Why following should go on after `error`, or undefined when it should end with it. */
function transientReason(error: unknown): string | undefined {
  const network = networkFailure(error);
  if (network !== undefined) return network;
  if (error instanceof VersoError && error.code === "internal") return `${error.code} (${error.status}): ${error.message}`;
  // A proxy in front of a restarting server answers 502-504 with a page of its own.
  if (error instanceof ForeignResponseError && error.status >= 500) return `HTTP ${error.status} ${error.statusText}`.trim();
  return undefined;
}

/**
 * Waits before the next attempt after `failures` failures in a row and returns true, or
 * returns false when `error` is not worth retrying.
 */
export async function waitToReconnect(error: unknown, failures: number, write: (line: string) => void, command: string): Promise<boolean> {
  const reason = transientReason(error);
  if (reason === undefined) return false;
  const delay = Math.round(reconnectDelay(failures));
  write(`verso ${command}: disconnected (${reason}); reconnecting in ${delay} ms\n`);
  await sleep(delay);
  return true;
}
