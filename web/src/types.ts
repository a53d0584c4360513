// The public API's shapes, as /openapi.json describes them.

export type Role = 'customer' | 'barista' | 'admin';
export type OrderStatus = 'placed' | 'accepted' | 'ready' | 'completed' | 'cancelled' | 'expired';

export interface MenuOption {
  id: string;
  name: string;
  priceDeltaCents: number;
  isDefault: boolean;
}

export interface OptionGroup {
  id: string;
  name: string;
  minChoices: number;
  maxChoices: number;
  options: MenuOption[];
}

export interface MenuItem {
  id: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  available: boolean;
  optionGroups: OptionGroup[];
}

export interface OrderLine {
  menuItemId: string;
  name: string;
  quantity: number;
  options: { id: string; name: string; priceDeltaCents: number }[];
  unitPriceCents: number;
  lineTotalCents: number;
}

export interface Order {
  id: string;
  status: OrderStatus;
  statusReason?: string;
  customerId: string;
  customerName: string;
  items: OrderLine[];
  totalCents: number;
  discountCents: number;
  pointsRedeemed: number;
  placedAt: string;
  updatedAt: string;
  queuePosition?: number;
  estimatedReadyAt?: string;
  acceptBy?: string;
  /** The schedule that placed it, if one did. */
  scheduleId?: string;
}

export interface Customer {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  tabBalanceCents: number;
  loyaltyPoints: number;
  stats: {
    ordersCompleted: number;
    totalSpentCents: number;
    favoriteMenuItemId?: string;
    lastOrderAt?: string;
  };
  createdAt: string;
}

export interface Favorite {
  menuItemId: string;
  options: string[];
  quantity: number;
  savedAt: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface PickupOrder {
  id: string;
  customerName: string;
  readyAt: string;
}

/** An RFC 9457 problem, as every error of the API is sent. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  currentStatus?: OrderStatus;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface Schedule {
  id: string;
  kind: 'one-off' | 'repeating';
  items: { menuItemId: string; quantity: number; options: string[] }[];
  redeemFreeDrink: boolean;
  timeZone: string;
  at?: string;
  time?: string;
  days?: Weekday[];
  paused: boolean;
  nextRunAt: string | null;
  nextPlaceAt: string | null;
  createdAt: string;
  placedOrderId?: string;
}

export interface ScheduleRun {
  key: string;
  dueAt: string;
  outcome: 'placed' | 'skipped' | 'failed';
  reason?: string;
  orderId?: string;
  recordedAt: string;
}

export interface UpcomingRun {
  scheduleId: string;
  customerName: string;
  items: { menuItemId: string; name: string; quantity: number }[];
  dueAt: string;
  placeAt: string;
}
