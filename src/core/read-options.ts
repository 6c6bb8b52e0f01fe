import type { SchemaSelection } from "../protocol/schemas.js";
import type { ChangesParams, ReadParams } from "../protocol/types.js";

export interface ReadOptions extends ReadParams {
  /** Values of these collections at these schema versions (`Verso-Schema`). */
  schemas?: SchemaSelection;
  signal?: AbortSignal;
}

export interface ChangesOptions extends ChangesParams {
  /** The caller continues resets with resetHead: reset pages may stop below the floor (see ChangesQuery). */
  resumableReset?: boolean;
  /** Only this collection's rows, each with its life (the feed of a shape). */
  collection?: string;
  /**
   * When `limit` is absent, the ops of a reset page and of its continuation (`resetHead`)
   * default to MAX_PAGE_LIMIT instead of DEFAULT_PAGE_LIMIT (the changes route's default).
   */
  largeResetPages?: boolean;
  signal?: AbortSignal;
}
