import { holdSelection } from './holds.command';

describe('smsgw holds release | reject', () => {
  it('acts on ids, or on an account (optionally one country)', () => {
    expect(holdSelection(['01J1', '01J2'], {})).toEqual({ ids: ['01J1', '01J2'] });
    expect(holdSelection([], { account: 'acme', country: 'GB' })).toEqual({ account: 'acme', country: 'GB' });
    expect(holdSelection([], { account: 'acme' })).toEqual({ account: 'acme', country: '' });
  });

  it('refuses both, neither, or a country without an account, saying what to give', () => {
    expect(() => holdSelection(['01J1'], { account: 'acme' })).toThrow(/not both/);
    expect(() => holdSelection([], {})).toThrow(/give message ids, or --account/);
    expect(() => holdSelection(['01J1'], { country: 'GB' })).toThrow(/--country goes with --account/);
  });
});
