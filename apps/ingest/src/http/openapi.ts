import { API_OPERATIONS, type ApiOperation } from './operations';
import { NAMED_SCHEMAS, type JsonSchema } from './schemas';

const PROBLEM_TEXT: Record<number, string> = {
  400: 'The request is malformed or a field is invalid (VALIDATION.*, ACCOUNT.INVALID_USAGE_RANGE, HTTP.INVALID_JSON).',
  401: 'No valid API key (AUTH.MISSING_KEY, AUTH.MALFORMED_KEY, AUTH.INVALID_KEY, AUTH.KEY_REVOKED).',
  403: 'The account is disabled (AUTH.ACCOUNT_DISABLED), its policy refuses the message (POLICY.*), or the handset opted out (POLICY.OPTED_OUT).',
  404: 'No such message for this account (MESSAGE.NOT_FOUND).',
  413: 'The body is larger than this operation takes (HTTP.BODY_TOO_LARGE).',
  415: 'The body is not application/json (HTTP.UNSUPPORTED_MEDIA_TYPE).',
  429: 'Over the account\'s rate limit (RATE.LIMITED) or its usual rate to a country (RATE.PUMPING_SUSPECTED); Retry-After says when to retry.',
  503: 'Kafka or PostgreSQL is unavailable; retry (with the same idempotency key).',
};

const byObject = new Map<unknown, string>(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [schema, name]));

/** The schema with every named schema inside it (not itself) replaced by a $ref to components. */
function withRefs(schema: unknown, top = true): unknown {
  if (!top && byObject.has(schema)) return { $ref: `#/components/schemas/${byObject.get(schema)}` };
  if (Array.isArray(schema)) return schema.map((s) => withRefs(s, false));
  if (schema && typeof schema === 'object') return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withRefs(v, false)]));
  return schema;
}

function parameters(op: ApiOperation): unknown[] {
  const list = (where: 'path' | 'query' | 'header', schema: JsonSchema | undefined) => {
    const props = (schema?.['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema?.['required'] ?? []) as string[]);
    return Object.entries(props).map(([name, { description, ...rest }]) => ({
      name: where === 'header' ? name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()) : name,
      in: where,
      required: where === 'path' || required.has(name),
      description,
      schema: rest,
    }));
  };
  return [...list('path', op.schema.params), ...list('query', op.schema.querystring), ...list('header', op.schema.headers)];
}

function operation(op: ApiOperation): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [code, [description, type, schema]] of Object.entries(op.ok)) responses[code] = { description, content: { [type]: { schema: withRefs(schema, !byObject.has(schema)) } } };
  const problems = op.auth ? [...op.problems, 401, 503] : op.problems;
  for (const code of [...new Set(problems)].sort()) {
    responses[String(code)] = {
      description: PROBLEM_TEXT[code],
      ...(code === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } } } : {}),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  const params = parameters(op);
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    ...(op.auth ? {} : { security: [] }),
    ...(params.length ? { parameters: params } : {}),
    ...(op.schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: withRefs(op.schema.body, !byObject.has(op.schema.body)) } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the HTTP API, from the same operations and schemas Fastify enforces. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of API_OPERATIONS) (paths[op.path] ??= {})[op.method.toLowerCase()] = operation(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'smsgw HTTP API',
      version,
      description:
        'The HTTP/JSON face of sms.v1.SmsService, on the same send use case, accounts, policy, rate limits and idempotency keys as gRPC, with the same error codes. Field names follow the proto3 JSON mapping; enum values are short names (ACCEPTED, gsm7). Every call but this document needs "Authorization: Bearer <API key>".',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An smsgw API key: smsgw_<key id>_<secret>.' } },
      schemas: Object.fromEntries(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [name, withRefs(schema)])),
    },
  };
}
