/**
 * berth's own HTTP/1.1 client, split by concern: http1-pool.ts (the keep-alive pool and its
 * `dial` hook), http1-exchange.ts (one exchange's lifecycle and bounds), http1-codec.ts (the
 * wire format), http1-body.ts (streamed bodies and response headers). This module keeps the
 * names it always offered.
 */
export { Http1Pool, type Http1Dial, type Http1DialOptions, type Http1PoolOptions, type Http1Socket } from "./http1-pool.js";
export { MAX_PLAIN_HEAD_BYTES } from "./http1-codec.js";
export { Http1Response as NodeHttpResponse, ResponseHeaders } from "./http1-body.js";
