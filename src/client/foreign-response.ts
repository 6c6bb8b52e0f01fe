/**
 * Telling verso's answers from anything else that speaks HTTP at the same address: a
 * static file server, a proxy's error page, another API. verso always answers JSON, and
 * every refusal carries the contract's error body; an answer that does not is reported
 * with its own status rather than dressed up as one of the contract's errors.
 */
import { ERROR_CODES, errorFromBody, type VersoError } from "../protocol/errors.js";

export class ForeignResponseError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly contentType: string,
    /** The start of the body, to recognise what answered. */
    readonly excerpt: string,
  ) {
    super(
      `the server did not answer like verso (HTTP ${status}${statusText ? ` ${statusText}` : ""}${contentType ? `, ${contentType}` : ""})` +
        (excerpt ? `: ${excerpt}` : ""),
    );
    this.name = "ForeignResponseError";
  }
}

const NOT_JSON = Symbol("not JSON");

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function foreign(response: globalThis.Response, text: string): ForeignResponseError {
  const excerpt = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  const contentType = (response.headers.get("content-type") ?? "").split(";")[0] ?? "";
  return new ForeignResponseError(response.status, response.statusText, contentType.trim(), excerpt.trim());
}

/** The parsed body of a successful answer; throws if it is not JSON. */
export function successBody(response: globalThis.Response, text: string): unknown {
  if (text === "") return undefined;
  const body = parse(text);
  if (body === NOT_JSON) throw foreign(response, text);
  return body;
}

/** The contract error a refusal carries, or a ForeignResponseError when it carries none. */
export function refusal(response: globalThis.Response, text: string): VersoError | ForeignResponseError {
  const body = parse(text) as { error?: { code?: unknown; message?: unknown } } | null;
  const error = typeof body === "object" && body !== null ? body.error : undefined;
  const isContractError =
    typeof error?.message === "string" && typeof error.code === "string" && (ERROR_CODES as readonly string[]).includes(error.code);
  return isContractError ? errorFromBody(response.status, body) : foreign(response, text);
}
