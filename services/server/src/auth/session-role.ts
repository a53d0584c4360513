import type { customerV1 } from '@everything/contracts';
import { Status } from '@everything/grpc';
import { Problem } from '../problem.ts';
import { callPeer } from '../upstream/grpc-call.ts';
import { roleOf } from '../upstream/convert.ts';
import type { SessionRole } from './tokens.ts';

const sessionEnded = () =>
  new Problem(
    401,
    'session-ended',
    'Session ended',
    'This session was signed out, or its account changed; sign in again.',
    { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
  );

/** The caller's role from the customer service, which also knows whether the session still lives. */
export function sessionRoleFrom(
  customers: customerV1.CustomerServiceClient,
  timeoutMs: number,
): SessionRole {
  return async (principal) => {
    // Tokens issued before sessions existed carry none: they cannot act with privilege.
    if (!principal.sid) throw sessionEnded();
    const { role } = await callPeer(
      'customer',
      customers,
      'checkSession',
      { customerId: principal.sub, sessionId: principal.sid },
      timeoutMs,
      (error) =>
        error.code === Status.UNAUTHENTICATED || error.code === Status.INVALID_ARGUMENT
          ? sessionEnded()
          : undefined,
    );
    return roleOf(role);
  };
}
