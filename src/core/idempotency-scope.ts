import type { WriteCommand } from "../model/write-command.js";

/**
 * Gives each token its own Idempotency-Key namespace, so one tenant can neither replay
 * another's response nor learn which keys another used. The scope is joined with a
 * space, which a client's key cannot contain (visible ASCII only), so a scoped key never
 * equals an unscoped one. Unscoped (admin or no auth) keys are stored as sent.
 */
export function scopeIdempotency(command: WriteCommand, scope: string | undefined): WriteCommand {
  if (scope === undefined || !command.idempotency) return command;
  return { ...command, idempotency: { ...command.idempotency, key: `${scope} ${command.idempotency.key}` } };
}
