/**
 * Points a free drink costs: the order service's LOYALTY_POINTS_PER_FREE_DRINK default. The
 * order service decides; the app only uses this to offer the free drink when it can be paid.
 */
export const POINTS_PER_FREE_DRINK = 100;
