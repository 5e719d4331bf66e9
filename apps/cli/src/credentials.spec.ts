import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminTokenFor, apiKeyFor, isLocalTarget } from './credentials';

describe('CLI credentials', () => {
  it('knows a local target', () => {
    for (const t of ['127.0.0.1:50051', 'localhost:15051', '[::1]:50051', 'dns:///localhost:50051']) expect(isLocalTarget(t)).toBe(true);
    for (const t of ['ingest.smsgw.svc:50051', '10.0.0.7:50051', 'dns:///ingest-grpc.smsgw.svc.cluster.local:50051']) expect(isLocalTarget(t)).toBe(false);
  });

  it('takes --api-key first, and never reads the local key file for a remote target', () => {
    expect(apiKeyFor({ apiKey: ' smsgw_x ', target: '127.0.0.1:50051' })).toBe('smsgw_x');
    expect(apiKeyFor({ target: 'ingest.example:50051' })).toBe('');
    // A client certificate is the credential: the local demo key is not added to it.
    expect(apiKeyFor({ target: '127.0.0.1:50051', cert: 'client.pem' })).toBe('');
  });

  it('reads the admin token file, and says which option is missing', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'smsgw-cli-')), 'token');
    writeFileSync(file, 'the-admin-token-0123456789\n');
    expect(adminTokenFor({ adminTokenFile: file, target: 'ingest.example:50051' })).toBe('the-admin-token-0123456789');
    expect(() => adminTokenFor({ target: 'ingest.example:50051' })).toThrow(/--admin-token-file.*SMSGW_ADMIN_TOKEN_FILE/);
    expect(() => adminTokenFor({ adminTokenFile: `${file}-missing`, target: 'x:1' })).toThrow(/cannot read the admin token file .*ENOENT/);
  });
});
