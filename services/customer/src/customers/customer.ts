/** A customer as the customer service's domain sees it. */
export interface Customer {
  id: string;
  email: string;
  displayName: string;
  createdAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isCustomerId(value: string): boolean {
  return UUID.test(value);
}
