// Every workflow the order service's worker runs, each in a module of its own.
export { orderWorkflow } from './order-workflow.ts';
export { scheduleWorkflow } from './schedule-workflow.ts';
