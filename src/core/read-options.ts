import type { SchemaSelection } from "../protocol/schemas.js";
import type { ChangesParams } from "../protocol/types.js";

export interface ReadOptions {
  /** Values of these collections at these schema versions (`Verso-Schema`). */
  schemas?: SchemaSelection;
  /** Wait until the region's head is at least this version (read-your-writes barrier). */
  minVersion?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ChangesOptions extends ChangesParams {
  /** The caller continues resets with resetHead: reset pages may stop below the floor (see ChangesQuery). */
  resumableReset?: boolean;
  signal?: AbortSignal;
}
