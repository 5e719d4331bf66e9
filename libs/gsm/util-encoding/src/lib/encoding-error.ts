export type EncodingErrorCode =
  | 'ENCODING.TOO_MANY_SEGMENTS'
  | 'ENCODING.REFERENCE_REQUIRED'
  | 'ENCODING.INVALID_OPTION'
  | 'ENCODING.UNSUPPORTED_DATA_CODING'
  | 'ENCODING.MALFORMED_UDH'
  | 'ENCODING.INCOMPLETE_MESSAGE';

/** Every failure of this library: a stable `code`, a message that says what to do, and details. */
export class EncodingError extends Error {
  override readonly name = 'EncodingError';

  constructor(
    readonly code: EncodingErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
