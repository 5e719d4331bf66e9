/** A request the simulator cannot carry out, with a stable code (HTTP maps these to 400/404). */
export class SimulatorError extends Error {
  constructor(
    readonly code: 'SIMULATOR.UNKNOWN_SYSTEM_ID' | 'SIMULATOR.INVALID_MO',
    message: string,
  ) {
    super(message);
  }
}
