import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Connections a client opened but has not sent a request on yet (HTTP clients keep
 * such spares in their pools). Node counts them as waiting for headers, not idle, so
 * `server.close()` would wait on each until its headers timeout, about a minute.
 * On stop they carry nothing in flight and can be closed at once.
 */
export function trackSpareConnections(server: Server): { closeAll: () => void } {
  const spare = new Set<Socket>();
  let closing = false;
  server.on("connection", (socket: Socket) => {
    if (closing) return void socket.destroy();
    spare.add(socket);
    socket.once("close", () => spare.delete(socket));
  });
  server.on("request", (request) => spare.delete(request.socket));
  return {
    closeAll: () => {
      closing = true;
      for (const socket of spare) socket.destroy();
      spare.clear();
    },
  };
}
