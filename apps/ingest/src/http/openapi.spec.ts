import { execFileSync } from 'node:child_process';
import { openApiDocument } from './openapi';
import { API_OPERATIONS } from './operations';
import { SendRequestSchema } from './schemas';

/** The validator is an ES module, which jest's CommonJS runtime cannot load: it runs in a node of its own. */
function validate(doc: unknown): { valid: boolean; version: string; errors: unknown[] } {
  const script = `import('@seriousme/openapi-schema-validator').then(async ({ Validator }) => {
    const v = new Validator();
    const r = await v.validate(JSON.parse(require('node:fs').readFileSync(0, 'utf8')));
    process.stdout.write(JSON.stringify({ valid: r.valid, version: v.version, errors: r.errors ?? [] }));
  })`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { input: JSON.stringify(doc), encoding: 'utf8' }));
}

describe('the OpenAPI document', () => {
  const doc = openApiDocument('1.0.0');

  it('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', () => {
    expect(validate(doc)).toEqual({ valid: true, version: '3.1', errors: [] });
  });

  it('is refused by the validator when broken (the check can fail)', () => {
    expect(validate({ ...doc, paths: { '/v1/messages': { post: { responses: 'none' } } } }).valid).toBe(false);
  });

  it('documents every operation Fastify serves, with the schemas that validate it', () => {
    const paths = doc['paths'] as Record<string, Record<string, { operationId: string; requestBody?: unknown }>>;
    expect(API_OPERATIONS.map((op) => paths[op.path]?.[op.method.toLowerCase()]?.operationId)).toEqual(API_OPERATIONS.map((op) => op.operationId));
    expect(paths['/v1/messages']['post'].requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/SendRequest' } } } });
    const components = (doc['components'] as { schemas: Record<string, unknown> }).schemas;
    expect(components['SendRequest']).toEqual(SendRequestSchema);
    expect(JSON.stringify(components['SendBatchRequest'])).toContain('"$ref":"#/components/schemas/SendRequest"');
  });
});
