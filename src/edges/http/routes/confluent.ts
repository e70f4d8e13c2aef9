import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { guardJson } from '../../../domain/json-guard.ts';
import type { Services } from '../../../services/index.ts';
import { ConfluentError, toConfluentError } from '../../../services/confluent/errors.ts';
import type { AllowedMethods } from '../allowed-methods.ts';
import { tenantOf } from '../auth.ts';
import { documentationOnly } from '../request-validators.ts';
import { SerializedOnce } from '../serialized-once.ts';
import { AnswerContentTypes, answerType } from './confluent-accept.ts';
import { answers, bodies, confluentContentType, op, registryMediaTypes } from './confluent-schemas.ts';

const maxSchemaRequestBytes = 512 * 1024;
const maxDepth = 64;

type Query = Record<string, string | undefined>;
type SubjectParams = { subject: string };
type VersionParams = { subject: string; version: string };

/** `?deleted=true` and friends: only the literal `true` counts, as in Confluent. */
const flag = (request: FastifyRequest, name: string): boolean => (request.query as Query)[name] === 'true';

/**
 * Confluent Schema Registry's REST API at `/registry`, so stock clients and serializers work
 * unchanged: an encapsulated plugin with its own body parsers, error shape
 * (`{"error_code": 40401, "message": "..."}`) and content type. See docs/registry.md.
 */
export function confluentRoutes(app: FastifyInstance, services: Services, allowedMethods: AllowedMethods): void {
  void app.register(
    (scope, _options, done) => {
      const registry = services.confluent;
      const contentTypes = new AnswerContentTypes();
      const schemaBytes = new SerializedOnce();
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(registryMediaTypes, { parseAs: 'buffer', bodyLimit: maxSchemaRequestBytes }, (_request, body, parsed) => {
        if (!isUtf8(body as Buffer)) {
          parsed(new ConfluentError(400, 400, 'the body is not valid UTF-8'), undefined);
          return;
        }
        const text = (body as Buffer).toString('utf8');
        if (text.trim() === '') {
          parsed(null, undefined);
          return;
        }
        try {
          const value = JSON.parse(text) as unknown;
          guardJson(value, maxDepth);
          parsed(null, value);
        } catch (error) {
          parsed(error as Error, undefined);
        }
      });
      scope.setErrorHandler((error, request, reply) => sendError(toConfluentError(error), request, reply, error));
      scope.setNotFoundHandler((request, reply) => {
        const path = request.url.split('?')[0]!;
        const allowed = allowedMethods.for(path);
        if (allowed.length > 0)
          return sendError(
            new ConfluentError(405, 405, `HTTP 405 Method Not Allowed: ${path} takes ${allowed.join(', ')}`),
            request,
            reply.header('allow', allowed.join(', ')),
          );
        return sendError(new ConfluentError(404, 404, `HTTP 404 Not Found: no route ${request.method} ${path}`), request, reply);
      });
      scope.addHook('onRequest', (request, reply, hookDone) => {
        const type = contentTypes.of(request.headers.accept);
        if (type === undefined) {
          void sendError(
            new ConfluentError(
              406,
              406,
              `HTTP 406 Not Acceptable: the registry answers ${confluentContentType} or application/json, not ${request.headers.accept ?? ''}`,
            ),
            request,
            reply,
          );
          return;
        }
        void reply.type(type);
        hookDone();
      });

      // The registry checks its requests itself, answering with Confluent's error codes; the
      // body schemas below document them for /openapi.json.
      scope.setValidatorCompiler(documentationOnly);

      // Confluent's root answers an empty object; clients use it to check the registry is there.
      scope.get('/', op('read', 'The registry is there (an empty object)', answers.empty), () => ({}));
      scope.get('/schemas/types', op('read', 'Schema formats: JSON, PROTOBUF, AVRO', answers.strings), () => ['JSON', 'PROTOBUF', 'AVRO']);

      scope.get('/subjects', op('read', 'List subjects (subjectPrefix, deleted, deletedOnly)', answers.strings), (request) => {
        const prefix = (request.query as Query).subjectPrefix;
        const options = { deleted: flag(request, 'deleted'), deletedOnly: flag(request, 'deletedOnly') };
        return registry.listSubjects(tenantOf(request), prefix === undefined ? options : { ...options, prefix });
      });
      // Not in Confluent's API: a short way to read the latest version.
      scope.get<{ Params: SubjectParams }>(
        '/subjects/:subject',
        op('read', "The latest version of a subject (not in Confluent's API)", answers.subjectVersion),
        (request) => registry.getVersion(tenantOf(request), request.params.subject, 'latest', flag(request, 'deleted')),
      );
      scope.post<{ Params: SubjectParams }>(
        '/subjects/:subject',
        op('read', "Find a schema among a subject's versions", answers.subjectVersion, bodies.schemaBody),
        (request) => registry.lookup(tenantOf(request), request.params.subject, request.body, flag(request, 'deleted')),
      );
      scope.delete<{ Params: SubjectParams }>(
        '/subjects/:subject',
        op('write', 'Delete a subject (soft; ?permanent=true after a soft delete)', answers.integers),
        (request) => registry.deleteSubject(tenantOf(request), request.params.subject, flag(request, 'permanent')),
      );
      scope.get<{ Params: SubjectParams }>('/subjects/:subject/versions', op('read', "A subject's version numbers", answers.integers), (request) =>
        registry.listVersions(tenantOf(request), request.params.subject, flag(request, 'deleted'), flag(request, 'deletedOnly')),
      );
      scope.post<{ Params: SubjectParams }>(
        '/subjects/:subject/versions',
        op('write', 'Register a schema under a subject (the same schema answers its existing id)', answers.id, bodies.schemaBody),
        (request) => registry.register(tenantOf(request), request.params.subject, request.body),
      );
      scope.get<{ Params: VersionParams }>(
        '/subjects/:subject/versions/:version',
        op('read', 'One version of a subject (a number or latest)', answers.subjectVersion),
        (request) => registry.getVersion(tenantOf(request), request.params.subject, request.params.version, flag(request, 'deleted')),
      );
      scope.delete<{ Params: VersionParams }>(
        '/subjects/:subject/versions/:version',
        op('write', 'Delete one version (soft; ?permanent=true after a soft delete)', answers.integer),
        (request) => registry.deleteVersion(tenantOf(request), request.params.subject, request.params.version, flag(request, 'permanent')),
      );
      scope.get<{ Params: VersionParams }>(
        '/subjects/:subject/versions/:version/schema',
        op('read', 'Only the schema of a version, unescaped', answers.any),
        (request) => registry.getVersion(tenantOf(request), request.params.subject, request.params.version, flag(request, 'deleted')).schema,
      );
      scope.get<{ Params: VersionParams }>(
        '/subjects/:subject/versions/:version/referencedby',
        op('read', 'Ids of schemas that reference this version', answers.integers),
        (request) => registry.referencedBy(tenantOf(request), request.params.subject, request.params.version),
      );

      scope.get('/schemas', op('read', 'List schemas (subjectPrefix, deleted, latestOnly, offset, limit)', answers.subjectVersions), (request) => {
        const query = request.query as Query & { offset?: string; limit?: string };
        const options: Parameters<typeof registry.listSchemas>[1] = { deleted: flag(request, 'deleted'), latestOnly: flag(request, 'latestOnly') };
        if (query.subjectPrefix !== undefined) options.prefix = query.subjectPrefix;
        if (query.offset !== undefined) options.offset = whole(query.offset, 'offset');
        if (query.limit !== undefined) options.limit = query.limit === '-1' ? -1 : whole(query.limit, 'limit');
        return registry.listSchemas(tenantOf(request), options);
      });
      // Confluent's cluster id, which clients ask for when they start; one registry per Sluice.
      scope.get('/v1/metadata/id', op('read', "The registry's cluster id", answers.object), () => ({
        scope: { path: [], clusters: { 'schema-registry-cluster': 'sluice' } },
      }));
      // What serializers ask on every schema id they have not seen: the bytes are made once per stored schema.
      scope.get<{ Params: { id: string } }>('/schemas/ids/:id', op('read', 'A schema by its id', answers.schemaById), (request, reply) =>
        reply.send(schemaBytes.of(registry.schemaById(tenantOf(request), request.params.id))),
      );
      scope.get<{ Params: { id: string } }>(
        '/schemas/ids/:id/schema',
        op('read', 'Only the schema of an id, unescaped', answers.any),
        (request) => registry.schemaById(tenantOf(request), request.params.id).schema,
      );
      scope.get<{ Params: { id: string } }>('/schemas/ids/:id/subjects', op('read', 'Subjects that hold a schema id', answers.strings), (request) => [
        ...new Set(registry.subjectVersionsOfSchema(tenantOf(request), request.params.id, flag(request, 'deleted')).map((entry) => entry.subject)),
      ]);
      scope.get<{ Params: { id: string } }>(
        '/schemas/ids/:id/versions',
        op('read', 'Subject versions that hold a schema id', answers.subjectVersionRefs),
        (request) => registry.subjectVersionsOfSchema(tenantOf(request), request.params.id, flag(request, 'deleted')),
      );

      scope.post<{ Params: VersionParams }>(
        '/compatibility/subjects/:subject/versions/:version',
        op('read', 'Would a schema be compatible with this version (?verbose=true says why not)', answers.compatibility, bodies.schemaBody),
        (request) => registry.testCompatibility(tenantOf(request), request.params.subject, request.params.version, request.body, flag(request, 'verbose')),
      );
      // Without a version: against the versions the subject's level names, as a registration would be.
      scope.post<{ Params: SubjectParams }>(
        '/compatibility/subjects/:subject/versions',
        op('read', "Would a schema be compatible with the versions the subject's level names", answers.compatibility, bodies.schemaBody),
        (request) => registry.testCompatibility(tenantOf(request), request.params.subject, 'latest', request.body, flag(request, 'verbose')),
      );

      scope.get('/config', op('read', "The tenant's default compatibility level", answers.configLevel), (request) => registry.globalConfig(tenantOf(request)));
      scope.put('/config', op('write', "Set the tenant's default compatibility level", answers.configSet, bodies.configBody), (request) =>
        registry.setGlobalConfig(tenantOf(request), request.body),
      );
      scope.delete('/config', op('write', "Reset the tenant's default compatibility level", answers.configLevel), (request) =>
        registry.deleteGlobalConfig(tenantOf(request)),
      );
      scope.get<{ Params: SubjectParams }>(
        '/config/:subject',
        op('read', "A subject's compatibility level (?defaultToGlobal=true falls back)", answers.configLevel),
        (request) => registry.subjectConfig(tenantOf(request), request.params.subject, flag(request, 'defaultToGlobal')),
      );
      scope.put<{ Params: SubjectParams }>(
        '/config/:subject',
        op('write', "Set a subject's compatibility level", answers.configSet, bodies.configBody),
        (request) => registry.setSubjectConfig(tenantOf(request), request.params.subject, request.body),
      );
      scope.delete<{ Params: SubjectParams }>('/config/:subject', op('write', "Remove a subject's own compatibility level", answers.configLevel), (request) =>
        registry.deleteSubjectConfig(tenantOf(request), request.params.subject),
      );

      scope.get('/mode', op('read', 'The registry mode', answers.mode), (request) => registry.globalMode(tenantOf(request)));
      scope.put('/mode', op('write', 'Set the registry mode', answers.mode, bodies.modeBody), (request) =>
        registry.setGlobalMode(tenantOf(request), request.body),
      );
      scope.get<{ Params: SubjectParams }>('/mode/:subject', op('read', "A subject's mode (?defaultToGlobal=true falls back)", answers.mode), (request) =>
        registry.subjectMode(tenantOf(request), request.params.subject, flag(request, 'defaultToGlobal')),
      );
      scope.put<{ Params: SubjectParams }>('/mode/:subject', op('write', "Set a subject's mode", answers.mode, bodies.modeBody), (request) =>
        registry.setSubjectMode(tenantOf(request), request.params.subject, request.body),
      );
      scope.delete<{ Params: SubjectParams }>('/mode/:subject', op('write', "Remove a subject's own mode", answers.mode), (request) =>
        registry.deleteSubjectMode(tenantOf(request), request.params.subject),
      );

      done();
    },
    { prefix: '/registry' },
  );
}

/** A query number Confluent takes (offset, limit): a whole number, 42202-like 400 otherwise. */
function whole(raw: string, name: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw new ConfluentError(400, 400, `"${name}" must be a whole number, not "${raw}"`);
  return Number(raw);
}

function sendError(error: ConfluentError, request: FastifyRequest, reply: FastifyReply, cause?: unknown): FastifyReply {
  if (error.status >= 500) request.log.error({ err: cause ?? error }, 'registry request failed');
  return reply
    .code(error.status)
    .type(answerType(request.headers.accept) ?? confluentContentType)
    .send(error.toBody());
}
