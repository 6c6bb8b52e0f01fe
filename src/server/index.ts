/** verso's HTTP server over a store: `startServer({ store, port })`. */

export { type AppOptions, buildApp } from "./app.js";
export { PlaintextBindError, UnauthenticatedBindError } from "./bind-policy.js";
export { createLogger, type LogFormat, type LoggerOptions, type LogLevel } from "./logger.js";
export { type RunningServer, type ServeOptions, startServer } from "./serve.js";
export type { TlsMaterial } from "./tls.js";
