/** The closed set of error codes the API returns, each with its HTTP status. */
export const ERROR_STATUS = {
  ERR_VALIDATION: 400,
  ERR_INVALID_NUMBER: 400,
  ERR_INVALID_MEDIA_URL: 400,
  ERR_INVALID_WEBHOOK_URL: 400,
  ERR_WAPP_INVALID_CONTACT: 400,
  ERR_NO_DEF_WAPP_FOUND: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_INVALID_CREDENTIALS: 401,
  ERR_FORBIDDEN: 403,
  ERR_WRONG_PASSWORD: 403,
  ERR_CSRF: 403,
  ERR_NOT_FOUND: 404,
  ERR_TICKET_NOT_FOUND: 404,
  ERR_CONTACT_NOT_FOUND: 404,
  ERR_CONNECTION_NOT_FOUND: 404,
  ERR_MESSAGE_NOT_FOUND: 404,
  ERR_QUEUE_NOT_FOUND: 404,
  ERR_USER_NOT_FOUND: 404,
  ERR_TAG_NOT_FOUND: 404,
  ERR_WEBHOOK_NOT_FOUND: 404,
  ERR_TOKEN_NOT_FOUND: 404,
  ERR_DELIVERY_NOT_FOUND: 404,
  ERR_QUICK_ANSWER_NOT_FOUND: 404,
  ERR_NOTE_NOT_FOUND: 404,
  ERR_SESSION_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_OPEN_TICKET_EXISTS: 409,
  ERR_TICKET_CLOSED: 409,
  ERR_IDEMPOTENCY_KEY_REUSED: 409,
  ERR_IDEMPOTENCY_OUTCOME_UNKNOWN: 409,
  ERR_WAPP_NOT_CONNECTED: 409,
  ERR_NOT_SANDBOX: 409,
  ERR_MESSAGE_NOT_OURS: 409,
  ERR_MESSAGE_NOT_EDITABLE: 409,
  ERR_MESSAGE_DELETED: 409,
  ERR_MESSAGE_SENDING: 409,
  ERR_MESSAGE_NOT_SENT: 409,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_EDIT_WINDOW_EXPIRED: 422,
  ERR_DELETE_WINDOW_EXPIRED: 422,
  ERR_TOO_MANY_REQUESTS: 429,
  ERR_INTERNAL: 500,
  ERR_SENDING_WAPP_MSG: 502,
  ERR_MEDIA_FETCH_FAILED: 502,
  ERR_SERVICE_UNAVAILABLE: 503,
  ERR_NOT_ON_POSTGRES: 503,
  ERR_WAPP_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type ErrorDetail = { path: string; message: string };

/** The one error type services throw; `onError` renders it as `{error, message}`. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Response headers that go with the error (e.g. Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
    this.status = ERROR_STATUS[code];
  }
}
