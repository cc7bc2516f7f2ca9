import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OutboxFilter, OutboxStore } from '../app/send-ports.ts';
import type { Scope } from '../core/index.ts';
import type { SesHttpRequest } from './http-request.ts';
import { sesRequestOf } from './fastify-request.ts';
import { localStackView } from './outbox-view.ts';
import { SesError } from './ses-error.ts';
import { errorEnvelope } from './xml.ts';

export { localStackView } from './outbox-view.ts';

function query(req: { query: unknown }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

/**
 * Outside dev mode the outbox holds every account's mail, so its routes are authenticated like the
 * SES API (issue 14, finding 4): a SigV4-signed request (service `ses`, as an SDK signs a REST call)
 * sees and deletes only the messages of its account in the region it signed for, and never a
 * verification message, whose link would let the reader verify someone else's address into an
 * account of their choosing. Unsigned requests get SES's 403.
 */
export type OutboxAuthenticate = (request: SesHttpRequest) => Promise<Scope>;

/**
 * `GET /_aws/ses` (optionally `?id=MESSAGE_ID` or `?email=SOURCE`) lists kept messages as
 * `{"messages": [...]}`; `DELETE /_aws/ses` (optionally `?id=`) clears them and answers 204, as
 * LocalStack does. In --dev without authentication, like LocalStack, and every message is shown;
 * with `--outbox-api` in production, `authenticate` decides whose messages (OutboxAuthenticate).
 */
export function registerOutboxRoutes(app: FastifyInstance, outbox: OutboxStore, authenticate?: OutboxAuthenticate): void {
  /** The account's filter, or null when the request was refused (the answer is sent). */
  const scopeOf = async (req: FastifyRequest, reply: FastifyReply): Promise<{ scope?: Scope } | null> => {
    if (!authenticate) return {};
    try {
      return { scope: await authenticate(sesRequestOf(req)) };
    } catch (err) {
      if (!(err instanceof SesError)) throw err;
      const requestId = req.id;
      await reply
        .code(err.status)
        .header('content-type', 'text/xml')
        .header('x-amzn-requestid', requestId)
        .send(errorEnvelope(err.type, err.code, err.message, requestId));
      return null;
    }
  };
  app.get('/_aws/ses', async (req, reply) => {
    const account = await scopeOf(req, reply);
    if (account === null) return reply;
    const q = query(req);
    const filter: OutboxFilter = { ...account, ...(q['id'] ? { messageId: q['id'] } : {}), ...(q['email'] ? { source: q['email'] } : {}) };
    let messages = await outbox.list(filter);
    if (authenticate) messages = messages.filter((m) => m.kind !== 'verification');
    return reply.header('content-type', 'application/json').send(JSON.stringify({ messages: messages.map(localStackView) }));
  });
  app.delete('/_aws/ses', async (req, reply) => {
    const account = await scopeOf(req, reply);
    if (account === null) return reply;
    const q = query(req);
    await outbox.hide({ ...account, ...(q['id'] ? { messageId: q['id'] } : {}) });
    return reply.code(204).send();
  });
}

/** The target of VerifyEmailIdentity's link. */
export function registerVerifyEmailRoute(
  app: FastifyInstance,
  confirm: (token: string) => Promise<{ address: string; status: 'Success' | 'Failed' } | null>,
): void {
  app.get('/_signet/verify-email', async (req, reply) => {
    const token = query(req)['token'] ?? '';
    const result = await confirm(token);
    const page = (status: number, text: string) => reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(`${text}\n`);
    if (result === null) return page(404, 'This verification link is not valid.');
    if (result.status === 'Failed') return page(410, `The verification link for ${result.address} has expired. Ask for a new one with VerifyEmailIdentity.`);
    return page(200, `Congratulations! You have successfully verified ${result.address}. You can now start sending email from this address.`);
  });
}
