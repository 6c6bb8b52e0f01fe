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
  signal?: AbortSignal;
}
