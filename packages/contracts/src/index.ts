import { fileURLToPath } from 'node:url';

export * as menuV1 from './gen/everything/order/v1/menu.ts';
export * as orderV1 from './gen/everything/order/v1/orders.ts';
export * as scheduleV1 from './gen/everything/order/v1/schedules.ts';
export * as roundV1 from './gen/everything/order/v1/rounds.ts';
export * as customerV1 from './gen/everything/customer/v1/customer.ts';
export * as pushV1 from './gen/everything/customer/v1/push.ts';

/** Root of the .proto sources, for servers that describe themselves through reflection. */
export const protoRoot = fileURLToPath(new URL('../../../proto', import.meta.url));

export const protoFiles = {
  orderMenu: 'everything/order/v1/menu.proto',
  orders: 'everything/order/v1/orders.proto',
  schedules: 'everything/order/v1/schedules.proto',
  rounds: 'everything/order/v1/rounds.proto',
  customer: 'everything/customer/v1/customer.proto',
  push: 'everything/customer/v1/push.proto',
} as const;
