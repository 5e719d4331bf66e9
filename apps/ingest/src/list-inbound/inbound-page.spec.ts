import { ValidationError } from '@smsgw/messages/domain';
import { inboundPageQuery } from './inbound-page';

describe('inboundPageQuery', () => {
  it('defaults to the newest 50 of any number, and normalises the filters as the store keeps them', () => {
    expect(inboundPageQuery({})).toEqual({ beforeSeq: '', sinceMs: 0, from: '', to: '', limit: 50 });
    expect(inboundPageQuery({ cursor: '42', limit: '200', since: '2026-12-01T10:00:00+02:00', from: '447911123456', to: '+447700900123' })).toEqual({
      beforeSeq: '42',
      sinceMs: Date.parse('2026-12-01T08:00:00Z'),
      from: '+447911123456',
      to: '447700900123',
      limit: 200,
    });
    expect(inboundPageQuery({ to: 'ACME' }).to).toBe('ACME');
  });

  it.each([
    [{ limit: '0' }, 'limit', 'VALIDATION.INVALID_LIMIT'],
    [{ limit: '201' }, 'limit', 'VALIDATION.INVALID_LIMIT'],
    [{ limit: '1.5' }, 'limit', 'VALIDATION.INVALID_LIMIT'],
    [{ cursor: 'abc' }, 'cursor', 'VALIDATION.INVALID_CURSOR'],
    [{ cursor: '-1' }, 'cursor', 'VALIDATION.INVALID_CURSOR'],
    [{ since: 'yesterday' }, 'since', 'VALIDATION.INVALID_SINCE'],
    [{ since: '2026-02-30T00:00:00Z' }, 'since', 'VALIDATION.INVALID_SINCE'],
    [{ from: '+44 79 11' }, 'from', 'VALIDATION.INVALID_NUMBER'],
    [{ to: 'x'.repeat(12) }, 'to', 'VALIDATION.INVALID_NUMBER'],
  ])('refuses %p naming %s', (params, field, code) => {
    expect(() => inboundPageQuery(params)).toThrow(ValidationError);
    expect(() => inboundPageQuery(params)).toThrow(expect.objectContaining({ field, code }));
  });
});
