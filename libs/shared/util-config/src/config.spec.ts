import { ConfigError, bool, describeSettings, int, list, loadConfig, oneOf, str } from './index';

const schema = {
  NAME: str('x', 'a name'),
  PORT: int(50051, 'a port', { min: 1, max: 65535 }),
  ON: bool(false, 'a flag'),
  MODE: oneOf(['a', 'b'] as const, 'a', 'a mode'),
  HOSTS: list(['h:1'], 'hosts'),
};

describe('loadConfig', () => {
  it('uses defaults for unset and empty variables', () => {
    expect(loadConfig(schema, { NAME: '' })).toEqual({ NAME: 'x', PORT: 50051, ON: false, MODE: 'a', HOSTS: ['h:1'] });
  });

  it('parses set variables', () => {
    expect(loadConfig(schema, { PORT: '8080', ON: 'yes', MODE: 'b', HOSTS: 'a:1, b:2' })).toMatchObject({ PORT: 8080, ON: true, MODE: 'b', HOSTS: ['a:1', 'b:2'] });
  });

  it('reports every problem with the variable name', () => {
    try {
      loadConfig(schema, { PORT: '70000', ON: 'maybe', MODE: 'c' });
      throw new Error('expected ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toEqual([
        'PORT: must be at most 65535, got 70000',
        'ON: expected true or false, got "maybe"',
        'MODE: expected one of a, b, got "c"',
      ]);
    }
  });

  it('describes settings for the README', () => {
    expect(describeSettings({ PORT: schema.PORT })).toEqual(['| `PORT` | `50051` | a port |']);
  });
});
