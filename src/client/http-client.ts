/**
 * Typed client for HTTP API v1: one method per call of the contract. Every write carries
 * an Idempotency-Key (generated when the caller gives none), so the transport retries
 * transient failures safely; contract errors are thrown as the protocol's typed classes.
 */

import type { AgentInfo, AgentReport } from "../protocol/agents.js";
import type {
  CollectionSchemas,
  Compatibility,
  JsonSchema,
  RegisteredSchema,
  SchemaCheck,
  SchemaSelection,
  SchemaSummary,
  UpgradeBatch,
  UpgradeResult,
} from "../protocol/schemas.js";
import type { CreatedToken, CreateTokenRequest, TokenInfo } from "../protocol/tokens.js";
import type {
  ChangesParams,
  CompactRequest,
  CompactResult,
  ConditionalWriteOptions,
  DeleteResult,
  Json,
  ListParams,
  NextVersionResult,
  Page,
  PutResult,
  ReadParams,
  Region,
  Row,
  RowList,
  TxnOp,
  TxnResult,
  WriteOptions,
} from "../protocol/types.js";
import { type FeedEvent, type FeedOptions, follow, watch } from "./feed.js";
import { agentPath, agentReportPath, regionPath, rowPath, rowsPath, schemaHeaders, schemaPath, tokenPath } from "./paths.js";
import { type ClientOptions, HttpTransport } from "./transport.js";

/** A row read, with the schema versions its values should arrive at (sent as `Verso-Schema`). */
export interface ReadOptions extends ReadParams {
  schemas?: SchemaSelection;
}

/** A page of a collection's rows, with the schema versions its values should arrive at. */
export interface ListOptions extends ListParams {
  schemas?: SchemaSelection;
}

export class VersoClient {
  private readonly transport: HttpTransport;

  constructor(options: ClientOptions) {
    this.transport = new HttpTransport(options);
  }

  health(): Promise<{ ok: boolean; storage: string }> {
    return this.transport.json({ method: "GET", path: "/healthz" });
  }

  async regions(): Promise<Region[]> {
    return (await this.transport.json<{ regions: Region[] }>({ method: "GET", path: "/v1/regions" })).regions;
  }

  getVersion(region: string): Promise<Region> {
    return this.transport.json({ method: "GET", path: regionPath(region) });
  }

  nextVersion(region: string, options: WriteOptions = {}): Promise<NextVersionResult> {
    return this.transport.json({ method: "POST", path: `${regionPath(region)}/next-version`, write: options });
  }

  put(region: string, collection: string, key: string, value: Json, options: ConditionalWriteOptions = {}): Promise<PutResult> {
    return this.transport.json({
      method: "PUT",
      path: rowPath(region, collection, key),
      body: value,
      headers: conditionHeaders(options),
      write: options,
    });
  }

  delete(region: string, collection: string, key: string, options: ConditionalWriteOptions = {}): Promise<DeleteResult> {
    return this.transport.json({
      method: "DELETE",
      path: rowPath(region, collection, key),
      headers: conditionHeaders(options),
      write: options,
    });
  }

  get(region: string, collection: string, key: string, options: ReadOptions = {}): Promise<Row> {
    const { schemas, ...query } = options;
    return this.transport.json({ method: "GET", path: rowPath(region, collection, key), query, headers: schemaHeaders(schemas) });
  }

  list(region: string, collection: string, options: ListOptions = {}): Promise<RowList> {
    const { schemas, ...query } = options;
    return this.transport.json({ method: "GET", path: rowsPath(region, collection), query, headers: schemaHeaders(schemas) });
  }

  transact(region: string, ops: TxnOp[], options: WriteOptions = {}): Promise<TxnResult> {
    return this.transport.json({ method: "POST", path: `${regionPath(region)}/transactions`, body: { ops }, write: options });
  }

  changes(region: string, params: ChangesParams = {}, signal?: AbortSignal): Promise<Page> {
    const { schemas, ...query } = params;
    const path = `${regionPath(region)}/changes`;
    return this.transport.json({ method: "GET", path, query, headers: schemaHeaders(schemas), ...(signal && { signal }) });
  }

  /**
   * The region's change feed from the SSE watch endpoint: `{type: "changes", page}` per
   * page, `{type: "progress", head}` as heartbeats. Reconnects with Last-Event-ID.
   */
  watch(region: string, options: FeedOptions = {}): AsyncGenerator<FeedEvent> {
    return watch(this.transport, region, options);
  }

  /** The same events as `watch`, from long-polls of the changes endpoint (works with any server). */
  follow(region: string, options: FeedOptions = {}): AsyncGenerator<FeedEvent> {
    return follow(this.transport, region, options);
  }

  compact(region: string, request: CompactRequest, options: WriteOptions = {}): Promise<CompactResult> {
    return this.transport.json({ method: "POST", path: `${regionPath(region)}/compact`, body: request, write: options });
  }

  /**
   * Creates a scoped token (admin only). Not retried after a network error: a lost answer
   * would leave a token nobody knows the secret of (list and revoke it).
   */
  createToken(request: CreateTokenRequest): Promise<CreatedToken> {
    return this.transport.json({ method: "POST", path: "/v1/tokens", body: request, retryNetworkErrors: false });
  }

  /** Registers the next schema version of a collection (admin only); the latest schema again returns its version. */
  registerSchema(collection: string, schema: JsonSchema, compatibility?: Compatibility): Promise<RegisteredSchema> {
    const body = { schema, ...(compatibility !== undefined && { compatibility }) };
    return this.transport.json({ method: "PUT", path: schemaPath(collection), body });
  }

  /** What registering would do: the version, and every compatibility rule it breaks (admin only). */
  checkSchema(collection: string, schema: JsonSchema, compatibility?: Compatibility): Promise<SchemaCheck> {
    const body = { schema, ...(compatibility !== undefined && { compatibility }) };
    return this.transport.json({ method: "POST", path: `${schemaPath(collection)}/check`, body });
  }

  /** Every version of a collection's schema; NotFoundError when it has none. */
  schema(collection: string): Promise<CollectionSchemas> {
    return this.transport.json({ method: "GET", path: schemaPath(collection) });
  }

  /** Every collection with a schema, and its latest version. */
  async schemas(): Promise<SchemaSummary[]> {
    return (await this.transport.json<{ schemas: SchemaSummary[] }>({ method: "GET", path: "/v1/schemas" })).schemas;
  }

  /**
   * One batch of a schema upgrade in one region (admin only): rewrites the rows after
   * `after` that are not at version `to`; `next` is where the following batch starts.
   */
  upgradeBatch(collection: string, request: { to: number; region: string; after?: string | null; limit?: number }): Promise<UpgradeBatch> {
    return this.transport.json({ method: "POST", path: `${schemaPath(collection)}/upgrade`, body: request });
  }

  /** A whole schema upgrade, every region, run by the server (admin only). */
  upgradeSchema(collection: string, request: { to: number; limit?: number }): Promise<UpgradeResult> {
    return this.transport.json({ method: "POST", path: `${schemaPath(collection)}/upgrade`, body: request });
  }

  async tokens(): Promise<TokenInfo[]> {
    return (await this.transport.json<{ tokens: TokenInfo[] }>({ method: "GET", path: "/v1/tokens" })).tokens;
  }

  /** Revokes a token (admin only); revoking a revoked token answers it again. */
  revokeToken(id: string): Promise<TokenInfo> {
    return this.transport.json({ method: "DELETE", path: tokenPath(id) });
  }

  /**
   * Tells the server what an agent has applied (a read token of the region suffices).
   * Sent once, never retried: the next report supersedes a lost one.
   */
  async reportAgent(region: string, id: string, report: AgentReport, signal?: AbortSignal): Promise<void> {
    const response = await this.transport.send({
      method: "PUT",
      path: agentReportPath(region, id),
      body: report,
      retryNetworkErrors: false,
      ...(signal && { signal }),
    });
    await response.body?.cancel();
  }

  /** The agents of the regions this token may read, with their lag and state; `region` narrows to one. */
  async agents(region?: string): Promise<AgentInfo[]> {
    return (await this.transport.json<{ agents: AgentInfo[] }>({ method: "GET", path: "/v1/agents", query: { region } })).agents;
  }

  /** Forgets an agent (admin only); it reappears when it reports again. */
  forgetAgent(id: string): Promise<{ id: string; forgotten: boolean }> {
    return this.transport.json({ method: "DELETE", path: agentPath(id) });
  }
}

/** The expectation as the contract's headers: a version is an ETag, 0 "must be absent", "present" any live row. */
function conditionHeaders({ ifVersion }: ConditionalWriteOptions): Record<string, string> {
  if (ifVersion === undefined) return {};
  if (ifVersion === "present") return { "if-match": "*" };
  return ifVersion === 0 ? { "if-none-match": "*" } : { "if-match": `"${ifVersion}"` };
}
