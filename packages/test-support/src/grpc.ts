import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const reflectionProto = createRequire(import.meta.url).resolve(
  '@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
);

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorMessage: string };
}

type ReflectionClient = grpc.Client & {
  serverReflectionInfo(): grpc.ClientDuplexStream<{ listServices: string }, ReflectionResponse>;
};

/** What `grpcurl -plaintext ADDRESS list` prints: the services a server describes through reflection. */
export async function listServicesByReflection(address: string): Promise<string[]> {
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto)) as unknown as {
    grpc: {
      reflection: {
        v1: {
          ServerReflection: new (
            address: string,
            credentials: grpc.ChannelCredentials,
          ) => ReflectionClient;
        };
      };
    };
  };
  const client = new loaded.grpc.reflection.v1.ServerReflection(
    address,
    grpc.credentials.createInsecure(),
  );
  try {
    return await new Promise((resolve, reject) => {
      const call = client.serverReflectionInfo();
      call.on('data', (response: ReflectionResponse) => {
        if (response.listServicesResponse)
          resolve(response.listServicesResponse.service.map((service) => service.name).sort());
        else
          reject(
            new Error(response.errorResponse?.errorMessage ?? 'unexpected reflection response'),
          );
        call.end();
      });
      call.on('error', reject);
      call.write({ listServices: '' });
    });
  } finally {
    client.close();
  }
}

/** A call's outcome as data, so a test can assert on an error's code as easily as on a response. */
export async function outcome<Response>(
  call: Promise<Response>,
): Promise<{ error: grpc.ServiceError | null; response: Response | undefined }> {
  try {
    return { error: null, response: await call };
  } catch (error) {
    return { error: error as grpc.ServiceError, response: undefined };
  }
}
