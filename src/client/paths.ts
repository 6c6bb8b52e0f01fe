/** Paths of HTTP API v1; every name is percent-encoded as a single path segment. */

const segment = encodeURIComponent;

export function regionPath(region: string): string {
  return `/v1/regions/${segment(region)}`;
}

export function rowsPath(region: string, collection: string): string {
  return `${regionPath(region)}/collections/${segment(collection)}/rows`;
}

export function rowPath(region: string, collection: string, key: string): string {
  return `${rowsPath(region, collection)}/${segment(key)}`;
}

export function tokenPath(id: string): string {
  return `/v1/tokens/${segment(id)}`;
}

export function agentPath(id: string): string {
  return `/v1/agents/${segment(id)}`;
}

export function agentReportPath(region: string, id: string): string {
  return `${regionPath(region)}/agents/${segment(id)}`;
}
