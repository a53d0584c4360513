// The limit the server's reads are held against: Fastify answering a constant on the same Node,
// in a process of its own as the server runs in one. Prints its address once listening.
import Fastify from 'fastify';

const app = Fastify();
app.get('/', () => ({ hello: 'world' }));
const address = await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
console.log(address);
process.once('SIGTERM', () => void app.close());
