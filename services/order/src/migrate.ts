// `migrate [-y]`: applies order_db's pending migrations; the Helm hook Job runs `migrate -y`.
import { migrateCommand } from '@everything/postgres';

migrateCommand('order', new URL('../migrations/', import.meta.url));
