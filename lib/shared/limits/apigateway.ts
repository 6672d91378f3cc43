import type { DocumentedSetting, Range } from '../limits';

/**
 * Amazon API Gateway and AWS WAF quotas and settings the API front door enforces (API Gateway
 * Developer Guide, "Amazon API Gateway quotas"; AWS WAF Developer Guide, "Rate-based rule statement").
 */
export const APIGATEWAY = {
  /** Account-level steady-state rate per region: 10,000 requests per second (adjustable); stage and method limits cannot exceed it. */
  accountRateLimit: 10_000,
  /** Account-level burst per region: 5,000 requests. */
  accountBurstLimit: 5_000,
  /** Stage, method and route throttling rate: 0 to the account's 10,000 requests per second. */
  throttleRate: { min: 0, max: 10_000, unit: 'requests/s', source: 'API Gateway quotas, account throttle' },
  /** Stage, method and route throttling burst: 0 to the account's 5,000 requests. */
  throttleBurst: { min: 0, max: 5_000, unit: 'requests', source: 'API Gateway quotas, account throttle' },
  /** Usage plan quota: a positive number of requests per day, week or month. */
  quotaLimit: { min: 1, max: 2_147_483_647, unit: 'requests', source: 'API Gateway CreateUsagePlan QuotaSettings' },
  /** Integration timeout: 50 ms to 29 s (the default; regional and private REST APIs can ask for more). */
  integrationTimeoutMs: { min: 50, max: 29_000, unit: 'ms', source: 'API Gateway quotas, integration timeout' },
  /** Lambda authorizer result cache TTL: 0 (no caching) to 3,600 s, 300 s by default. */
  authorizerCacheSeconds: { min: 0, max: 3600, unit: 's', source: 'API Gateway Lambda authorizers' },
  defaultAuthorizerCacheSeconds: 300,
  /** Payload of a REST or HTTP API request: 10 MB. */
  maxPayloadBytes: 10 * 1024 * 1024,
  /** WebSocket message: 128 KB, in frames of at most 32 KB. */
  maxWebSocketMessageBytes: 128 * 1024,
  maxWebSocketFrameBytes: 32 * 1024,
  /** WebSocket connection duration: 2 hours; idle connections close after 10 minutes. */
  webSocketConnectionSeconds: 2 * 60 * 60,
  webSocketIdleSeconds: 10 * 60,
  /** API keys per account and region. */
  apiKeysPerRegion: 10_000,
  /** Usage plans per account and region. */
  usagePlansPerRegion: 300,
  /** Stage names: letters, digits, hyphens and underscores, at most 128 characters. */
  maxStageNameLength: 128,
  /** AWS WAF rate-based rule limit: 10 to 2,000,000,000 requests per evaluation window and IP. */
  wafRateLimit: { min: 10, max: 2_000_000_000, unit: 'requests', source: 'AWS WAF rate-based rule statement' },
  /** The evaluation windows a rate-based rule accepts, in seconds (300 by default). */
  wafRateWindowsSeconds: [60, 120, 300, 600],
  defaultWafRateWindowSeconds: 300,
  /** A private API's interface VPC endpoint (execute-api) answers HTTPS only. */
  httpsPort: 443,
} as const satisfies Record<string, number | Range | readonly number[]>;

/** The API front door guide's limits table. */
export const APIGATEWAY_SETTINGS: readonly DocumentedSetting[] = [
  {
    setting: 'REST stage default throttling rate',
    prop: 'throttle.rateLimit',
    allowed: APIGATEWAY.throttleRate,
    serviceDefault: APIGATEWAY.accountRateLimit,
    projectDefault: 100,
    citation: 'API Gateway Developer Guide, "Throttle requests to your REST APIs"',
  },
  {
    setting: 'REST stage default throttling burst',
    prop: 'throttle.burstLimit',
    allowed: APIGATEWAY.throttleBurst,
    serviceDefault: APIGATEWAY.accountBurstLimit,
    projectDefault: 200,
    citation: 'API Gateway Developer Guide, "Throttle requests to your REST APIs"',
  },
  {
    setting: 'Method throttling rate (GET /quotes)',
    prop: 'methodThrottle.rateLimit',
    allowed: APIGATEWAY.throttleRate,
    projectDefault: 5,
    citation: 'API Gateway Developer Guide, "Throttle requests to your REST APIs"',
  },
  {
    setting: 'Method throttling burst (GET /quotes)',
    prop: 'methodThrottle.burstLimit',
    allowed: APIGATEWAY.throttleBurst,
    projectDefault: 10,
    citation: 'API Gateway Developer Guide, "Throttle requests to your REST APIs"',
  },
  {
    setting: 'Usage plan quota per day',
    prop: 'quota.limit',
    allowed: APIGATEWAY.quotaLimit,
    projectDefault: 10_000,
    citation: 'API Gateway API Reference, CreateUsagePlan QuotaSettings',
  },
  {
    setting: 'Lambda authorizer result cache',
    prop: 'authorizerCacheTtl',
    allowed: APIGATEWAY.authorizerCacheSeconds,
    serviceDefault: APIGATEWAY.defaultAuthorizerCacheSeconds,
    projectDefault: APIGATEWAY.defaultAuthorizerCacheSeconds,
    citation: 'API Gateway Developer Guide, "Use API Gateway Lambda authorizers"',
  },
  {
    setting: 'Integration timeout',
    prop: 'integrationTimeout',
    allowed: APIGATEWAY.integrationTimeoutMs,
    serviceDefault: APIGATEWAY.integrationTimeoutMs.max,
    projectDefault: 10_000,
    citation: 'API Gateway Developer Guide, "Amazon API Gateway quotas"',
  },
  {
    setting: 'HTTP API route throttling rate (POST /quotes)',
    prop: 'routeThrottle.rateLimit',
    allowed: APIGATEWAY.throttleRate,
    projectDefault: 10,
    citation: 'API Gateway Developer Guide, "Throttle requests to your HTTP APIs"',
  },
  {
    setting: 'WAF rate-based rule limit per IP and window',
    prop: 'rateLimit',
    allowed: APIGATEWAY.wafRateLimit,
    projectDefault: 500,
    citation: 'AWS WAF Developer Guide, "Rate-based rule statement"',
  },
];

const count = (n: number) => n.toLocaleString('en-US');

/** Quotas the API front door guide states in prose, rendered from the constants above. */
export const APIGATEWAY_FACTS: readonly string[] = [
  `Account throttle per region: ${count(APIGATEWAY.accountRateLimit)} requests per second with a burst of ${count(APIGATEWAY.accountBurstLimit)} (adjustable); stage, method, route and usage plan limits apply within it, and API Gateway answers 429 beyond them ("Amazon API Gateway quotas").`,
  `REST and HTTP API payloads: at most ${count(APIGATEWAY.maxPayloadBytes / (1024 * 1024))} MB; integration timeout ${count(APIGATEWAY.integrationTimeoutMs.min)} ms to ${count(APIGATEWAY.integrationTimeoutMs.max / 1000)} s.`,
  `WebSocket messages: at most ${count(APIGATEWAY.maxWebSocketMessageBytes / 1024)} KB in frames of ${count(APIGATEWAY.maxWebSocketFrameBytes / 1024)} KB; a connection lasts at most ${count(APIGATEWAY.webSocketConnectionSeconds / 3600)} hours and closes after ${count(APIGATEWAY.webSocketIdleSeconds / 60)} idle minutes.`,
  `API keys: at most ${count(APIGATEWAY.apiKeysPerRegion)} per account and region; usage plans: ${count(APIGATEWAY.usagePlansPerRegion)}. API keys identify callers for usage plans; they are not authorization.`,
  `Stage names: letters, digits, hyphens and underscores, at most ${APIGATEWAY.maxStageNameLength} characters.`,
  `AWS WAF rate-based rules count requests per IP over ${APIGATEWAY.wafRateWindowsSeconds.join(', ')} s windows (${APIGATEWAY.defaultWafRateWindowSeconds} s by default), with a limit of ${count(APIGATEWAY.wafRateLimit.min)} to ${count(APIGATEWAY.wafRateLimit.max)}; AWS WAF protects REST API stages, not HTTP or WebSocket APIs.`,
];
