/**
 * Random hostile HTTP/1.1 requests as raw bytes: a well-formed request of verso's API,
 * then, with some probability at every step, a bad method, path, name, query, header,
 * framing or body. Seeded, so a failing request can be generated again.
 */
import { between, type Random } from "../../src/checker/random.js";

export interface HostileRequest {
  bytes: Buffer;
  method: string;
  /** The decoded region name when the path names one. */
  region: string | undefined;
  /** Whether success would be a write that takes a version (PUT/DELETE of a row, transactions, next-version). */
  takesVersion: boolean;
  /** A short description for failure messages. */
  label: string;
}

export const FUZZ_REGIONS = ["fz-a", "fz-b"];

const pick = <T>(random: Random, items: readonly T[]): T => items[between(random, 0, items.length - 1)] as T;
const chance = (random: Random, p: number) => random() < p;

const HOSTILE_NAMES = [
  ".",
  "..",
  "%2e%2e",
  "%",
  "%zz",
  "%00",
  "a%2Fb",
  "x".repeat(300),
  "x".repeat(1500),
  "caf\xe9",
  "a b",
  "a\tb",
  "%C3%A9",
  "%FF",
  "",
  "a?b",
  "a#b",
  "%2F",
  "ok%20name",
  "\x7f",
  "%E2%80%AE",
];

const QUERIES = [
  "",
  "?since=abc",
  "?since=-1",
  "?since=1e3",
  "?since=0&limit=0",
  "?limit=99999999999999999999",
  "?since=1&since=2",
  "?epoch=nope&since=1",
  "?since=0&waitMs=20",
  "?waitMs=-5",
  "?minVersion=0&timeoutMs=10",
  "?minVersion=x",
  "?after=%ff",
  "?after=",
  "?limit=5&after=k",
  "?resetHead=x",
  "?%zz=1",
  "?a=%",
  "?since=0&limit=10001",
];

const PROTOCOLS = ["1", "2", "01", "002", "000001", "3", "", "abc", " 2 ", "+1", "2, 2", "1.0"];
const IF_MATCH = ['"1"', "*", 'W/"2"', "junk", '"0"', '"99999999999999999999"', '"-1"', ""];

function body(random: Random, kind: string): string {
  const value = () =>
    pick(random, [
      '{"a":1}',
      "1",
      '"x"',
      "null",
      "[]",
      "1e400",
      "-0",
      '"\\ud800"',
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      `${"[".repeat(5000)}${"]".repeat(5000)}`,
      `${"[".repeat(101)}${"]".repeat(101)}`,
      `"${"é".repeat(1000)}"`,
    ]);
  const good = (): string => {
    if (kind === "put") return value();
    if (kind === "txn")
      return pick(random, [
        `{"ops":[{"op":"put","collection":"c","key":"k${between(random, 0, 3)}","value":${value()}}]}`,
        '{"ops":[{"op":"delete","collection":"c","key":"k1"}]}',
        '{"ops":[{"op":"put","collection":"c","key":"k1","value":1,"ifVersion":"x"}]}',
        '{"ops":[{"op":"frob","collection":"c","key":"k"}]}',
        '{"ops":[]}',
        '{"ops":{}}',
        `{"ops":[${Array.from({ length: 1001 }, () => '{"op":"put","collection":"c","key":"k","value":1}').join(",")}]}`,
        '{"ops":[{"op":"put","collection":"..","key":"k","value":1}]}',
        '{"ops":[{"op":"put","collection":"c","key":"k"}]}',
        "[]",
      ]);
    if (kind === "compact")
      return pick(random, [
        '{"retainVersions":-1}',
        '{"beforeVersion":"x"}',
        '{"retainVersions":1,"beforeVersion":1}',
        "{}",
        '{"retainVersions":1e309}',
      ]);
    if (kind === "token") return pick(random, ['{"name":"x","role":"read","regions":["fz-a"]}', '{"role":"god"}', '{"name":1}', "{}"]);
    return "";
  };
  return pick(random, [good(), good(), good(), "{", "\x00", "\ufeff{}", "nul", "[1,]", '{"a":1}{"b":2}', "   ", "\r\n"]);
}

/** One request; `key` makes Idempotency-Keys unique unless a mutation reuses one. */
export function hostileRequest(random: Random, serial: number): HostileRequest {
  const kind = pick(random, [
    "put",
    "put",
    "delete",
    "get",
    "list",
    "txn",
    "txn",
    "next",
    "compact",
    "changes",
    "watch",
    "regions",
    "token",
    "health",
    "root",
  ]);
  const region = chance(random, 0.8) ? pick(random, FUZZ_REGIONS) : pick(random, HOSTILE_NAMES);
  const collection = chance(random, 0.85) ? "c" : pick(random, HOSTILE_NAMES);
  const key = chance(random, 0.8) ? `k${between(random, 0, 3)}` : pick(random, HOSTILE_NAMES);
  const rows = `/v1/regions/${region}/collections/${collection}/rows`;
  const routes: Record<string, [string, string]> = {
    put: ["PUT", `${rows}/${key}`],
    delete: ["DELETE", `${rows}/${key}`],
    get: ["GET", `${rows}/${key}`],
    list: ["GET", rows],
    txn: ["POST", `/v1/regions/${region}/transactions`],
    next: ["POST", `/v1/regions/${region}/next-version`],
    compact: ["POST", `/v1/regions/${region}/compact`],
    changes: ["GET", `/v1/regions/${region}/changes`],
    watch: ["GET", `/v1/regions/${region}/watch`],
    regions: ["GET", "/v1/regions"],
    token: ["POST", "/v1/tokens"],
    health: ["GET", "/healthz"],
    root: ["GET", pick(random, ["/", "*", "/v1", "/v2/regions", "//v1//regions", "http://x/v1/regions", "/v1/regions/"])],
  };
  let [method, path] = routes[kind] ?? ["GET", "/"];
  const labels: string[] = [kind];
  if (chance(random, 0.1)) {
    method = pick(random, [
      "GET",
      "PUT",
      "POST",
      "DELETE",
      "HEAD",
      "OPTIONS",
      "PATCH",
      "TRACE",
      "get",
      "put",
      "FROB",
      "CONNECT",
      "G ET",
      "",
      "\x00",
      "PUT\t",
    ]);
    labels.push(`method ${JSON.stringify(method)}`);
  }
  if (chance(random, 0.2)) path += pick(random, QUERIES);
  const version = chance(random, 0.93) ? "HTTP/1.1" : pick(random, ["HTTP/1.0", "HTTP/9.9", "http/1.1", "HTTP/1.1 x", "HTTP/1", ""]);

  const headers: string[] = [];
  if (chance(random, 0.97)) headers.push("Host: 127.0.0.1");
  else if (chance(random, 0.5)) headers.push("Host: a", "Host: b");
  if (chance(random, 0.3)) headers.push(`Verso-Protocol: ${pick(random, PROTOCOLS)}`);
  if (chance(random, 0.15)) headers.push(`If-Match: ${pick(random, IF_MATCH)}`);
  if (chance(random, 0.08)) headers.push(`If-None-Match: ${pick(random, ["*", "x", '"1"'])}`);
  if (chance(random, 0.3)) {
    const keys = [`key-${serial}`, `key-${serial}`, "reused-key", "", "k".repeat(300), "k".repeat(100_000), "caf\xe9", "a b"];
    headers.push(`Idempotency-Key: ${pick(random, keys)}`);
  }
  if (chance(random, 0.05)) headers.push(`Authorization: ${pick(random, ["Bearer junk", "Basic eDp5", "Bearer", ""])}`);
  if (chance(random, 0.2))
    headers.push(
      `Content-Type: ${pick(random, ["application/json", "text/plain", "application/x-www-form-urlencoded", "\x01", "application/json; charset=latin1", ""])}`,
    );
  if (chance(random, 0.03)) headers.push(`Expect: ${pick(random, ["100-continue", "fancy"])}`);
  if (chance(random, 0.05)) headers.push(`Last-Event-ID: ${pick(random, ["x", "1:2", "-1", "", "9".repeat(40)])}`);
  if (chance(random, 0.04))
    headers.push(
      pick(random, [
        "X-Ctl: a\x01b",
        "X-Fold: a\r\n b",
        "No-Colon",
        "Bad Name: x",
        ": empty",
        `X-Big: ${"x".repeat(20_000)}`,
        "X-Nul: \x00",
      ]),
    );
  if (chance(random, 0.02)) headers.push(...Array.from({ length: 300 }, (_, i) => `X-Many-${i}: ${i}`));

  let payload = Buffer.from(
    ["put", "txn", "compact", "token", "next"].includes(kind) || chance(random, 0.1) ? body(random, kind) : "",
    "latin1",
  );
  if (chance(random, 0.01) && kind === "put") payload = Buffer.from(`"${"x".repeat(2 * 1024 * 1024)}"`);
  const framing = chance(random, 0.9) ? "length" : pick(random, ["chunked", "negative", "letters", "huge", "both", "twice", "te-gzip"]);
  if (framing !== "length") labels.push(framing);
  switch (framing) {
    case "chunked":
      headers.push("Transfer-Encoding: chunked");
      payload =
        payload.length === 0
          ? Buffer.from("0\r\n\r\n")
          : Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from("\r\n0\r\n\r\n")]);
      break;
    case "negative":
      headers.push("Content-Length: -1");
      break;
    case "letters":
      headers.push("Content-Length: ten");
      break;
    case "huge":
      headers.push("Content-Length: 99999999999");
      break;
    case "both":
      headers.push(`Content-Length: ${payload.length}`, "Transfer-Encoding: chunked");
      break;
    case "twice":
      headers.push(`Content-Length: ${payload.length}`, `Content-Length: ${payload.length + 1}`);
      break;
    case "te-gzip":
      headers.push("Transfer-Encoding: gzip");
      break;
    default:
      if (payload.length > 0 || chance(random, 0.5)) headers.push(`Content-Length: ${payload.length}`);
  }
  headers.push("Connection: close");
  const head = `${method} ${path}${version ? ` ${version}` : ""}\r\n${headers.join("\r\n")}\r\n\r\n`;
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(region);
  } catch {
    decoded = undefined;
  }
  return {
    bytes: Buffer.concat([Buffer.from(head, "latin1"), payload]),
    method,
    region: decoded,
    takesVersion: ["put", "delete", "txn", "next"].includes(kind),
    label: `${labels.join(", ")}: ${JSON.stringify(head.slice(0, 160))}`,
  };
}
