/** Plain HTTP calls for tests that must see exactly what the server answered (no client-side retries). */

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read fields of whatever JSON came back
  body: any;
  headers: Headers;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Reply> {
  const response = await fetch(base + path, {
    method,
    headers: { ...(options.body !== undefined && { "content-type": "application/json" }), ...options.headers },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    ...(options.signal && { signal: options.signal }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text), headers: response.headers };
}

/** Every live row of a collection, following `next` across pages. */
export async function allRows(
  base: string,
  region: string,
  collection: string,
): Promise<Array<{ key: string; version: number; value: unknown }>> {
  const rows = [];
  let after: string | null = null;
  do {
    const query: string = after === null ? "" : `&after=${encodeURIComponent(after)}`;
    const reply = await call(base, "GET", `/v1/regions/${region}/collections/${collection}/rows?limit=1000${query}`);
    if (reply.status !== 200) throw new Error(`listing ${region}/${collection}: ${reply.status} ${JSON.stringify(reply.body)}`);
    rows.push(...reply.body.rows);
    after = reply.body.next;
  } while (after !== null);
  return rows;
}
