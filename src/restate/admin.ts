/** The parts of Restate's admin API (v1.7) that registering and watching a rollout need. */
import { errorMessage } from "./error-message.js";

export interface ServiceRevision {
  name: string;
  revision: number;
}

export interface ServiceInfo extends ServiceRevision {
  /** "VirtualObject", "Service" or "Workflow". */
  ty: string;
  /** The deployment serving the latest revision: where new invocations go. */
  deployment_id: string;
}

export interface DeploymentInfo {
  id: string;
  uri?: string;
  arn?: string;
  created_at?: string;
  services: ServiceRevision[];
}

export interface RegisterAnswer {
  id: string;
  services: ServiceInfo[];
}

/** A refusal or failure from the admin API, e.g. 409 for a registration breaking a service's schema. */
export class RestateAdminError extends Error {
  override name = "RestateAdminError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class RestateAdmin {
  private readonly base: string;

  constructor(
    admin: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = admin.replace(/\/+$/, "");
  }

  /**
   * Registers (discovers) the deployment at `uri`. Services already known get a new
   * revision. Without `force` Restate refuses an incompatible change (e.g. a virtual
   * object turned into a service) and a second registration of the same URI.
   */
  register(uri: string, options: { force?: boolean } = {}): Promise<RegisterAnswer> {
    return this.request<RegisterAnswer>("POST", "/deployments", { uri, force: options.force ?? false });
  }

  async services(): Promise<ServiceInfo[]> {
    return (await this.request<{ services: ServiceInfo[] }>("GET", "/services")).services;
  }

  async deployments(): Promise<DeploymentInfo[]> {
    return (await this.request<{ deployments: DeploymentInfo[] }>("GET", "/deployments")).deployments;
  }

  /** Runs SQL over Restate's introspection tables (sys_invocation, sys_service, ...). */
  async query<Row>(sql: string): Promise<Row[]> {
    return (await this.request<{ rows: Row[] }>("POST", "/query", { query: sql })).rows;
  }

  /** Invocations not yet completed, counted by the deployment they are pinned to ("" = not started on one yet). */
  async inFlightByDeployment(): Promise<Map<string, number>> {
    const rows = await this.query<{ deployment: string | null; n: number }>(
      "SELECT pinned_deployment_id AS deployment, COUNT(*) AS n FROM sys_invocation WHERE status <> 'completed' GROUP BY pinned_deployment_id",
    );
    return new Map(rows.map((r) => [r.deployment ?? "", Number(r.n)]));
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetchImpl(`${this.base}${path}`, {
      method,
      headers: { accept: "application/json", ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      const message = errorMessage(text);
      throw new RestateAdminError(response.status, `${method} ${path}: ${response.status} ${message}`);
    }
    return JSON.parse(text) as T;
  }
}
