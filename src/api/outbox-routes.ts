import type { FastifyInstance } from 'fastify';
import type { OutboxStore } from '../app/send-ports.ts';
import { localStackView } from './outbox-view.ts';

export { localStackView } from './outbox-view.ts';

function query(req: { query: unknown }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

/**
 * `GET /_aws/ses` (optionally `?id=MESSAGE_ID` or `?email=SOURCE`) lists kept messages as
 * `{"messages": [...]}`; `DELETE /_aws/ses` (optionally `?id=`) clears them and answers 204, as
 * LocalStack does. No authentication, like LocalStack: only registered in --dev or with --outbox-api.
 */
export function registerOutboxRoutes(app: FastifyInstance, outbox: OutboxStore): void {
  app.get('/_aws/ses', async (req, reply) => {
    const q = query(req);
    const messages = await outbox.list({ ...(q['id'] ? { messageId: q['id'] } : {}), ...(q['email'] ? { source: q['email'] } : {}) });
    return reply.header('content-type', 'application/json').send(JSON.stringify({ messages: messages.map(localStackView) }));
  });
  app.delete('/_aws/ses', async (req, reply) => {
    const q = query(req);
    await outbox.hide(q['id'] ? { messageId: q['id'] } : {});
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
