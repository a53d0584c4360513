// `migrate [-y]`: applies customer_db's pending migrations; the Helm hook Job runs `migrate -y`.
import { migrateCommand } from '@everything/postgres';

migrateCommand('customer', new URL('../migrations/', import.meta.url));
