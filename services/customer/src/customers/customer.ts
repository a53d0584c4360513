/** A customer as the customer service's domain sees it. */
export type Role = 'customer' | 'barista' | 'admin';

export const roles: readonly Role[] = ['customer', 'barista', 'admin'];

export interface Customer {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  createdAt: Date;
}

export interface CustomerProfile extends Customer {
  tabBalanceCents: number;
  loyaltyPoints: number;
  stats: {
    ordersCompleted: number;
    totalSpentCents: number;
    favoriteMenuItemId: string | undefined;
    lastOrderAt: Date | undefined;
  };
}

export interface Registration {
  email: string;
  password: string;
  displayName: string;
}

/** A rule a request broke, naming the field, for INVALID_ARGUMENT and 400 answers. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function isCustomerId(value: string): boolean {
  return UUID.test(value);
}

export function requireId(field: string, value: string): string {
  if (!UUID.test(value)) throw new ValidationError(field, 'must be a UUID');
  return value;
}

export function normalizeEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  if (trimmed.length > 254 || !EMAIL.test(trimmed))
    throw new ValidationError('email', 'must be an email address');
  return trimmed;
}

/** NIST SP 800-63B: at least 8 characters, long passphrases allowed, no composition rules. */
export function checkPassword(password: string): string {
  // Counted in code points, as NIST asks, not UTF-16 units.
  if (Array.from(password).length < 8)
    throw new ValidationError('password', 'must have at least 8 characters');
  if (Array.from(password).length > 256)
    throw new ValidationError('password', 'must have at most 256 characters');
  return password;
}

export function validateRegistration(registration: Registration): Registration {
  const displayName = registration.displayName.trim();
  // Code points, as the API's schema and Postgres's length() count them.
  const length = Array.from(displayName).length;
  if (length < 1 || length > 80) {
    throw new ValidationError('displayName', 'must have 1 to 80 characters');
  }
  return {
    email: normalizeEmail(registration.email),
    password: checkPassword(registration.password),
    displayName,
  };
}
