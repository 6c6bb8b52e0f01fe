/** Route parameters shared by the region-scoped routes. */
export interface RegionParams {
  region: string;
}

export interface RowParams extends RegionParams {
  collection: string;
  key: string;
}

export interface CollectionParams extends RegionParams {
  collection: string;
}

export type Query = Record<string, unknown>;
