import type { pushV1 } from '@everything/contracts';
import { GrpcError, Status, guardedHandlers, type ErrorClassifier } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import { checkPushEndpoint, PushEndpointError } from '../push/push-endpoint.ts';
import {
  checkKeys,
  PushSubscriptionError,
  type PushSubscriptions,
} from '../push/push-subscriptions.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function classifyPushError(error: unknown): GrpcError | undefined {
  if (error instanceof PushEndpointError)
    return new GrpcError(Status.INVALID_ARGUMENT, `endpoint: ${error.message}`);
  if (error instanceof PushSubscriptionError)
    return new GrpcError(Status.INVALID_ARGUMENT, error.message);
  return undefined;
}

/** Translates the PushService contract; `settings` is undefined when push is not configured. */
export function pushService(
  subscriptions: PushSubscriptions,
  settings: { publicKey: string; allowedOrigins: string[] } | undefined,
  guard: () => void,
  classify: ErrorClassifier,
  logger: Logger,
): pushV1.PushServiceServer {
  const handle = guardedHandlers(logger, guard, [classifyPushError, classify]);
  const configured = () => {
    if (!settings)
      throw new GrpcError(Status.UNAVAILABLE, 'web push is not configured (no VAPID keys)');
    return settings;
  };
  const customerOf = (id: string) => {
    if (!UUID.test(id)) throw new GrpcError(Status.INVALID_ARGUMENT, 'customerId: must be a UUID');
    return id;
  };
  return {
    getVapidPublicKey: handle(() => Promise.resolve({ publicKey: configured().publicKey })),
    savePushSubscription: handle(async (request: pushV1.SavePushSubscriptionRequest) => {
      const { allowedOrigins } = configured();
      if (request.endpoint.length > 2_000)
        throw new GrpcError(Status.INVALID_ARGUMENT, 'endpoint: must be at most 2000 characters');
      checkPushEndpoint(request.endpoint, allowedOrigins);
      const keys = { p256dh: request.p256dh, auth: request.auth };
      checkKeys(keys);
      await subscriptions.save(customerOf(request.customerId), {
        endpoint: request.endpoint,
        keys,
      });
      return {};
    }),
    deletePushSubscription: handle(async (request: pushV1.DeletePushSubscriptionRequest) => {
      if (!(await subscriptions.remove(customerOf(request.customerId), request.endpoint)))
        throw new GrpcError(Status.NOT_FOUND, 'endpoint: no such subscription of yours');
      return {};
    }),
  };
}
