/** Wire types of the token API (`/v1/tokens`). Pure data: no I/O lives here. */

/** `read`: GET a region, its rows, changes and watch. `write`: read plus every write to the region. */
export type TokenRole = "read" | "write";

export const TOKEN_ROLES: readonly TokenRole[] = ["read", "write"];

/** A token's regions may be `["*"]`: every region, including ones created later. */
export const ALL_REGIONS = "*";

export interface CreateTokenRequest {
  regions: string[];
  role: TokenRole;
  name?: string;
}

/** A token as listed: never carries the secret. Times are ISO 8601. */
export interface TokenInfo {
  id: string;
  name: string | null;
  role: TokenRole;
  regions: string[];
  createdAt: string;
  revokedAt: string | null;
}

/** The answer to a creation: the only time the secret (`token`) is ever shown. */
export interface CreatedToken extends TokenInfo {
  token: string;
}
