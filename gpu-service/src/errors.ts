// Typed errors of the GPU service. Each carries the HTTP status and the OpenAI error `type`/`code` it is
// answered with, so route handlers never map errors by hand.

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export class InvalidRequestError extends ServiceError {
  constructor(message: string, param: string | null = null, code = 'invalid_request') {
    super(400, 'invalid_request_error', code, message, param);
  }
}

/** Prompt plus requested completion would not fit the model's context or the service's token limits. */
export class ContextLengthError extends ServiceError {
  constructor(message: string, param: string) {
    super(400, 'invalid_request_error', 'context_length_exceeded', message, param);
  }
}

export class PayloadTooLargeError extends ServiceError {
  constructor(limitBytes: number) {
    super(413, 'invalid_request_error', 'payload_too_large', `Request body exceeds ${limitBytes} bytes`);
  }
}

/** A prompt longer than the service reads before tokenising (tokenising it would stall other requests). */
export class PromptTooLargeError extends ServiceError {
  constructor(bytes: number, limitBytes: number, param: string) {
    super(
      413,
      'invalid_request_error',
      'prompt_too_large',
      `The prompt is ${bytes} bytes; this service tokenises at most ${limitBytes} bytes of prompt (set by --max-prompt-bytes)`,
      param,
    );
  }
}

export class AuthenticationError extends ServiceError {
  constructor(message: string) {
    super(401, 'invalid_request_error', 'invalid_api_key', message);
  }
}

/** The bounded request queue is full: the client should retry later. */
export class QueueFullError extends ServiceError {
  constructor(capacity: number) {
    super(429, 'rate_limit_error', 'queue_full', `Server is at capacity (${capacity} queued requests); retry later`);
  }
}

export class ShuttingDownError extends ServiceError {
  constructor() {
    super(503, 'server_error', 'shutting_down', 'Server is shutting down and accepts no new requests');
  }
}

export class InternalError extends ServiceError {
  constructor(message: string) {
    super(500, 'server_error', 'internal_error', message);
  }
}

/** A checkpoint directory that cannot be served: names the file, field or tensor at fault. */
export class CheckpointError extends ServiceError {
  constructor(message: string) {
    super(500, 'server_error', 'bad_checkpoint', message);
  }
}
