import { IoTClient, type IoTClientConfig } from "@aws-sdk/client-iot";

/** One HTTP request the SDK sent, as the service would see it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface FakeResponse {
  readonly status: number;
  readonly body?: unknown;
  /** The AWS error type, sent as `x-amzn-errortype` as the IoT control plane does. */
  readonly errorType?: string;
}

type Route = (request: SeenRequest) => FakeResponse | undefined;

/**
 * AWS IoT's control plane, emulated at the HTTP level under a real `IoTClient`: the SDK builds,
 * signs (with made-up credentials), retries and parses as it would against AWS, but every request
 * lands here. Responses come from `routes`, tried in order; an unmatched request is a 500, so a
 * test sees every call the code under test makes. The service's own behaviour is tested against
 * moto (aws-provision-moto.test.ts); this fake is for what moto cannot do: throttle, or fail one
 * chosen call, and show the exact requests.
 */
export class FakeIotService {
  readonly requests: SeenRequest[] = [];
  readonly retryErrors: string[] = [];
  readonly #routes: Route[] = [];

  route(method: string, path: string, answer: (request: SeenRequest, count: number) => FakeResponse): this {
    let count = 0;
    this.#routes.push((request) => (request.method === method && request.path === path ? answer(request, ++count) : undefined));
    return this;
  }

  /** The client the code under test gets: region and credentials made up, retries without waiting. */
  client(maxAttempts = 3): IoTClient {
    return new IoTClient({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
      requestHandler: { handle: (request: HttpRequestLike) => this.#handle(request) },
      retryStrategy: {
        acquireInitialRetryToken: async () => token(0),
        refreshRetryTokenForRetry: async (previous: { getRetryCount(): number }, info: { errorType: string }) => {
          this.retryErrors.push(info.errorType);
          const count = previous.getRetryCount() + 1;
          if (count >= maxAttempts || (info.errorType !== "THROTTLING" && info.errorType !== "TRANSIENT")) throw new Error("no more retries");
          return token(count);
        },
        recordSuccess: () => {},
      },
    } as IoTClientConfig);
  }

  async #handle(request: HttpRequestLike): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    const text =
      request.body === undefined || request.body === null
        ? ""
        : typeof request.body === "string"
          ? request.body
          : new TextDecoder().decode(request.body as Uint8Array);
    const seen: SeenRequest = {
      method: request.method,
      path: decodeURIComponent(request.path),
      query: Object.fromEntries(Object.entries(request.query ?? {}).map(([key, value]) => [key, String(value)])),
      headers: request.headers,
      body: text === "" ? undefined : JSON.parse(text),
    };
    this.requests.push(seen);
    let answer: FakeResponse | undefined;
    for (const route of this.#routes) {
      answer = route(seen);
      if (answer) break;
    }
    answer ??= { status: 500, errorType: "InternalFailureException", body: { message: `no fake route for ${seen.method} ${seen.path}` } };
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (answer.errorType) headers["x-amzn-errortype"] = answer.errorType;
    return { response: { statusCode: answer.status, headers, body: new TextEncoder().encode(answer.body === undefined ? "{}" : JSON.stringify(answer.body)) } };
  }
}

interface HttpRequestLike {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[] | null>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

function token(count: number): { getRetryCount(): number; getRetryDelay(): number } {
  return { getRetryCount: () => count, getRetryDelay: () => 0 };
}
