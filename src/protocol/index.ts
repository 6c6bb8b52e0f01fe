export * from "./agents.js";
export * from "./errors.js";
export * from "./feed-position.js";
export * from "./names.js";
export * from "./schemas.js";
export * from "./tokens.js";
export * from "./types.js";
export * from "./version.js";
