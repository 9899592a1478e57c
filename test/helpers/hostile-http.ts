// Misbehaving HTTP servers for the network-read tests: a raw TCP server (node:net) writes the
// response by hand, so it can do what node:http refuses to (lie in Content-Length, drip bytes,
// reset the connection). Each counts the connections it has open, so a test can see that the
// client really hung up.
import { createServer, type Socket } from 'node:net';

export type HostileMode =
  | 'drip' // 200 with Content-Length 1 MB, then one byte every `dripMs`
  | 'huge' // 200 without Content-Length, an endless body
  | 'huge-declared' // 200 announcing a 10 GB Content-Length, then an endless body
  | 'wrong' // 200 with the bytes of `body` (not the hash that was asked for)
  | 'reset' // accepts the request, then resets the connection (RST)
  | 'short' // announces `body.length + 100` bytes, sends `body`, closes
  | 'ok'; // 200 with `body`

export interface HostileServer {
  url: string;
  /** Connections open right now. */
  open(): number;
  /** Requests received so far. */
  requests(): number;
  close(): Promise<void>;
}

export interface HostileOptions {
  body?: Buffer;
  dripMs?: number;
}

const head = (len: number | null) => `HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n${len === null ? '' : `content-length: ${len}\r\n`}connection: close\r\n\r\n`;

export async function serveHostile(mode: HostileMode, o: HostileOptions = {}): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.once('close', () => sockets.delete(sock));
    sock.once('data', () => {
      requests++;
      respond(mode, sock, o);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    open: () => sockets.size,
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function respond(mode: HostileMode, sock: Socket, o: HostileOptions): void {
  const body = o.body ?? Buffer.from('not the blob you asked for');
  switch (mode) {
    case 'drip': {
      sock.write(head(1_000_000));
      const t = setInterval(() => sock.write('x'), o.dripMs ?? 2_000);
      sock.once('close', () => clearInterval(t));
      return;
    }
    case 'huge':
    case 'huge-declared':
      sock.write(head(mode === 'huge' ? null : 10_000_000_000));
      return void pump(sock);
    case 'wrong':
    case 'ok':
      return void sock.end(Buffer.concat([Buffer.from(head(body.length)), body]));
    case 'short':
      return void sock.end(Buffer.concat([Buffer.from(head(body.length + 100)), body]));
    case 'reset':
      return void sock.resetAndDestroy();
  }
}

/** Write 64 KiB chunks for as long as the peer reads them. */
function pump(sock: Socket): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const more = () => {
    while (!sock.destroyed && sock.write(chunk));
  };
  sock.on('drain', more);
  more();
}
