// A loopback port nothing listens on now (the OS picks it): for tests, the bench and the throwaway PostgreSQL cluster.
import { createServer } from 'node:net';

/** A free port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
