// The devnet's shared blob server as its own process (started detached by `optrain devnet up`):
//   node --import tsx chain/blob-daemon.ts <blob dir> <url file>
// Serves <blob dir> on a free loopback port, accepts PUT (submitters pin job specs and
// datasets), and writes its base URL to <url file> once it listens.
import { writeFileSync } from 'node:fs';
import { BlobStore, serveBlobs } from '../jobs/blobstore.ts';

const [dir, urlFile] = process.argv.slice(2);
if (!dir || !urlFile) {
  process.stderr.write('usage: blob-daemon.ts <blob dir> <url file>\n');
  process.exit(2);
}
const server = await serveBlobs(new BlobStore(dir), { allowPut: true });
writeFileSync(urlFile, server.url + '\n');
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void server.close().then(() => process.exit(0)));
