/**
 * Checks requests and answers against fluxo's OpenAPI document with a JSON-schema validator (ajv,
 * draft 2020-12 as OpenAPI 3.1 uses, with ajv-formats for date-time). Shared by the unit tests of
 * the document and the integration tests that validate the local stack's real answers.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { JsonSchema, OpenApiDocument, OpenApiOperation } from '../../../../core/api/openapi';

const SCHEMAS_ID = 'https://fluxo.local/openapi-schemas';

/** `#/components/schemas/X` refs, pointed at the schemas registered with ajv. */
function rebase(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${SCHEMAS_ID}#/$defs/`)) as JsonSchema;
}

/** The OpenAPI path template a request path matches: the concrete path first, then a templated one. */
export function pathTemplate(document: OpenApiDocument, method: string, path: string): string | undefined {
  const wanted = method.toLowerCase();
  if (document.paths[path]?.[wanted] !== undefined) return path;
  const segments = path.split('/').filter((s) => s !== '');
  return Object.keys(document.paths).find((template) => {
    if (document.paths[template][wanted] === undefined) return false;
    const parts = template.split('/').filter((s) => s !== '');
    return (
      parts.length === segments.length &&
      parts.every((p, i) => (p.startsWith('{') && p.endsWith('}') ? segments[i] !== '' : p === segments[i]))
    );
  });
}

/** Validates against the document; each method returns the problems found (empty when valid). */
export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  public constructor(public readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: rebase(document.components.schemas) });
  }

  /** Compiles (once) a schema of the document; throws when ajv refuses it. */
  public compile(key: string, schema: JsonSchema): ValidateFunction {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** The operation serving a method and a request path; throws when the document has none. */
  public operation(method: string, path: string): { template: string; operation: OpenApiOperation } {
    const template = pathTemplate(this.document, method, path);
    if (template === undefined) throw new Error(`the OpenAPI document has no operation for ${method} ${path}`);
    return { template, operation: this.document.paths[template][method.toLowerCase()] };
  }

  /** Problems of a request body sent to `method path`. */
  public requestErrors(method: string, path: string, body: unknown): string[] {
    const { template, operation } = this.operation(method, path);
    const schema = (operation.requestBody?.content as Record<string, { schema: JsonSchema }> | undefined)?.['application/json']?.schema;
    if (schema === undefined) return [`${method} ${template} takes no JSON body`];
    return this.problems(this.compile(`request ${method} ${template}`, schema), body);
  }

  /** Problems of an answer (status and JSON body) of `method path`. */
  public responseErrors(method: string, path: string, status: number, body: unknown): string[] {
    const { template, operation } = this.operation(method, path);
    const response = operation.responses[String(status)];
    if (response === undefined)
      return [`${method} ${template} documents no ${status} answer (it documents ${Object.keys(operation.responses).join(', ')})`];
    const schema = response.content?.['application/json']?.schema;
    if (schema === undefined) return [`${method} ${template} ${status} has no JSON body`];
    return this.problems(this.compile(`response ${method} ${template} ${status}`, schema), body);
  }

  private problems(validate: ValidateFunction, data: unknown): string[] {
    return validate(data)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`);
  }
}
