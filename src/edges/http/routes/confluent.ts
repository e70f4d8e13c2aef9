import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { guardJson } from '../../../domain/json-guard.ts';
import type { Services } from '../../../services/index.ts';
import { ConfluentError, toConfluentError } from '../../../services/confluent/errors.ts';
import { tenantOf } from '../auth.ts';

/** What Confluent Schema Registry answers with, and what its clients send. */
export const confluentContentType = 'application/vnd.schemaregistry.v1+json';
const acceptedContentTypes = [confluentContentType, 'application/vnd.schemaregistry+json', 'application/json'];
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
export function confluentRoutes(app: FastifyInstance, services: Services): void {
  void app.register(
    (scope, _options, done) => {
      const registry = services.confluent;
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(acceptedContentTypes, { parseAs: 'string', bodyLimit: maxSchemaRequestBytes }, (_request, body, parsed) => {
        const text = body as string;
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
      scope.setNotFoundHandler((request, reply) => sendError(new ConfluentError(404, 404, `HTTP 404 Not Found: no route ${request.method} ${request.url.split('?')[0]}`), request, reply));
      scope.addHook('onRequest', (_request, reply, hookDone) => {
        void reply.type(confluentContentType);
        hookDone();
      });

      const read = { config: { access: 'consume' as const }, schema: { tags: ['registry (Confluent)'] } };
      const write = { config: { access: 'manage' as const }, schema: { tags: ['registry (Confluent)'] } };

      scope.get('/schemas/types', read, () => ['JSON', 'PROTOBUF', 'AVRO']);

      scope.get('/subjects', read, (request) => {
        const prefix = (request.query as Query).subjectPrefix;
        return registry.listSubjects(tenantOf(request), prefix === undefined ? { deleted: flag(request, 'deleted') } : { deleted: flag(request, 'deleted'), prefix });
      });
      // Not in Confluent's API: a short way to read the latest version.
      scope.get<{ Params: SubjectParams }>('/subjects/:subject', read, (request) =>
        registry.getVersion(tenantOf(request), request.params.subject, 'latest', flag(request, 'deleted')),
      );
      scope.post<{ Params: SubjectParams }>('/subjects/:subject', read, (request) =>
        registry.lookup(tenantOf(request), request.params.subject, request.body, flag(request, 'deleted')),
      );
      scope.delete<{ Params: SubjectParams }>('/subjects/:subject', write, (request) =>
        registry.deleteSubject(tenantOf(request), request.params.subject, flag(request, 'permanent')),
      );
      scope.get<{ Params: SubjectParams }>('/subjects/:subject/versions', read, (request) =>
        registry.listVersions(tenantOf(request), request.params.subject, flag(request, 'deleted')),
      );
      scope.post<{ Params: SubjectParams }>('/subjects/:subject/versions', write, (request) =>
        registry.register(tenantOf(request), request.params.subject, request.body),
      );
      scope.get<{ Params: VersionParams }>('/subjects/:subject/versions/:version', read, (request) =>
        registry.getVersion(tenantOf(request), request.params.subject, request.params.version, flag(request, 'deleted')),
      );
      scope.delete<{ Params: VersionParams }>('/subjects/:subject/versions/:version', write, (request) =>
        registry.deleteVersion(tenantOf(request), request.params.subject, request.params.version, flag(request, 'permanent')),
      );
      scope.get<{ Params: VersionParams }>('/subjects/:subject/versions/:version/schema', read, (request) =>
        registry.getVersion(tenantOf(request), request.params.subject, request.params.version, flag(request, 'deleted')).schema,
      );
      scope.get<{ Params: VersionParams }>('/subjects/:subject/versions/:version/referencedby', read, (request) =>
        registry.referencedBy(tenantOf(request), request.params.subject, request.params.version),
      );

      scope.get<{ Params: { id: string } }>('/schemas/ids/:id', read, (request) => registry.schemaById(tenantOf(request), request.params.id));
      scope.get<{ Params: { id: string } }>('/schemas/ids/:id/schema', read, (request) => registry.schemaById(tenantOf(request), request.params.id).schema);
      scope.get<{ Params: { id: string } }>('/schemas/ids/:id/subjects', read, (request) => [
        ...new Set(registry.subjectVersionsOfSchema(tenantOf(request), request.params.id, flag(request, 'deleted')).map((entry) => entry.subject)),
      ]);
      scope.get<{ Params: { id: string } }>('/schemas/ids/:id/versions', read, (request) =>
        registry.subjectVersionsOfSchema(tenantOf(request), request.params.id, flag(request, 'deleted')),
      );

      scope.post<{ Params: VersionParams }>('/compatibility/subjects/:subject/versions/:version', read, (request) =>
        registry.testCompatibility(tenantOf(request), request.params.subject, request.params.version, request.body, flag(request, 'verbose')),
      );

      scope.get('/config', read, (request) => registry.globalConfig(tenantOf(request)));
      scope.put('/config', write, (request) => registry.setGlobalConfig(tenantOf(request), request.body));
      scope.delete('/config', write, (request) => registry.deleteGlobalConfig(tenantOf(request)));
      scope.get<{ Params: SubjectParams }>('/config/:subject', read, (request) =>
        registry.subjectConfig(tenantOf(request), request.params.subject, flag(request, 'defaultToGlobal')),
      );
      scope.put<{ Params: SubjectParams }>('/config/:subject', write, (request) => registry.setSubjectConfig(tenantOf(request), request.params.subject, request.body));
      scope.delete<{ Params: SubjectParams }>('/config/:subject', write, (request) => registry.deleteSubjectConfig(tenantOf(request), request.params.subject));

      scope.get('/mode', read, (request) => registry.globalMode(tenantOf(request)));
      scope.put('/mode', write, (request) => registry.setGlobalMode(tenantOf(request), request.body));
      scope.get<{ Params: SubjectParams }>('/mode/:subject', read, (request) =>
        registry.subjectMode(tenantOf(request), request.params.subject, flag(request, 'defaultToGlobal')),
      );
      scope.put<{ Params: SubjectParams }>('/mode/:subject', write, (request) => registry.setSubjectMode(tenantOf(request), request.params.subject, request.body));
      scope.delete<{ Params: SubjectParams }>('/mode/:subject', write, (request) => registry.deleteSubjectMode(tenantOf(request), request.params.subject));

      done();
    },
    { prefix: '/registry' },
  );
}

function sendError(error: ConfluentError, request: FastifyRequest, reply: FastifyReply, cause?: unknown): FastifyReply {
  if (error.status >= 500) request.log.error({ err: cause ?? error }, 'registry request failed');
  return reply.code(error.status).type(confluentContentType).send(error.toBody());
}
