// The key ServiceAccount tokens are signed with. Kept in the data directory when there is one, so
// tokens issued before a restart of the lab API server stay valid after it.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const keyFile = 'service-account-signing.key';
const keyBytes = 32;

export function loadSigningKey(dataDir: string | undefined): Buffer {
  if (dataDir === undefined) return randomBytes(keyBytes);
  const file = path.join(dataDir, keyFile);
  try {
    const key = fs.readFileSync(file);
    if (key.length !== keyBytes)
      throw new Error(`signing key ${file} has ${key.length} bytes, expected ${keyBytes}`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(keyBytes);
  fs.mkdirSync(dataDir, { recursive: true });
  // wx: two servers racing on one directory must not end up with different keys.
  fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
  return key;
}
