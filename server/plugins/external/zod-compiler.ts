import fp from 'fastify-plugin';
import type { FastifyTypeProvider } from 'fastify';
import type { z } from 'zod';

/** Route schemas are the contract's zod schemas; this provider gives handlers their parsed types. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

function asZod(schema: unknown, where: string): z.ZodType {
  if (typeof schema === 'object' && schema !== null && 'safeParse' in schema) return schema as z.ZodType;
  throw new Error(`${where}: route schemas must be zod schemas`);
}

/** Zod issues as `path: message`, joined, e.g. `body.events.0.siteId: must be 1-64 letters…`. */
export function formatIssues(part: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => `${[part, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}

/**
 * Validation parses with the contract schema and hands the handler the parsed value (defaults
 * applied, unknown keys stripped). Serialization parses too, so a response can never carry a field
 * the contract does not declare (no accidental leak of internal state).
 */
export default fp(async (app) => {
  app.setValidatorCompiler(({ schema, httpPart, url }) => {
    const zod = asZod(schema, `${url} ${httpPart ?? ''}`);
    const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'input');
    return (data: unknown) => {
      const result = zod.safeParse(data);
      return result.success ? { value: result.data } : { error: new Error(formatIssues(part, result.error)) };
    };
  });
  app.setSerializerCompiler(({ schema, url }) => {
    const zod = asZod(schema, `${url} response`);
    return (data: unknown) => {
      const result = zod.safeParse(data);
      if (!result.success) throw new Error(`response of ${url} breaks its schema: ${formatIssues('response', result.error)}`);
      return JSON.stringify(result.data);
    };
  });
}, { name: 'zod-compiler', fastify: '5.x' });
