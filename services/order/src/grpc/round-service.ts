import type { roundV1 } from '@everything/contracts';
import { GrpcError, Status, guardedHandlers, type ErrorClassifier } from '@everything/grpc';
import type { Logger } from '@everything/logger';
import { MAX_LINES } from '../orders/pricing.ts';
import {
  RoundConflictError,
  RoundInvalidError,
  RoundNotFoundError,
  type RoundProblem,
} from '../rounds/round.ts';
import type { Rounds, RoundView } from '../rounds/rounds.ts';
import { classifyOrderError } from './order-service.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function requireUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw new GrpcError(Status.INVALID_ARGUMENT, `${field}: must be a UUID`);
  return value;
}

function requireName(value: string): string {
  const name = value.trim();
  if (!name) throw new GrpcError(Status.INVALID_ARGUMENT, 'customerName: must not be empty');
  return name.slice(0, 80);
}

export function classifyRoundError(error: unknown): GrpcError | undefined {
  if (error instanceof RoundInvalidError)
    return new GrpcError(Status.INVALID_ARGUMENT, error.message);
  if (error instanceof RoundNotFoundError) return new GrpcError(Status.NOT_FOUND, error.message);
  if (error instanceof RoundConflictError)
    return new GrpcError(Status.FAILED_PRECONDITION, error.message);
  return classifyOrderError(error);
}

function toWire(round: RoundView): roundV1.Round {
  return {
    id: round.id,
    code: round.code,
    starterId: round.starterId,
    status: round.status,
    payer: round.payer,
    members: round.members.map((member) => ({
      customerId: member.customerId,
      customerName: member.customerName,
      lines: member.lines,
      subtotalCents: member.subtotalCents,
      orderId: member.orderId ?? '',
      orderStatus: member.orderStatus ?? '',
      joinedAt: member.joinedAt,
    })),
    createdAt: round.createdAt,
    submittedAt: round.submittedAt,
  };
}

const problemToWire = (problem: RoundProblem): roundV1.RoundProblem => ({
  kind: problem.kind,
  customerId: problem.customerId,
  customerName: problem.customerName,
  menuItemId: problem.kind === 'item_unavailable' ? problem.menuItemId : '',
  detail: problem.detail,
});

/** Translates the RoundService contract to the rounds use cases. */
export function roundService(
  rounds: Rounds,
  guard: () => void,
  classify: ErrorClassifier,
  logger: Logger,
): roundV1.RoundServiceServer {
  const handle = guardedHandlers(logger, guard, [classifyRoundError, classify]);
  const ids = (request: { roundId: string; customerId: string }) =>
    [
      requireUuid('roundId', request.roundId),
      requireUuid('customerId', request.customerId),
    ] as const;

  return {
    startRound: handle(async (request: roundV1.StartRoundRequest) => ({
      round: toWire(
        await rounds.start(
          requireUuid('customerId', request.customerId),
          requireName(request.customerName),
        ),
      ),
    })),
    getRound: handle(async (request: roundV1.GetRoundRequest) => ({
      round: toWire(await rounds.get(...ids(request))),
    })),
    joinRound: handle(async (request: roundV1.JoinRoundRequest) => ({
      round: toWire(
        await rounds.join(
          request.code,
          requireUuid('customerId', request.customerId),
          requireName(request.customerName),
        ),
      ),
    })),
    setRoundItems: handle(async (request: roundV1.SetRoundItemsRequest) => {
      if (request.lines.length > MAX_LINES)
        throw new GrpcError(Status.INVALID_ARGUMENT, `items: must have at most ${MAX_LINES} lines`);
      const lines = request.lines.map((line, index) => ({
        menuItemId: requireUuid(`items[${index}].menuItemId`, line.menuItemId),
        quantity: line.quantity,
        optionIds: line.optionIds,
      }));
      return { round: toWire(await rounds.setItems(...ids(request), lines)) };
    }),
    leaveRound: handle(async (request: roundV1.LeaveRoundRequest) => {
      await rounds.leave(...ids(request));
      return {};
    }),
    submitRound: handle(async (request: roundV1.SubmitRoundRequest) => {
      const without = request.withoutCustomerIds.map((id, index) =>
        requireUuid(`without[${index}]`, id),
      );
      const outcome = await rounds.submit(
        ...ids(request),
        request.starterPays ? 'starter' : 'each',
        without,
      );
      return {
        round: toWire(outcome.round),
        problems: outcome.submitted ? [] : outcome.problems.map(problemToWire),
      };
    }),
    cancelRound: handle(async (request: roundV1.CancelRoundRequest) => {
      await rounds.cancel(...ids(request));
      return {};
    }),
  };
}
