import * as grpc from '@grpc/grpc-js';
import { onTestFinished } from 'vitest';

/** Messages are JSON: the tests need real gRPC framing and trailers, not protobuf. */
const json = {
  serialize: (v: unknown): Buffer => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer): unknown => JSON.parse(b.toString()),
};
const method = (path: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<unknown, unknown> => ({
  path, requestStream, responseStream,
  requestSerialize: json.serialize, requestDeserialize: json.deserialize,
  responseSerialize: json.serialize, responseDeserialize: json.deserialize,
});

export const ECHO_SERVICE = {
  echo: method('/cutover.test.Echo/Echo', false, false),
  count: method('/cutover.test.Echo/Count', false, true),
  chat: method('/cutover.test.Echo/Chat', true, true),
} satisfies grpc.ServiceDefinition;

export interface EchoRequest { text?: string; fail?: keyof typeof grpc.status; delayMs?: number; n?: number }

export interface TestGrpcServer {
  url: string;
  calls: number;
}

/**
 * A real @grpc/grpc-js server on 127.0.0.1:0 (cleartext h2c). Echo answers `name: text` with a
 * trailing `x-served-by` metadata entry; `fail` answers that status instead; `failEvery` makes
 * every n-th call UNAVAILABLE (deterministic, as the rollout tests' HTTP upstreams do).
 */
export async function startGrpcServer(name: string, options: { failEvery?: number } = {}): Promise<TestGrpcServer> {
  const server = new grpc.Server();
  const state: TestGrpcServer = { url: '', calls: 0 };
  const trailer = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    md.set('x-served-by', name);
    return md;
  };
  server.addService(ECHO_SERVICE, {
    echo: (call: grpc.ServerUnaryCall<EchoRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const i = state.calls++;
      const req = call.request;
      const answer = (): void => {
        if (req.fail) return cb({ code: grpc.status[req.fail], details: `${name} says ${req.fail}`, metadata: trailer() });
        if (options.failEvery && i % options.failEvery === 0) return cb({ code: grpc.status.UNAVAILABLE, details: `${name} unavailable`, metadata: trailer() });
        cb(null, { text: `${name}: ${req.text ?? ''}` }, trailer());
      };
      if (req.delayMs) setTimeout(answer, req.delayMs);
      else answer();
    },
    count: (call: grpc.ServerWritableStream<EchoRequest, unknown>) => {
      state.calls++;
      for (let i = 0; i < (call.request.n ?? 3); i++) call.write({ i, from: name });
      call.end(trailer());
    },
    chat: (call: grpc.ServerDuplexStream<EchoRequest, unknown>) => {
      state.calls++;
      call.on('data', (m: EchoRequest) => call.write({ text: `${name}: ${m.text ?? ''}` }));
      call.on('end', () => call.end(trailer()));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  onTestFinished(() => server.forceShutdown());
  state.url = `http://127.0.0.1:${port}`;
  return state;
}

const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
export type EchoClientT = grpc.Client & {
  echo(req: EchoRequest, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { text: string }) => void): grpc.ClientUnaryCall;
  count(req: EchoRequest): grpc.ClientReadableStream<{ i: number; from: string }>;
  chat(): grpc.ClientDuplexStream<EchoRequest, { text: string }>;
};

/** A cleartext (h2c, prior knowledge) gRPC client of `host:port`, closed when the test ends. */
export function echoClient(target: string): EchoClientT {
  const client = new EchoClient(target, grpc.credentials.createInsecure()) as unknown as EchoClientT;
  onTestFinished(() => client.close());
  return client;
}

export interface UnaryOutcome { err: grpc.ServiceError | null; res?: { text: string }; trailers: grpc.Metadata | null }

/** One unary call with its status and trailing metadata. */
export function unary(client: EchoClientT, req: EchoRequest, deadlineMs = 5_000): Promise<UnaryOutcome> {
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | null = null;
    const call = client.echo(req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
      // 'status' follows the callback; take the trailers from it.
      setImmediate(() => resolve({ err, res, trailers }));
    });
    call.on('status', (s: grpc.StatusObject) => {
      trailers = s.metadata;
    });
  });
}

export { grpc };
