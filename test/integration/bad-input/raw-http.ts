/**
 * A raw HTTP/1.1 client for hostile requests: it writes the request line, headers and body bytes
 * exactly as given (NUL, bare CR, invalid UTF-8, conflicting lengths), which fetch and node:http
 * refuse to send, and reads the answer whatever its shape.
 */
import { connect } from 'node:net';

/** A request as written on the wire. */
export interface RawRequest {
  readonly method: string;
  /** The request-target, as sent (not encoded further). */
  readonly target: string;
  /** Header lines `Name: value`, as sent; Host (see `host`) and Connection: close are added. */
  readonly headers?: readonly (string | Buffer)[];
  readonly body?: string | Buffer;
  /** Adds `Content-Length` for the body. @default true */
  readonly contentLength?: boolean;
  /** Adds `Host` (the server's address). @default true */
  readonly host?: boolean;
}

/** An answer as read from the wire. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The server closed the connection or went silent without an HTTP answer. */
export class NoAnswerError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'NoAnswerError';
  }
}

const CRLF = '\r\n';

function head(request: RawRequest, host: string, bodyBytes: number): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`${request.method} ${request.target} HTTP/1.1${CRLF}${(request.host ?? true) ? `Host: ${host}${CRLF}` : ''}`, 'utf8'),
  ];
  for (const line of request.headers ?? []) parts.push(typeof line === 'string' ? Buffer.from(line, 'utf8') : line, Buffer.from(CRLF));
  if (request.contentLength ?? true) parts.push(Buffer.from(`Content-Length: ${bodyBytes}${CRLF}`));
  parts.push(Buffer.from(`Connection: close${CRLF}${CRLF}`));
  return Buffer.concat(parts);
}

function parse(bytes: Buffer): RawResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) throw new NoAnswerError(`incomplete answer: ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split(CRLF);
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (match === null) throw new NoAnswerError(`not an HTTP answer: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = bytes.subarray(end + 4);
  if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status: Number(match[1]), headers, body };
}

/**
 * Sends one request on its own connection and resolves with the answer once the server closes
 * the connection. A server that answers early (e.g. 413 before the body) may reset the
 * connection while the body is still being written: the answer read so far counts.
 */
export function sendRaw(baseUrl: string, request: RawRequest, timeoutMs = 60_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body =
    request.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  return new Promise<RawResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const received = Buffer.concat(chunks);
      if (received.length > 0) {
        try {
          resolve(parse(received));
          return;
        } catch (parseError) {
          reject(parseError as Error);
          return;
        }
      }
      reject(
        new NoAnswerError(`no answer to ${request.method} ${request.target.slice(0, 80)}${error ? `: ${error.message}` : ''}`, {
          cause: error,
        }),
      );
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (error) => {
      // EPIPE/ECONNRESET after an early answer: keep reading what arrived.
      if (chunks.length > 0) finish();
      else if (!['EPIPE', 'ECONNRESET'].includes((error as NodeJS.ErrnoException).code ?? '')) finish(error);
    });
    socket.on('connect', () => {
      socket.write(head(request, url.host, body.length));
      if (body.length > 0) socket.write(body);
    });
  });
}
