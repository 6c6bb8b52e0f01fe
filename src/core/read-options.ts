import type { ChangesParams, ReadParams } from "../protocol/types.js";

export interface ReadOptions extends ReadParams {
  signal?: AbortSignal;
}

export interface ChangesOptions extends ChangesParams {
  /** The caller continues resets with resetHead: reset pages may stop below the floor (see ChangesQuery). */
  resumableReset?: boolean;
  signal?: AbortSignal;
}
