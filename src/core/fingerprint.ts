import { createHash } from "node:crypto";
import type { WriteCommand } from "../model/write-command.js";

/**
 * Identity of a request for Idempotency-Key reuse detection. Built from the verso
 * command rather than the HTTP bytes, so the same write through the library, the CLI
 * or HTTP with other whitespace is recognised as the same request.
 */
export function fingerprint(command: WriteCommand): string {
  const { idempotency: _ignored, ...content } = command;
  return createHash("sha256").update(JSON.stringify(content)).digest("base64url");
}
