import {
  checkPassword,
  normalizeEmail,
  validateRegistration,
  type Customer,
  type Registration,
} from './customer.ts';
import type { CustomerRepository } from './customer-repository.ts';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './password.ts';

export class InvalidCredentialsError extends Error {
  override name = 'InvalidCredentialsError';
}

/** Sign-up, sign-in and the bootstrap admin: the decisions about credentials. */
export class Accounts {
  readonly #customers: CustomerRepository;

  constructor(customers: CustomerRepository) {
    this.#customers = customers;
  }

  async register(registration: Registration): Promise<Customer> {
    const valid = validateRegistration(registration);
    return this.#customers.create({
      email: valid.email,
      displayName: valid.displayName,
      passwordHash: await hashPassword(valid.password),
    });
  }

  /** One answer for an unknown email and a wrong password, in the same time. */
  async verify(email: string, password: string): Promise<Customer> {
    let normalized: string;
    try {
      normalized = normalizeEmail(email);
    } catch {
      await verifyAgainstDecoy(password);
      throw new InvalidCredentialsError('wrong email or password');
    }
    const found = await this.#customers.findCredentials(normalized);
    const matches = found?.passwordHash
      ? await verifyPassword(password, found.passwordHash)
      : await verifyAgainstDecoy(password);
    if (!found || !matches) throw new InvalidCredentialsError('wrong email or password');
    return found.customer;
  }

  /** The bootstrap admin, created when absent; an existing account keeps its role and password. */
  async ensureAdmin(email: string, password: string): Promise<Customer> {
    return this.#customers.createAdminIfAbsent(
      normalizeEmail(email),
      await hashPassword(checkPassword(password)),
    );
  }
}
