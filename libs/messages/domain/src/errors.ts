/** A request the gateway refuses, with the field at fault and a sentence saying what to do. */
export class ValidationError extends Error {
  constructor(
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}
