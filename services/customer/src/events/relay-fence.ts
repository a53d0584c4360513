import type pg from 'pg';

/** Where an order event was read, and the epoch of the outbox relay that sent it. */
export interface RelayStamp {
  topic: string;
  partition: number;
  epoch: bigint;
}

/**
 * The consumer's half of the outbox relay's fencing (services/order/src/events/outbox-relay.ts).
 * Called in the transaction that applies the event: records the message's relay epoch as the
 * highest applied on its partition and returns true, or returns false when a newer epoch was
 * already applied there. Such a message comes from a relay that had lost its lead and still
 * finished a send; it could not mark its events published, so the current leader publishes
 * them again under its own epoch, and skipping this copy loses nothing. The row lock the upsert
 * takes orders two consumers that briefly share a partition during a rebalance.
 */
export async function admitRelayEpoch(client: pg.ClientBase, stamp: RelayStamp): Promise<boolean> {
  const { rows } = await client.query<{ epoch: string }>(
    `INSERT INTO relay_epochs (topic, partition, epoch) VALUES ($1, $2, $3)
     ON CONFLICT (topic, partition) DO UPDATE SET epoch = GREATEST(relay_epochs.epoch, EXCLUDED.epoch)
     RETURNING epoch::text`,
    [stamp.topic, stamp.partition, String(stamp.epoch)],
  );
  return rows[0]?.epoch === String(stamp.epoch);
}
