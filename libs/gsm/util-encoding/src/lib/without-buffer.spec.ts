// The console bundles this library for the browser, where there is no Buffer: the same module
// loaded without it must count and encode exactly as it does in Node.
import fc from 'fast-check';
import * as inNode from '../index';

function loadWithoutBuffer(): typeof inNode {
  const saved = globalThis.Buffer;
  let module: typeof inNode | undefined;
  try {
    delete (globalThis as { Buffer?: unknown }).Buffer;
    jest.isolateModules(() => {
      module = require('../index');
    });
  } finally {
    globalThis.Buffer = saved;
  }
  if (!module) throw new Error('the module did not load');
  return module;
}

const inBrowser = loadWithoutBuffer();
// Long ASCII (the latin1 fast path), long non-ASCII GSM and UCS-2 (the utf16le copy), short texts.
const texts = fc.oneof(
  fc.string({ minLength: 0, maxLength: 400 }),
  fc.stringMatching(/^[A-Za-z0-9 @$_.,!?]{32,500}$/),
  fc.array(fc.constantFrom('a', 'é', 'Ç', '€', '{', 'ğ', 'ş', 'П', '😀', ' '), { minLength: 30, maxLength: 300 }).map((a) => a.join('')),
);

it('count and encode give the same answers without Buffer (the browser bundle) as with it', () => {
  fc.assert(
    fc.property(texts, fc.constantFrom<inNode.NationalLanguage[] | undefined>(undefined, ['turkish'], ['spanish', 'portuguese']), fc.boolean(), (text, nationalLanguages, smart) => {
      const options = { nationalLanguages, smart, maxSegments: 255 };
      expect(inBrowser.count(text, options)).toEqual(inNode.count(text, options));
      const a = inBrowser.encode(text, { ...options, reference: 7 });
      const b = inNode.encode(text, { ...options, reference: 7 });
      expect(a.segments.map((s) => [...s.bytes])).toEqual(b.segments.map((s) => [...s.bytes]));
    }),
    { numRuns: 300 },
  );
});
