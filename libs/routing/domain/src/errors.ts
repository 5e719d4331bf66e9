/** A rate card or route rules file that cannot be used; the message names the place and the fix. */
export class RoutingConfigError extends Error {
  constructor(
    readonly code: 'ROUTING.INVALID_RULES' | 'ROUTING.INVALID_RATE_CARD',
    message: string,
  ) {
    super(message);
    this.name = 'RoutingConfigError';
  }
}

export const invalidRules = (where: string, what: string) => new RoutingConfigError('ROUTING.INVALID_RULES', `${where}: ${what}`);
export const invalidRateCard = (where: string, what: string) => new RoutingConfigError('ROUTING.INVALID_RATE_CARD', `${where}: ${what}`);
